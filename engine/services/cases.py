"""Changes to a case as a whole: start, cancel, suspend, resume, edit its data, signal it.

Each takes the acting `user` (required): a user, or `engine.access.SYSTEM` (ADR 0061)."""

from __future__ import annotations

from typing import Any

from definitions.selectors import version_get
from engine import access
from engine.access import Actor
from engine.core.errors import InvalidInput
from engine.models import Case, WorkItem
from engine.services.persistence import _execute, start_case


def case_start(
    *,
    definition: str,
    version: int | None = None,
    data: dict[str, Any] | None = None,
    user: Actor,
    parent_item: WorkItem | None = None,
    business_key: str | None = None,
) -> Case:
    """Start a case of `definition` (its latest published version, or `version`). An optional
    `business_key` names it for the caller: unique among the cases of the definition, a second
    start with the same key is refused (409) and starts nothing (ADR 0082)."""
    if data is not None and not isinstance(data, dict):
        raise InvalidInput("case data must be a JSON object")
    key = clean_business_key(business_key)
    ver = version_get(definition=definition, version=version)  # read once: checked, then run
    if parent_item is None:  # a child case is started by its parent's work item
        access.check_can_start(user, ver)
    else:
        access.require_actor(user)
    return start_case(ver=ver, data=data, user=user, parent_item=parent_item, business_key=key)


BUSINESS_KEY_MAX = 255


def clean_business_key(value: Any) -> str | None:
    """A business key as stored: None or "" is none; otherwise a string of at most 255
    characters, neither blank nor holding control characters, its surrounding spaces trimmed
    (400 otherwise)."""
    if value is None or value == "":
        return None

    def bad(message: str) -> InvalidInput:
        return InvalidInput(f"business_key: {message}", errors=[{"field": "business_key", "message": message}])

    if not isinstance(value, str):
        raise bad("must be a string")
    key = value.strip()
    if not key:
        raise bad("is blank")
    if len(key) > BUSINESS_KEY_MAX:
        raise bad(f"at most {BUSINESS_KEY_MAX} characters (got {len(key)})")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in key):
        raise bad("holds control characters")
    return key


def case_cancel(*, case_id: int, user: Actor, reason: str = "") -> Case:
    return _execute(case_id, lambda e: e.cancel_case(reason or ""), user=user, staff_only=True)[0]


def case_suspend(*, case_id: int, user: Actor) -> Case:
    return _execute(case_id, lambda e: e.suspend(), user=user, staff_only=True)[0]


def case_resume(*, case_id: int, user: Actor) -> Case:
    return _execute(case_id, lambda e: e.resume(), user=user, staff_only=True)[0]


def case_update_data(*, case_id: int, changes: dict[str, Any], user: Actor) -> Case:
    if not isinstance(changes, dict):
        raise InvalidInput("data must be a JSON object")
    return _execute(case_id, lambda e: e.update_data(changes), user=user, staff_only=True)[0]


def case_signal(*, case_id: int, name: str, payload: dict[str, Any] | None = None, user: Actor) -> Case:
    """Send the signal `name` (declared by the case's net) to the case: validated against the
    signal's `schema` (400), written into the case data by its `output` mapping, completing
    every signal task waiting for it; kept until one waits when none does (unless the signal
    is declared `"persistent": false`: then dropped). Undeclared name: 404; a case that is not
    running: 409. Staff and the user who started the case may signal it (else 403).
    engine-semantics section 13."""
    if payload is not None and not isinstance(payload, dict):
        raise InvalidInput("payload must be a JSON object", errors=[{"field": "payload", "message": "not an object"}])
    access.check_can_signal(user, case_id)
    return _execute(case_id, lambda e: e.signal(name, payload or {}), user=user)[0]
