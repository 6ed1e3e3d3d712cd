"""A dummy task: no work item; it starts and completes as soon as it is enabled (routing only)."""

from __future__ import annotations

from . import Kind, register


class Dummy(Kind):
    name = "dummy"
    has_items = False


register(Dummy())
