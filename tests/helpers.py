"""Helpers for the API tests of every app: demo nets, small test nets, users, DB snapshots."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group

from definitions.models import Definition, DefinitionVersion
from definitions.services import definition_publish, definition_save_draft
from engine.access import SYSTEM
from engine.models import Case, Event, WorkItem

DEMO_NETS_DIR = Path(settings.BASE_DIR) / "definitions" / "demo_nets"


def demo_net(name: str) -> dict[str, Any]:
    """A demo net document by its `name` (a fresh copy)."""
    for path in sorted(DEMO_NETS_DIR.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        if doc["name"] == name:
            return doc
    raise LookupError(name)


def publish_demo_nets() -> list[str]:
    """Save and publish every demo net (in file order: children before their parents)."""
    names = []
    for path in sorted(DEMO_NETS_DIR.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        definition_save_draft(doc=doc, user=SYSTEM)
        definition_publish(name=doc["name"], user=SYSTEM)
        names.append(doc["name"])
    return names


def publish(doc: dict[str, Any]) -> DefinitionVersion:
    definition_save_draft(doc=copy.deepcopy(doc), user=SYSTEM)
    return definition_publish(name=doc["name"], user=SYSTEM)


def db_state() -> dict[str, list[dict[str, Any]]]:
    """Every row of the workflow tables: equal before and after a refused request."""
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Definition, DefinitionVersion, Case, WorkItem, Event)
    }


def make_user(django_user_model: Any, username: str, *groups: str, **extra: Any) -> Any:
    user = django_user_model.objects.create_user(username=username, password=username, **extra)
    for name in groups:
        user.groups.add(Group.objects.get_or_create(name=name)[0])
    return user


def net(name: str, tasks: list[dict[str, Any]], flows: list[tuple[str, str]], **extra: Any) -> dict[str, Any]:
    """A small net: start and end conditions, the tasks, and flows given as (from, to) pairs."""
    return {
        "schema_version": 1,
        "name": name,
        "conditions": [{"id": "start", "kind": "start"}, {"id": "end", "kind": "end"}],
        "tasks": tasks,
        "flows": [{"from": a, "to": b} for a, b in flows],
        **extra,
    }


# An automatic task whose activity always raises: an incident (the item fails, the case waits).
FAILING_NET = net(
    "failing",
    [
        {
            "id": "charge",
            "kind": "automatic",
            "label": "Charge",
            "activity": "fail",
            "input": {"message": "'card declined'"},
            "output": {"charged": "result.charged"},
            "retry": {"max_attempts": 1},
        }
    ],
    [("start", "charge"), ("charge", "end")],
)

# Only managers may start it; its queries include one that fails on data without `amount`.
RESTRICTED_NET = net(
    "restricted",
    [{"id": "approve", "kind": "manual", "assign": {"role": "managers"}}],
    [("start", "approve"), ("approve", "end")],
    start_roles=["managers"],
    queries=[{"name": "double", "expr": "data.amount * 2"}, {"name": "who", "expr": "case.definition"}],
)
