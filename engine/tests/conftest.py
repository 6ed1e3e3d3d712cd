"""A bridge for the workflow-pattern tests (engine/tests/patterns/), until their harness names
the acting user itself.

Since ADR 0061 every service that decides rights needs `user` (a user, or
`engine.access.SYSTEM`), and None is refused. The pattern harness drives cases as the engine
would, without a user (`user=None` or no `user` at all): for those test modules only, this
fixture hands the harness a view of the services that passes `user=SYSTEM` where the harness
passes none. Delete it once the harness (owned with `engine/tests/patterns/`) passes
`user=SYSTEM` itself.
"""

from __future__ import annotations

import functools
import inspect
import types
from typing import Any, Callable

import pytest

from definitions import services as definition_services
from engine import services as engine_services
from engine.access import SYSTEM

PATTERNS = "engine.tests.patterns."


def _as_system(fn: Callable[..., Any]) -> Callable[..., Any]:
    if "user" not in inspect.signature(fn).parameters:
        return fn

    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("user") is None:
            kwargs["user"] = SYSTEM
        return fn(*args, **kwargs)

    return call


def _services_as_system(module: types.ModuleType) -> types.SimpleNamespace:
    return types.SimpleNamespace(
        **{name: _as_system(obj) if inspect.isfunction(obj) else obj for name, obj in vars(module).items()}
    )


@pytest.fixture(autouse=True)
def _pattern_tests_act_as_system(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    module = request.module
    if not module.__name__.startswith(PATTERNS):
        return
    from engine.tests.patterns import harness

    view = _services_as_system(engine_services)
    for target in {harness, module}:
        if getattr(target, "services", None) is engine_services:
            monkeypatch.setattr(target, "services", view)
        for name in ("definition_save_draft", "definition_publish"):
            if getattr(target, name, None) is getattr(definition_services, name):
                monkeypatch.setattr(target, name, _as_system(getattr(definition_services, name)))
