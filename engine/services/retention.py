"""Retention (issue 16, ADR 0079): cases that ended long ago are archived to JSON lines and
purged, with their work items and history (and their child cases).

`cases_archive(older_than=..., directory=..., dry_run=...)` takes the top-level cases in one of
`states` (default: completed, canceled, failed; a deadlocked case is an incident an operator
resolves, never purged) whose `ended_at` is older than `older_than`, in batches: each batch's
cases (child cases included) are written to the archive file, one JSON object per case with
its work items and events, the file is flushed to disk, then the batch is deleted in one
transaction. A crash between the two archives a batch twice and deletes it once: lines are
keyed by case id, so a reader keeps the last one. The dashboard computes everything from the
rows that remain, so its charts simply no longer count the purged cases.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.forms.models import model_to_dict
from django.utils import timezone

from engine.models import Case, Event, WorkItem

DEFAULT_STATES = ("completed", "canceled", "failed")
BATCH = 200


@dataclass
class RetentionResult:
    cases: int = 0
    work_items: int = 0
    events: int = 0
    path: str | None = None
    dry_run: bool = False
    case_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "work_items": self.work_items,
            "events": self.events,
            "path": self.path,
            "dry_run": self.dry_run,
        }


def retention_candidates(
    *, older_than: dt.timedelta, states: Iterable[str] = DEFAULT_STATES, now: dt.datetime | None = None
):
    """Top-level cases in `states` that ended before now - older_than (oldest first)."""
    states = list(states)
    if "deadlocked" in states or any(s in ("running", "suspended") for s in states):
        raise ValueError("only completed, canceled and failed cases are archived")
    cutoff = (now or timezone.now()) - older_than
    return (
        Case.objects.filter(parent__isnull=True, state__in=states, ended_at__lt=cutoff)
        .order_by("ended_at", "id")
        .values_list("pk", flat=True)
    )


def _family(root_ids: list[int]) -> list[int]:
    """The cases and all their descendants (child cases of composite tasks)."""
    ids, frontier = list(root_ids), list(root_ids)
    while frontier:
        frontier = list(Case.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids += frontier
    return ids


def _archive_lines(ids: list[int], out: TextIO) -> tuple[int, int]:
    items: dict[int, list[dict[str, Any]]] = {}
    events: dict[int, list[dict[str, Any]]] = {}
    n_items = n_events = 0
    for w in WorkItem.objects.filter(case_id__in=ids).order_by("created_at").values():
        items.setdefault(w["case_id"], []).append(w)
        n_items += 1
    for e in Event.objects.filter(case_id__in=ids).order_by("id").values():
        events.setdefault(e["case_id"], []).append(e)
        n_events += 1
    for case in Case.objects.filter(pk__in=ids).order_by("id"):
        doc = model_to_dict(case)
        doc.update(id=case.pk, created_at=case.created_at, updated_at=case.updated_at, version_id=case.version_id)
        doc.pop("version", None)
        doc["work_items"] = items.get(case.pk, [])
        doc["events"] = events.get(case.pk, [])
        out.write(json.dumps(doc, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True) + "\n")
    return n_items, n_events


def cases_archive(
    *,
    older_than: dt.timedelta,
    directory: str | os.PathLike[str],
    dry_run: bool = False,
    states: Iterable[str] = DEFAULT_STATES,
    limit: int | None = None,
    now: dt.datetime | None = None,
) -> RetentionResult:
    """Archive then purge; with `dry_run`, only count what would be (nothing written)."""
    roots = list(retention_candidates(older_than=older_than, states=states, now=now)[: limit or None])
    result = RetentionResult(dry_run=dry_run)
    if dry_run:
        ids = _family(roots)
        result.cases = len(ids)
        result.case_ids = ids
        result.work_items = WorkItem.objects.filter(case_id__in=ids).count()
        result.events = Event.objects.filter(case_id__in=ids).count()
        return result
    if not roots:
        return result
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    stamp = (now or timezone.now()).strftime("%Y%m%dT%H%M%S")
    path = folder / f"cases-{stamp}-{os.getpid()}.jsonl"
    result.path = str(path)
    with open(path, "a", encoding="utf-8") as out:
        for start in range(0, len(roots), BATCH):
            batch = roots[start : start + BATCH]
            with transaction.atomic():
                # lock the batch: a case that changed since (an operator action) is left alone
                locked = list(
                    Case.objects.select_for_update()
                    .filter(pk__in=batch, state__in=list(states))
                    .values_list("pk", flat=True)
                )
                ids = _family(locked)
                n_items, n_events = _archive_lines(ids, out)
                out.flush()
                os.fsync(out.fileno())
                # children first would not matter (ON DELETE CASCADE); work items' child-case
                # links are SET_NULL: delete the family in one statement
                Case.objects.filter(Q(pk__in=ids)).delete()
            result.cases += len(ids)
            result.work_items += n_items
            result.events += n_events
            result.case_ids += ids
    return result
