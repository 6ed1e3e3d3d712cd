"""Issue 15: the groups a designer picks roles from, and a comment kept on a published version."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group

from tests.helpers import db_state, demo_net

pytestmark = pytest.mark.django_db


def test_groups_are_listed_for_staff_with_their_member_counts(
    staff: Any, api_client: Any, operator_a: Any, operator_b: Any
) -> None:
    Group.objects.create(name="auditors")
    response = staff.get("/api/groups/")
    assert response.status_code == 200
    body = response.json()
    assert [(g["name"], g["members"]) for g in body["results"]] == [("auditors", 0), ("clerks", 1), ("managers", 1)]
    assert body["count"] == 3


def test_groups_are_for_staff_only(api_client: Any, operator_a: Any) -> None:
    assert api_client().get("/api/groups/").status_code == 401
    refused = api_client(operator_a).get("/api/groups/")
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"


def test_a_publish_comment_is_kept_on_the_version_and_listed(staff: Any) -> None:
    assert staff.post("/api/definitions/", demo_net("invoice-approval"), format="json").status_code == 201
    first = staff.post("/api/definitions/invoice-approval/publish/")  # no body: no comment
    assert first.status_code == 201
    assert first.json()["comment"] == ""
    second = staff.post(
        "/api/definitions/invoice-approval/publish/", {"comment": "  reviewers may now reject  "}, format="json"
    )
    assert second.status_code == 201, second.json()
    assert (second.json()["version"], second.json()["comment"]) == (2, "reviewers may now reject")
    versions = staff.get("/api/definitions/invoice-approval/").json()["versions"]
    assert [(v["version"], v["comment"], v["published_by"]) for v in versions] == [
        (1, "", "staff"),
        (2, "reviewers may now reject", "staff"),
    ]


def test_a_bad_publish_body_is_refused_and_publishes_nothing(staff: Any) -> None:
    assert staff.post("/api/definitions/", demo_net("invoice-approval"), format="json").status_code == 201
    before = db_state()
    too_long = staff.post("/api/definitions/invoice-approval/publish/", {"comment": "x" * 2001}, format="json")
    assert too_long.status_code == 400
    assert too_long.json()["errors"][0]["field"] == "comment"
    not_text = staff.post("/api/definitions/invoice-approval/publish/", {"comment": {"a": 1}}, format="json")
    assert not_text.status_code == 400
    a_list = staff.post("/api/definitions/invoice-approval/publish/", [1, 2], format="json")
    assert a_list.status_code == 400
    assert db_state() == before
