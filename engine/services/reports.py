"""What workers report about automatic items: one attempt at a time, or many in one transaction
(a worker's batch, ADR 0017)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from engine.access import SYSTEM
from engine.core.effects import AwaitSignal, CaseEnded, Dispatch, Effect, ScheduleTimer
from engine.core.engine import Engine
from engine.core.errors import EngineError, NotAllowed
from engine.core.state import ITEM_LIVE
from engine.models import Case, WorkItem
from engine.services.persistence import _carry_out, _collect, _flush, _load_engine, _run_locked, _Writes
from engine.services.work_items import _attempt_failed_op, _complete_op


@dataclass(frozen=True)
class AttemptReport:
    """What a worker reports for one attempt of an automatic item: how it completed (the
    keyword arguments of `work_item_complete`: output, routes, directives) or its error."""

    item_id: str
    case_id: int
    attempt: int
    completion: dict[str, Any] | None = None
    error: dict[str, Any] | None = None

    def op(self) -> Callable[[Engine, str], None]:
        if self.error is not None:
            return _attempt_failed_op(self.attempt, self.error)
        c = self.completion or {}
        return _complete_op(SYSTEM, c.get("output"), c.get("routes"), c.get("directives"), self.attempt)

    def outcome(self, engine: Engine) -> str:
        if self.error is None:
            return "completed"
        item = engine.state.work_items.get(self.item_id)
        return "retry" if item is not None and item.state == "initialized" else "failed"


# effects a batch carries out itself (on-commit sends, or nothing to do); any other (child
# cases started or canceled, a parent told) sends the case's reports down the one-case path
_BATCHABLE_EFFECTS: tuple[type[Effect], ...] = (Dispatch, ScheduleTimer, AwaitSignal)


def work_item_attempts_report(reports: list[AttemptReport]) -> list[str]:
    """Apply many worker reports in one transaction (the worker's batches): the cases locked in
    id order by one query, their live items loaded by one, each case's engine applied in
    memory, the rows of all of them written with one statement per table, one commit, one push.
    A case whose reports are refused (a duplicate, an attempt no longer current, the case not
    running) or whose engine has effects beyond dispatching (child workflows, telling a parent)
    is left out of the batch and its reports go one by one through the one-case path, each in a
    savepoint. Returns, per report: "completed", "retry", "failed" or "skipped" (refused)."""
    outcomes = ["skipped"] * len(reports)
    by_case: dict[int, list[int]] = {}
    for n, report in enumerate(reports):
        by_case.setdefault(int(report.case_id), []).append(n)
    one_by_one: list[int] = []
    with transaction.atomic():
        cases = list(
            Case.objects.select_for_update(of=("self",))
            .select_related("version")
            .defer("version__net")
            .filter(pk__in=list(by_case))
            .order_by("pk")
        )
        live: dict[int, list[WorkItem]] = {c.pk: [] for c in cases}
        for row in WorkItem.objects.filter(case_id__in=list(live), state__in=ITEM_LIVE):
            live[row.case_id].append(row)
        batch: list[_Writes] = []
        for case in cases:
            mine = by_case[case.pk]
            loaded = _load_engine(case, SYSTEM, live[case.pk])
            engine = loaded.engine
            try:
                for n in mine:
                    _report_op(engine, reports[n])
                    outcomes[n] = reports[n].outcome(engine)
            except EngineError:
                one_by_one.extend(mine)
                continue
            if any(_needs_one_case_path(case, effect) for effect in engine.effects):
                one_by_one.extend(mine)
                continue
            writes = _collect(loaded)
            for effect in engine.effects:
                _carry_out(loaded, effect)
            engine.effects = []
            if writes is not None:
                batch.append(writes)
        if batch:
            _flush(batch)
        for n in sorted(one_by_one):
            report = reports[n]
            try:
                with transaction.atomic():
                    _, _, one = _run_locked(
                        Case.objects.select_for_update().filter(pk=report.case_id),
                        functools.partial(_report_op, report=report),
                        user=SYSTEM,
                        missing=f"no case {report.case_id}",
                    )
                outcomes[n] = report.outcome(one.engine)
            except EngineError:
                outcomes[n] = "skipped"
    return outcomes


def _needs_one_case_path(case: Case, effect: Effect) -> bool:
    if isinstance(effect, CaseEnded):
        return bool(case.parent_id)  # the parent is told (a nested change of another case)
    return not isinstance(effect, _BATCHABLE_EFFECTS)


def _report_op(engine: Engine, report: AttemptReport) -> None:
    if report.item_id not in engine.state.work_items:
        raise NotAllowed("the work item is no longer active")
    report.op()(engine, report.item_id)
