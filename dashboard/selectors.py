"""Reads for the operations dashboard (staff only; the views check that through dashboard.access).

Everything here is computed in the database where it can be (counts, groupings, JSON
filters, the heatmap's token counts); what Python computes is bounded (duration percentiles
over at most `DURATION_SAMPLE` items on SQLite, the history of one case). See ADR 0041.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncHour
from django.utils import timezone

from dashboard import where
from definitions.models import Definition, DefinitionVersion
from engine import selectors as engine_selectors
from engine.core import replay, rules
from engine.core.errors import InvalidInput, NotFound
from engine.core.state import CASE_ACTIVE, ITEM_OPEN, TASK_ACTIVE
from engine.models import Case, Event, WorkItem

ACTIVE = tuple(sorted(CASE_ACTIVE, reverse=True))  # ("running", "suspended")
OPEN_ITEM_STATES = tuple(sorted(ITEM_OPEN))  # ("initialized", "started")
DURATION_SAMPLE = 20_000  # completed items read for the duration statistics
HISTORY_LIMIT = 5_000
WORK_ITEM_FIELDS = (
    "id",
    "task",
    "generation",
    "kind",
    "state",
    "input",
    "output",
    "assignee",
    "role",
    "offered_user",
    "completed_by",
    "attempt",
    "iteration",
    "error",
    "priority",
    "due_at",
    "created_at",
    "updated_at",
)
EVENT_FIELDS = (
    "id",
    "type",
    "task",
    "work_item",
    "payload",
    "actor",
    "created_at",
)  # events in a case page; older ones through the events endpoint
INCIDENT_LIST_LIMIT = 50
HISTOGRAM_BOUNDS = (1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600, 7 * 24 * 3600)
SORTS = {
    "id": ("id",),
    "-id": ("-id",),
    "created_at": ("id",),
    "-created_at": ("-id",),  # ids grow with creation time (indexed)
    "updated_at": ("updated_at", "id"),
    "-updated_at": ("-updated_at", "-id"),
    # cases still running have no end: last either way, on both databases
    "ended_at": (F("ended_at").asc(nulls_last=True), "id"),
    "-ended_at": (F("ended_at").desc(nulls_last=True), "-id"),
    "state": ("state", "-id"),
    "-state": ("-state", "-id"),
    "definition": ("definition_name", "-id"),
    "-definition": ("-definition_name", "-id"),
}


# ---------------------------------------------------------------------- case list


def case_list(
    *,
    definition: str | None = None,
    version: int | None = None,
    states: list[str] | None = None,
    created_after: dt.datetime | None = None,
    created_before: dt.datetime | None = None,
    ended_after: dt.datetime | None = None,
    ended_before: dt.datetime | None = None,
    where_text: str | None = None,
    incident: bool | None = None,
    parent: int | None = None,
    find: str | None = None,
    sort: str = "-id",
) -> QuerySet[Case]:
    """Every case matching the filters, without the heavy JSON columns (marking, tasks).
    `find`: the case with that id or the cases with that business key (of any definition)."""
    qs = Case.objects.all()
    if find:
        qs = qs.filter(find_q(find))
    if definition and version is None:
        qs = qs.filter(definition_name=definition)
    if version is not None:
        if not definition:
            raise InvalidInput("version needs definition", errors=[{"field": "version", "message": "needs definition"}])
        # the version's id first: the filter is then on case(version_id, id), no join
        version_id = (
            DefinitionVersion.objects.filter(definition__name=definition, version=version)
            .values_list("pk", flat=True)
            .first()
        )
        qs = qs.filter(version_id=version_id) if version_id is not None else qs.none()
    if states:
        qs = qs.filter(state__in=states)
    if created_after:
        qs = qs.filter(created_at__gte=created_after)
    if created_before:
        qs = qs.filter(created_at__lt=created_before)
    if ended_after:
        qs = qs.filter(ended_at__gte=ended_after)
    if ended_before:
        qs = qs.filter(ended_at__lt=ended_before)
    if where_text:
        qs = qs.filter(where.to_q(where.parse(where_text)))
    if incident is True:
        qs = qs.filter(engine_selectors.incident_q())
    elif incident is False:
        qs = qs.exclude(engine_selectors.incident_q())
    if parent is not None:
        qs = qs.filter(parent_id=parent)
    return qs.order_by(*SORTS[sort])


MAX_CASE_ID = 2**63 - 1


def find_q(text: str) -> Q:
    """A case id ("42", "#42") or a business key, exactly: both indexed reads. A key that looks
    like an id matches either way (the list shows both)."""
    key = text.strip()
    match = Q(business_key=key)
    digits = key.removeprefix("#")
    if digits.isascii() and digits.isdigit() and int(digits) <= MAX_CASE_ID:
        match |= Q(pk=int(digits))
    return match


def case_list_rows(qs: QuerySet[Case]) -> QuerySet[Case]:
    """What a row of the list shows (applied to a page's queryset only)."""
    return qs.only(
        "id",
        "definition_name",
        "version_id",
        "state",
        "parent_id",
        "reason",
        "created_at",
        "updated_at",
        "ended_at",
        "data",
        "business_key",
    ).annotate(
        version_number=F("version__version"),
        has_failed_item=engine_selectors.failed_item_exists(),
        started_by_name=F("started_by__username"),
        open_items=Coalesce(
            Subquery(
                WorkItem.objects.filter(case_id=OuterRef("pk"), state__in=OPEN_ITEM_STATES)
                .order_by()
                .values("case_id")
                .annotate(n=Count("id"))
                .values("n")
            ),
            0,
        ),
    )


# ---------------------------------------------------------------------- overview


def overview(*, hours: int = 24, now: dt.datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    since = now - dt.timedelta(hours=hours)
    return {
        "generated_at": now,
        "cases": _case_counts(),
        "incidents": _incidents(),
        "open_work_items": _open_work_items(),
        "throughput": _throughput(since=since, now=now, hours=hours),
        "durations": _durations(since=since),
    }


def _case_counts() -> dict[str, Any]:
    rows = Case.objects.order_by().values_list("definition_name", "state").annotate(n=Count("id"))
    by_state = dict.fromkeys(Case.State.values, 0)
    by_definition: dict[str, dict[str, int]] = {}
    for name, state, n in rows:
        by_state[state] = by_state.get(state, 0) + n
        by_definition.setdefault(name, dict.fromkeys(Case.State.values, 0))[state] = n
    return {
        "total": sum(by_state.values()),
        "by_state": by_state,
        "by_definition": [
            {"definition": name, "total": sum(counts.values()), "by_state": counts}
            for name, counts in sorted(by_definition.items())
        ],
    }


def _incidents() -> dict[str, Any]:
    failed = WorkItem.objects.filter(state="failed", case__state__in=ACTIVE)
    latest_items = failed.order_by("-updated_at").values(
        "id", "case_id", "case__definition_name", "task", "kind", "attempt", "error", "updated_at"
    )[:INCIDENT_LIST_LIMIT]
    deadlocked = Case.objects.filter(state="deadlocked")
    latest_cases = deadlocked.order_by("-ended_at", "-id").values("id", "definition_name", "reason", "ended_at")[
        :INCIDENT_LIST_LIMIT
    ]
    return {
        "failed_work_items": failed.count(),
        "failed_automatic_work_items": failed.filter(kind="automatic").count(),
        "deadlocked_cases": deadlocked.count(),
        "latest_failed_work_items": [
            {
                "work_item": str(r["id"]),
                "case": r["case_id"],
                "definition": r["case__definition_name"],
                "task": r["task"],
                "kind": r["kind"],
                "attempt": r["attempt"],
                "error_type": (r["error"] or {}).get("type"),
                "error_message": (r["error"] or {}).get("message"),
                "since": r["updated_at"],
            }
            for r in latest_items
        ],
        "latest_deadlocked_cases": [
            {"case": r["id"], "definition": r["definition_name"], "reason": r["reason"], "since": r["ended_at"]}
            for r in latest_cases
        ],
    }


def _open_work_items() -> list[dict[str, Any]]:
    rows = (
        WorkItem.objects.filter(state__in=OPEN_ITEM_STATES)
        .order_by()
        .values_list("case__definition_name", "task", "role", "state")
        .annotate(n=Count("id"))
    )
    grouped: dict[tuple[str, str, str | None], dict[str, int]] = {}
    for name, task, role, state, n in rows:
        grouped.setdefault((name, task, role), dict.fromkeys(OPEN_ITEM_STATES, 0))[state] = n
    return [
        {"definition": name, "task": task, "role": role, **counts, "total": sum(counts.values())}
        for (name, task, role), counts in sorted(grouped.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2] or ""))
    ]


