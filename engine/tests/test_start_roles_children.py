"""`start_roles` hold however a case starts: a composite's child is started only if the user who
started the root case may start its definition (issue 13 item 9, ADR 0069)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.models import Case, WorkItem
from tests.helpers import RESTRICTED_NET, make_user, net, publish

pytestmark = pytest.mark.django_db

# The child's name is computed from the case data: any definition can be selected.
PARENT = net(
    "chooser",
    [{"id": "sub", "kind": "composite", "workflow": "string(data.child)"}],
    [("start", "sub"), ("sub", "end")],
)
# A parent whose child is itself a parent: the grandchild's rights are the root starter's too.
GRANDPARENT = net(
    "grand-chooser",
    [{"id": "outer", "kind": "composite", "workflow": "chooser", "input": {"child": "data.child"}}],
    [("start", "outer"), ("outer", "end")],
)


@pytest.fixture(autouse=True)
def nets(settings: Any) -> None:
    settings.WORKFLOW_RUNNER = "inline"
    publish(RESTRICTED_NET)
    publish(PARENT)
    publish(GRANDPARENT)


def start(client: Any, definition: str) -> Any:
    return client.post("/api/cases/", {"definition": definition, "data": {"child": "restricted"}}, format="json")


@pytest.mark.parametrize("parent", ["chooser", "grand-chooser"])
def test_a_clerk_cannot_start_a_restricted_definition_through_a_parent(
    api_client: Any, operator_a: Any, parent: str
) -> None:
    assert start(api_client(operator_a), "restricted").status_code == 403  # directly: refused
    response = start(api_client(operator_a), parent)
    assert response.status_code == 201, response.json()
    # nothing of the restricted definition was started, and the step that would have is a
    # failed work item saying why
    assert not Case.objects.filter(definition_name="restricted").exists()
    failed = WorkItem.objects.get(case__definition_name="chooser", task="sub")
    assert failed.state == "failed"
    assert "you may not start restricted" in failed.error["message"]
    assert failed.error["type"] == "Forbidden"


@pytest.mark.parametrize("parent", ["chooser", "grand-chooser"])
def test_a_manager_or_staff_can_start_it_through_a_parent(
    api_client: Any, operator_b: Any, staff_user: Any, parent: str
) -> None:
    for user in (operator_b, staff_user):
        response = start(api_client(user), parent)
        assert response.status_code == 201, response.json()
        root = Case.objects.get(pk=response.json()["id"])
        child = Case.objects.get(
            definition_name="restricted", parent__in=Case.objects.filter(pk=root.pk) | Case.objects.filter(parent=root)
        )
        assert child.state == "running"
        Case.objects.all().delete()


def test_a_child_of_a_case_the_system_started_is_not_checked(django_user_model: Any) -> None:
    """The engine's own starts (seed data, bench scripts) act as the system: no starter to check."""
    from engine import services
    from engine.access import SYSTEM

    make_user(django_user_model, "nobody")
    root = services.case_start(definition="chooser", data={"child": "restricted"}, user=SYSTEM)
    assert Case.objects.get(parent=root).definition_name == "restricted"
