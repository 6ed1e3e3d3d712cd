"""The periodic retention task (ops/tasks.py) follows WORKFLOW_RETENTION_DAYS."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from engine import services
from engine.access import SYSTEM
from engine.models import Case, WorkItem
from ops.tasks import retention
from tests.helpers import net, publish

pytestmark = pytest.mark.django_db


def test_periodic_task_follows_the_setting(tmp_path: Path, settings: Any) -> None:
    publish(net("aging", [{"id": "t", "kind": "manual"}], [("start", "t"), ("t", "end")]))
    for days in (100, 1):
        case = services.case_start(definition="aging", user=SYSTEM)
        services.work_item_complete(item_id=WorkItem.objects.get(case=case).pk, user=SYSTEM, output={})
        Case.objects.filter(pk=case.pk).update(ended_at=timezone.now() - dt.timedelta(days=days))
    settings.WORKFLOW_ARCHIVE_DIR = tmp_path
    settings.WORKFLOW_RETENTION_DAYS = 0
    assert retention() == {"cases": 0}
    assert Case.objects.count() == 2
    settings.WORKFLOW_RETENTION_DAYS = 90
    assert retention()["cases"] == 1
    assert Case.objects.count() == 1
    assert len(list(tmp_path.glob("cases-*.jsonl"))) == 1