def _throughput(*, since: dt.datetime, now: dt.datetime, hours: int) -> dict[str, Any]:
    started = (
        Case.objects.filter(created_at__gte=since)
        .order_by()
        .annotate(hour=TruncHour("created_at"))
        .values_list("hour")
        .annotate(n=Count("id"))
    )
    completed = (
        Case.objects.filter(ended_at__gte=since, state="completed")
        .order_by()
        .annotate(hour=TruncHour("ended_at"))
        .values_list("hour")
        .annotate(n=Count("id"))
    )
    start_hour = since.replace(minute=0, second=0, microsecond=0)
    buckets = {}
    hour = start_hour
    while hour <= now:
        buckets[hour] = {"hour": hour, "started": 0, "completed": 0}
        hour += dt.timedelta(hours=1)
    for key, rows in (("started", started), ("completed", completed)):
        for h, n in rows:
            h = h if timezone.is_aware(h) else timezone.make_aware(h, dt.UTC)
            buckets.setdefault(h, {"hour": h, "started": 0, "completed": 0})[key] = n
    return {"hours": hours, "buckets": [buckets[h] for h in sorted(buckets)]}


def percentile(sorted_values: list[float], p: float) -> float | None:
    """Linear interpolation between closest ranks (as PostgreSQL's percentile_cont)."""
    if not sorted_values:
        return None
    k = (len(sorted_values) - 1) * p
    lo, hi = math.floor(k), math.ceil(k)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def duration_summary(values: list[float]) -> dict[str, Any]:
    values = sorted(values)
    return {
        "count": len(values),
        "avg_seconds": (sum(values) / len(values)) if values else None,
        "p50_seconds": percentile(values, 0.5),
        "p95_seconds": percentile(values, 0.95),
        "max_seconds": values[-1] if values else None,
    }


