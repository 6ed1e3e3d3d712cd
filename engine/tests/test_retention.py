"""Retention: archive to JSON lines and purge cases that ended long ago (ADR 0079)."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from engine import services
from engine.access import SYSTEM
from engine.models import Case, Event, WorkItem
from tests.helpers import net, publish

pytestmark = pytest.mark.django_db

NET = net("kept", [{"id": "review", "kind": "manual"}], [("start", "review"), ("review", "end")])


def finished_case(days_ago: float) -> Case:
    case = services.case_start(definition="kept", user=SYSTEM)
    item = WorkItem.objects.get(case=case)
    services.work_item_complete(item_id=item.pk, user=SYSTEM, output={"ok": True})
    Case.objects.filter(pk=case.pk).update(ended_at=timezone.now() - dt.timedelta(days=days_ago))
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def cases() -> dict[str, Case]:
    publish(NET)
    old = finished_case(100)
    recent = finished_case(1)
    running = services.case_start(definition="kept", user=SYSTEM)
    canceled = services.case_start(definition="kept", user=SYSTEM)
    services.case_cancel(case_id=canceled.pk, user=SYSTEM, reason="test")
    Case.objects.filter(pk=canceled.pk).update(ended_at=timezone.now() - dt.timedelta(days=200))
    Case.objects.filter(pk=running.pk).update(created_at=timezone.now() - dt.timedelta(days=300))
    return {"old": old, "recent": recent, "running": running, "canceled": canceled}


def test_dry_run_counts_and_changes_nothing(cases: dict[str, Case], tmp_path: Path) -> None:
    before = (Case.objects.count(), WorkItem.objects.count(), Event.objects.count())
    result = services.cases_archive(older_than=dt.timedelta(days=90), directory=tmp_path, dry_run=True)
    assert sorted(result.case_ids) == sorted([cases["old"].pk, cases["canceled"].pk])
    assert result.work_items == 2
    assert result.events == Event.objects.filter(case_id__in=result.case_ids).count() > 0
    assert (Case.objects.count(), WorkItem.objects.count(), Event.objects.count()) == before
    assert list(tmp_path.iterdir()) == []


def test_archive_writes_json_lines_then_purges_only_the_old_ended_cases(
    cases: dict[str, Case], tmp_path: Path, api_client: Any, staff_user: Any
) -> None:
    old_events = Event.objects.filter(case_id=cases["old"].pk).count()
    result = services.cases_archive(older_than=dt.timedelta(days=90), directory=tmp_path)
    assert result.cases == 2 and result.work_items == 2
    lines = [json.loads(x) for x in Path(result.path or "").read_text().splitlines()]
    by_id = {doc["id"]: doc for doc in lines}
    assert set(by_id) == {cases["old"].pk, cases["canceled"].pk}
    old = by_id[cases["old"].pk]
    assert old["state"] == "completed" and old["definition_name"] == "kept"
    assert [w["task"] for w in old["work_items"]] == ["review"]
    assert old["work_items"][0]["output"] == {"ok": True}
    assert len(old["events"]) == old_events and old["events"][0]["type"] == "case.started"
    # purged with their work items and history; the others untouched
    assert set(Case.objects.values_list("pk", flat=True)) == {cases["recent"].pk, cases["running"].pk}
    assert not WorkItem.objects.filter(case_id__in=by_id).exists()
    assert not Event.objects.filter(case_id__in=by_id).exists()
    # the dashboard keeps working on what remains
    r = api_client(staff_user).get("/api/dashboard/overview/")
    assert r.status_code == 200, r.content
    r = api_client(staff_user).get("/api/dashboard/definitions/kept/")
    assert r.status_code == 200, r.content
    # nothing left to archive: a second run writes nothing
    again = services.cases_archive(older_than=dt.timedelta(days=90), directory=tmp_path)
    assert again.cases == 0 and again.path is None


def test_deadlocked_and_active_cases_are_never_archived(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        services.cases_archive(older_than=dt.timedelta(days=1), directory=tmp_path, states=["deadlocked"])
    with pytest.raises(ValueError):
        services.cases_archive(older_than=dt.timedelta(days=1), directory=tmp_path, states=["running"])


def test_command_dry_run_and_errors(cases: dict[str, Case], tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("archive_cases", "--older-than", "90d", "--dir", str(tmp_path), "--dry-run", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["cases"] == 2 and summary["dry_run"] is True and summary["path"] is None
    assert Case.objects.count() == 4
    out = io.StringIO()
    call_command("archive_cases", "--older-than", "150d", "--dir", str(tmp_path), stdout=out)
    assert json.loads(out.getvalue())["cases"] == 1  # only the canceled one is that old
    assert not Case.objects.filter(pk=cases["canceled"].pk).exists()
    with pytest.raises(CommandError, match="not an age"):
        call_command("archive_cases", "--older-than", "soon", "--dir", str(tmp_path))
    with pytest.raises(CommandError, match="only completed"):
        call_command("archive_cases", "--older-than", "1d", "--states", "deadlocked", "--dir", str(tmp_path))
