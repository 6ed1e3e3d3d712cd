"""Running one automatic work item: the activity, then the completion through the services.

The inline runner (hooks.dispatch_automatic) calls this right after commit; the Celery
worker of the next issue will call the same function.
"""

from __future__ import annotations

import traceback

from engine.core.errors import EngineError
from engine.models import WorkItem
from engine.registry import ActivityContext, ActivityResult, get_activity


def run_work_item(item_id: str) -> None:
    from engine import services

    row = WorkItem.objects.select_related("case__version").filter(pk=item_id).first()
    if row is None or row.state != "initialized" or row.case.state != "running":
        return  # already run (redelivery), canceled, or the case is paused
    spec = next((t for t in row.case.version.net.get("tasks", []) if t["id"] == row.task), {})
    act = get_activity(spec.get("activity", ""))
    try:
        if act is None:
            raise LookupError(f"no activity registered as {spec.get('activity')!r}")
        ctx = ActivityContext(case_id=row.case_id, task=row.task, work_item=str(row.pk), attempt=row.attempt,
                              data=row.case.data)
        result = act.func(dict(row.input or {}), ctx)
    except Exception as exc:  # the activity's own failure: recorded on the item
        try:
            services.work_item_fail(item_id=row.pk, error={
                "type": type(exc).__name__, "message": str(exc), "traceback": traceback.format_exc()})
        except EngineError:
            pass  # the item moved on meanwhile (canceled, case ended)
        return
    routes = None
    if isinstance(result, ActivityResult):
        output, routes = result.output, result.routes
    else:
        output = result if isinstance(result, dict) else {"result": result}
    try:
        services.work_item_complete(item_id=row.pk, output=output, routes=routes)
    except EngineError:
        pass  # canceled or withdrawn meanwhile: nothing to advance
