"""The rules that have a Python form (engine/core) and a queryset form (engine/selectors) agree,
and the models' state choices are the core's state names."""

from __future__ import annotations

import itertools

import pytest

from engine import selectors
from engine.core import rules
from engine.core.state import CASE_STATES, ITEM_STATES
from engine.models import Case, WorkItem
from tests.helpers import net, publish


def test_model_state_choices_are_the_core_state_names() -> None:
    assert tuple(Case.State.values) == CASE_STATES
    assert tuple(WorkItem.State.values) == ITEM_STATES


@pytest.mark.django_db
def test_incident_rule_and_its_queryset_form_agree() -> None:
    version = publish(net("incidents", [{"id": "t", "kind": "manual"}], [("start", "t"), ("t", "end")]))
    expected: dict[int, bool] = {}
    for status, item_states in itertools.product(CASE_STATES, [(), ("completed",), ("failed",), ("started", "failed")]):
        case = Case.objects.create(version=version, definition_name="incidents", state=status)
        for n, item_state in enumerate(item_states):
            WorkItem.objects.create(case=case, task="t", generation=n + 1, kind="manual", state=item_state)
        expected[case.pk] = rules.case_has_incident(status=status, has_failed_item="failed" in item_states)
    got = set(Case.objects.filter(selectors.incident_q()).values_list("pk", flat=True))
    assert got == {pk for pk, incident in expected.items() if incident}
    assert 0 < len(got) < len(expected)  # both answers occur
    annotated = Case.objects.annotate(f=selectors.failed_item_exists()).values_list("pk", "state", "f")
    assert {pk: rules.case_has_incident(status=s, has_failed_item=f) for pk, s, f in annotated} == expected
