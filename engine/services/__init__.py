"""The only code that changes a case, split by concern:

- `cases`: start, cancel, suspend, resume, edit data, signal;
- `work_items`: claim, release, delegate, start, complete, fail, retry, skip, follow-up, add;
- `reports`: what workers report about automatic items (one, or a batch in one transaction);
- `sweeps`: the worker's periodic sweep (due timers, lost messages);
- `batches`: batch jobs over many cases;
- `retention`: archiving and purging cases that ended long ago;
- `persistence`: the machinery they share (one transaction under the case's row lock, the
  pure engine applied to the loaded state, its effects carried out, rows and events written,
  what leaves the process sent on commit).

Callers import the public names from here: `from engine import services`.
"""

from engine.services.batches import batch_job_create, batch_run, batch_start
from engine.services.cases import (
    BUSINESS_KEY_MAX,
    case_cancel,
    case_resume,
    case_signal,
    case_start,
    case_suspend,
    case_update_data,
)
from engine.services.reports import AttemptReport, work_item_attempts_report
from engine.services.retention import RetentionResult, cases_archive
from engine.services.sweeps import timers_fire_due, work_items_redispatch_stale, work_items_resume_chains
from engine.services.work_items import (
    task_complete,
    work_item_add,
    work_item_attempt_failed,
    work_item_claim,
    work_item_complete,
    work_item_delegate,
    work_item_fail,
    work_item_release,
    work_item_retry,
    work_item_set_follow_up,
    work_item_skip,
    work_item_start,
)

__all__ = [
    "BUSINESS_KEY_MAX",
    "AttemptReport",
    "RetentionResult",
    "batch_job_create",
    "batch_run",
    "batch_start",
    "case_cancel",
    "cases_archive",
    "case_resume",
    "case_signal",
    "case_start",
    "case_suspend",
    "case_update_data",
    "timers_fire_due",
    "task_complete",
    "work_item_add",
    "work_item_attempt_failed",
    "work_item_attempts_report",
    "work_item_claim",
    "work_item_complete",
    "work_item_delegate",
    "work_item_fail",
    "work_item_release",
    "work_item_retry",
    "work_item_set_follow_up",
    "work_item_skip",
    "work_item_start",
    "work_items_redispatch_stale",
    "work_items_resume_chains",
]