def _durations(*, since: dt.datetime) -> dict[str, Any]:
    rows = list(
        WorkItem.objects.filter(state="completed", updated_at__gte=since)
        .order_by("-updated_at")
        .values_list("case__definition_name", "task", "created_at", "updated_at")[:DURATION_SAMPLE]
    )
    all_values: list[float] = []
    by_task: dict[tuple[str, str], list[float]] = {}
    for name, task, created, updated in rows:
        seconds = max((updated - created).total_seconds(), 0.0)
        all_values.append(seconds)
        by_task.setdefault((name, task), []).append(seconds)
    histogram: list[dict[str, Any]] = []
    for bound in (*HISTOGRAM_BOUNDS, None):
        histogram.append({"le_seconds": bound, "count": 0})
    for v in all_values:
        for bucket in histogram:
            if bucket["le_seconds"] is None or v <= bucket["le_seconds"]:
                bucket["count"] += 1
                break
    return {
        "since": since,
        "sampled": len(rows) == DURATION_SAMPLE,
        **duration_summary(all_values),
        "histogram": histogram,
        "by_task": [
            {"definition": name, "task": task, **duration_summary(vals)}
            for (name, task), vals in sorted(by_task.items())
        ],
    }


# ---------------------------------------------------------------------- case page


def case_get(*, case_id: int) -> Case:
    case = (
        Case.objects.select_related("version__definition", "parent", "parent_item", "started_by")
        .annotate(has_failed_item=engine_selectors.failed_item_exists())
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


def case_page(*, case: Case) -> dict[str, Any]:
    """Everything the case page shows, in a fixed number of queries."""
    items = list(case.work_items.order_by("created_at", "id").values(*WORK_ITEM_FIELDS))
    children = list(
        case.children.order_by("id").values("id", "definition_name", "state", "parent_item_id", "parent_item__task")
    )
    events = list(Event.objects.filter(case_id=case.pk).order_by("-id").values(*EVENT_FIELDS)[: HISTORY_LIMIT + 1])
    truncated = len(events) > HISTORY_LIMIT
    events = events[:HISTORY_LIMIT]
    events.reverse()
    parent = None
    if case.parent_id:
        parent = {
            "id": case.parent_id,
            "definition": case.parent.definition_name,
            "state": case.parent.state,
            "work_item": case.parent_item_id,
            "task": case.parent_item.task if case.parent_item else None,
        }
    return {
        "case": case,
        "net": case.version.net,
        "work_items": items,
        "parent": parent,
        "children": [
            {
                "id": c["id"],
                "definition": c["definition_name"],
                "state": c["state"],
                "work_item": c["parent_item_id"],
                "task": c["parent_item__task"],
            }
            for c in children
        ],
        "history": events,
        "history_truncated": truncated,
        "actions": allowed_actions(case=case, items=items),
    }


def allowed_actions(*, case: Case, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Which actions the page offers now (to enable its buttons). A hint only: the engine
    checks the same rules again when an action is sent (engine/core/engine.py)."""
    net = case.version.net or {}
    on_case = rules.case_actions(case.state)
    tasks = case.tasks or {}
    retry, skip = [], []
    for item in items:
        run = tasks.get(item["task"]) or {}
        can = rules.item_actions(
            case.state,
            state=item["state"],
            kind=item["kind"],
            current=item["generation"] == run.get("generation"),
            task_state=run.get("state") or "disabled",
            assigned=bool(item.get("assignee")),
        )
        if "retry" in can:
            retry.append(str(item["id"]))
        if "skip" in can:
            skip.append(str(item["id"]))
    add = []
    completable = []
    for spec in net.get("tasks", []):
        run = tasks.get(spec.get("id")) or {}
        if rules.task_can_complete(
            case.state, multi_instance=bool(spec.get("instances")), task_state=run.get("state") or "disabled"
        ):
            completable.append(_completion_counts(spec, run, items))
        inst = spec.get("instances") or {}
        total = (run.get("stats") or {}).get("total", 0)
        if (
            "add_work_item" in on_case
            and inst.get("creation") == "dynamic"
            and run.get("state") in TASK_ACTIVE
            and (inst.get("max") is None or total < inst["max"])
        ):
            add.append(spec["id"])
    return {
        "cancel": "cancel" in on_case,
        "suspend": "suspend" in on_case,
        "resume": "resume" in on_case,
        "edit_data": "edit_data" in on_case,
        "signals": [sig["name"] for sig in net.get("signals", []) or [] if "signal" in on_case],
        "retry": retry,
        "skip": skip,
        "add_work_item": add,
        "complete_task": completable,
    }


def _completion_counts(spec: dict[str, Any], run: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    """What force-completing the task would do: how many of its current instances completed
    (its output mapping runs over them) and how many would be withdrawn (the open ones, and
    failed ones still waiting for an operator)."""
    completed = withdraw = 0
    for item in items:
        if item["task"] != spec["id"] or item["generation"] != run.get("generation"):
            continue
        if item["state"] == "completed":
            completed += 1
        elif item["state"] in ITEM_OPEN or rules.is_open_incident(
            state=item["state"],
            on_failure=spec.get("on_failure") or "incident",
            current=True,
            task_state=run.get("state") or "disabled",
        ):
            withdraw += 1
    return {"task": spec["id"], "completed": completed, "withdraw": withdraw}


def parse_at(at: str) -> int | dt.datetime:
    """`at` is an event id (digits) or an ISO 8601 timestamp."""
    text = at.strip()
    if text.isdigit():
        return int(text)
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            "at: an event id or an ISO 8601 timestamp", errors=[{"field": "at", "message": "not an event id or a time"}]
        ) from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, dt.UTC)


def case_state_at(*, case: Case, at: int | dt.datetime) -> dict[str, Any]:
    """The case as it was right after event `at` (an id) or at the moment `at` (a time)."""
    events = Event.objects.filter(case_id=case.pk).order_by("id")
    events = events.filter(id__lte=at) if isinstance(at, int) else events.filter(created_at__lte=at)
    rows = list(events.values("id", "type", "task", "work_item", "payload", "created_at"))
    task_ids = [t["id"] for t in case.version.net.get("tasks", []) if isinstance(t, dict)]
    past = replay.replay(task_ids, rows)
    last = rows[-1] if rows else None
    return {
        "at": at,
        "event": last["id"] if last else None,
        "time": last["created_at"] if last else None,
        "events": len(rows),
        **past.to_json(),
        "state": past.state if last else None,
    }


# ---------------------------------------------------------------------- definitions


def definition_list() -> list[dict[str, Any]]:
    counts: dict[str, dict[str, int]] = {}
    for name, state, n in Case.objects.order_by().values_list("definition_name", "state").annotate(n=Count("id")):
        counts.setdefault(name, {})[state] = n
    out = []
    definitions = Definition.objects.annotate(versions_count=Count("versions"), latest=Max("versions__version"))
    for d in definitions.order_by("name"):
        by_state = counts.get(d.name, {})
        out.append(
            {
                "name": d.name,
                "title": d.title,
                "versions": d.versions_count,
                "latest_version": d.latest,
                "cases": {"total": sum(by_state.values()), "by_state": by_state},
            }
        )
    return out


def definition_page(*, name: str, version: int | None = None) -> dict[str, Any]:
    definition = Definition.objects.filter(name=name).first()
    if definition is None:
        raise NotFound(f"no definition named {name!r}")
    versions = list(definition.versions.order_by("version"))
    counts: dict[int, dict[str, int]] = {}
    for vid, state, n in (
        Case.objects.filter(version__definition=definition)
        .order_by()
        .values_list("version_id", "state")
        .annotate(n=Count("id"))
    ):
        counts.setdefault(vid, {})[state] = n
    chosen = None
    if versions:
        chosen = versions[-1] if version is None else next((v for v in versions if v.version == version), None)
        if chosen is None:
            raise NotFound(f"definition {name!r} has no version {version}")
    elif version is not None:
        raise NotFound(f"definition {name!r} has no published version")
    return {
        "name": definition.name,
        "title": definition.title,
        "versions": [
            {
                "version": v.version,
                "published_at": v.published_at,
                "cases": {"total": sum(counts.get(v.pk, {}).values()), "by_state": counts.get(v.pk, {})},
            }
            for v in versions
        ],
        "version": chosen.version if chosen else None,
        "net": chosen.net if chosen else None,
        "heatmap": heatmap(version=chosen) if chosen else None,
    }


def heatmap(*, version: DefinitionVersion) -> dict[str, Any]:
    """Per task: duration of its completed work items (avg, p95) and where the active cases are
    now (tasks enabled/started, open and failed items); per condition: tokens and cases."""
    task_ids = [t["id"] for t in version.net.get("tasks", []) if isinstance(t, dict)]
    cond_ids = [c["id"] for c in version.net.get("conditions", []) if isinstance(c, dict)]
    tasks: dict[str, dict[str, Any]] = {
        tid: {
            "enabled": 0,
            "started": 0,
            "open_items": 0,
            "failed_items": 0,
            "count": 0,
            "avg_seconds": None,
            "p95_seconds": None,
        }
        for tid in task_ids
    }
    conditions: dict[str, dict[str, int]] = {cid: {"tokens": 0, "cases": 0} for cid in cond_ids}
    for cid, tokens, cases in _marking_totals(version.pk):
        conditions.setdefault(cid, {"tokens": 0, "cases": 0}).update(tokens=int(tokens), cases=int(cases))
    for tid, state, n in _task_state_totals(version.pk):
        if tid in tasks:
            tasks[tid][state] = int(n)
    for tid, state, n in (
        WorkItem.objects.filter(
            case__version=version, case__state__in=ACTIVE, state__in=("initialized", "started", "failed")
        )
        .order_by()
        .values_list("task", "state")
        .annotate(n=Count("id"))
    ):
        if tid in tasks:
            key = "failed_items" if state == "failed" else "open_items"
            tasks[tid][key] += n
    for tid, stats in _task_durations(version.pk).items():
        if tid in tasks:
            tasks[tid].update(stats)
    return {"tasks": tasks, "conditions": conditions}


def _fetch(sql: str, params: Iterable[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return list(cursor.fetchall())


def _marking_totals(version_id: int) -> list[tuple[Any, ...]]:
    table = Case._meta.db_table
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT m.key, SUM((m.value)::int), COUNT(*) FROM {table} c "
            f"CROSS JOIN LATERAL jsonb_each_text(c.marking) m "
            f"WHERE c.version_id = %s AND c.state IN ('running', 'suspended') GROUP BY m.key"
        )
    else:
        sql = (
            f"SELECT m.key, SUM(m.value), COUNT(*) FROM {table} c, json_each(c.marking) m "
            f"WHERE c.version_id = %s AND c.state IN ('running', 'suspended') GROUP BY m.key"
        )
    return _fetch(sql, [version_id])


def _task_state_totals(version_id: int) -> list[tuple[Any, ...]]:
    table = Case._meta.db_table
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT t.key, t.value->>'state', COUNT(*) FROM {table} c "
            f"CROSS JOIN LATERAL jsonb_each(c.tasks) t "
            f"WHERE c.version_id = %s AND c.state IN ('running', 'suspended') "
            f"AND t.value->>'state' IN ('enabled', 'started') GROUP BY 1, 2"
        )
    else:
        sql = (
            f"SELECT t.key, json_extract(t.value, '$.state'), COUNT(*) FROM {table} c, json_each(c.tasks) t "
            f"WHERE c.version_id = %s AND c.state IN ('running', 'suspended') "
            f"AND json_extract(t.value, '$.state') IN ('enabled', 'started') GROUP BY 1, 2"
        )
    return _fetch(sql, [version_id])


def _task_durations(version_id: int) -> dict[str, dict[str, Any]]:
    items = WorkItem._meta.db_table
    cases = Case._meta.db_table
    if connection.vendor == "postgresql":
        rows = _fetch(
            f"SELECT w.task, COUNT(*), AVG(EXTRACT(EPOCH FROM (w.updated_at - w.created_at))), "
            f"PERCENTILE_CONT(0.95) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (w.updated_at - w.created_at))) "
            f"FROM {items} w JOIN {cases} c ON c.id = w.case_id "
            f"WHERE c.version_id = %s AND w.state = 'completed' GROUP BY w.task",
            [version_id],
        )
        return {t: {"count": n, "avg_seconds": float(avg), "p95_seconds": float(p95)} for t, n, avg, p95 in rows}
    values: dict[str, list[float]] = {}
    for task, created, updated in (
        WorkItem.objects.filter(case__version_id=version_id, state="completed")
        .order_by("-updated_at")
        .values_list("task", "created_at", "updated_at")[:DURATION_SAMPLE]
    ):
        values.setdefault(task, []).append(max((updated - created).total_seconds(), 0.0))
    out = {}
    for task, vals in values.items():
        s = duration_summary(vals)
        out[task] = {"count": s["count"], "avg_seconds": s["avg_seconds"], "p95_seconds": s["p95_seconds"]}
    return out
