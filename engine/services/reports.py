"""What workers report about automatic items: one attempt at a time, or many in one transaction
(a worker's batch, ADR 0017).

A report that cannot be applied or written (a bug met by one case's engine, a value the
database refuses) is a **poison** report: it must not hold back the healthy reports batched
with it, and it must not be retried forever. The batch is written in a savepoint; when that
fails, every report goes the one-case way, each in its own savepoint, and a report that fails
there becomes a failed attempt of its item alone (its retry policy applies, then its task's
`on_failure`: an incident by default). ADR 0065."""

from __future__ import annotations

import functools
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, InterfaceError, OperationalError, transaction

from engine.access import SYSTEM
from engine.core.effects import AwaitSignal, CaseEnded, Dispatch, Effect, ScheduleTimer
from engine.core.engine import Engine
from engine.core.errors import EngineError, NotAllowed
from engine.core.state import ITEM_LIVE
from engine.models import Case, WorkItem
from engine.services.persistence import Loaded, _carry_out, _collect, _flush, _load_engine, _run_locked, _Writes
from engine.services.work_items import _attempt_failed_op, _complete_op

log = logging.getLogger(__name__)

# the database itself is unreachable (not a value it refuses): nothing to blame on one report;
# the caller sends the whole batch again later (worker.tasks.run_work_items)
UNAVAILABLE = (OperationalError, InterfaceError)


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
        applied: list[tuple[Loaded, list[int]]] = []
        for case in cases:
            mine = by_case[case.pk]
            try:
                loaded = _load_engine(case, SYSTEM, live[case.pk])
                engine = loaded.engine
                for n in mine:
                    _report_op(engine, reports[n])
                    outcomes[n] = reports[n].outcome(engine)
            except Exception:  # refused (EngineError) or poison: sorted out one by one below
                one_by_one.extend(mine)
                continue
            if any(_needs_one_case_path(case, effect) for effect in engine.effects):
                one_by_one.extend(mine)
                continue
            applied.append((loaded, mine))
        if applied:
            try:
                with transaction.atomic():  # a savepoint: a refused write undoes the batch only
                    batch: list[_Writes] = []
                    for loaded, _ in applied:
                        writes = _collect(loaded)
                        for effect in loaded.engine.effects:
                            _carry_out(loaded, effect)
                        loaded.engine.effects = []
                        if writes is not None:
                            batch.append(writes)
                    if batch:
                        _flush(batch)
            except UNAVAILABLE:
                raise
            except Exception:
                # one of them holds a value the database refuses (or met a bug while writing):
                # split the batch, each report alone in its savepoint
                log.warning("a batch of %d reports failed to write; splitting it", len(reports), exc_info=True)
                one_by_one.extend(n for _, mine in applied for n in mine)
        for n in sorted(one_by_one):
            outcomes[n] = _report_alone(reports[n])
    return outcomes


def _report_alone(report: AttemptReport) -> str:
    """Apply one report in its own savepoint (the one-case path). A refusal (a duplicate, an
    attempt no longer current) is "skipped"; any other failure makes the report a failed
    attempt of its item (`_poisoned`)."""
    try:
        with transaction.atomic():
            _, _, one = _run_locked(
                ("case", report.case_id),
                functools.partial(_report_op, report=report),
                user=SYSTEM,
                missing=f"no case {report.case_id}",
            )
        return report.outcome(one.engine)
    except EngineError:
        return "skipped"
    except UNAVAILABLE:
        raise
    except Exception as exc:
        if report.error is not None and report.error.get("type") == _POISON_MARK:
            log.exception("work item %s: its failed attempt could not be recorded either", report.item_id)
            return "skipped"
        log.warning("work item %s attempt %s: report failed", report.item_id, report.attempt, exc_info=True)
        return _report_alone(_poisoned(report, exc))


# the type of an error recorded because the report itself could not be applied or written
_POISON_MARK = "ReportFailed"


def _poisoned(report: AttemptReport, exc: BaseException) -> AttemptReport:
    """The report of `report`'s attempt failing with `exc`: what the engine or the database
    refused. Its text is made storable (no NUL, no lone surrogate) so that this report, at
    least, can be written."""
    kind = "database" if isinstance(exc, DatabaseError) else "engine"
    message = f"the {kind} refused the outcome of this attempt: {type(exc).__name__}: {exc}"
    return AttemptReport(
        item_id=report.item_id,
        case_id=report.case_id,
        attempt=report.attempt,
        error={
            "type": _POISON_MARK,
            "cause": type(exc).__name__,
            "message": _storable(message[:2000]),
            "traceback": _storable("".join(traceback.format_exception(exc))[-4000:]),
        },
    )


def _storable(text: str) -> str:
    return text.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode("utf-8")


def _needs_one_case_path(case: Case, effect: Effect) -> bool:
    if isinstance(effect, CaseEnded):
        return bool(case.parent_id)  # the parent is told (a nested change of another case)
    return not isinstance(effect, _BATCHABLE_EFFECTS)


def _report_op(engine: Engine, report: AttemptReport) -> None:
    if report.item_id not in engine.state.work_items:
        raise NotAllowed("the work item is no longer active")
    report.op()(engine, report.item_id)
