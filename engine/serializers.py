"""Output representations shared by the API views (cases, work items, events, errors).

A work item shows its task's label and form, which live in the net of the case's version:
`TaskSpecs` loads each version's task specs once per request (kept in the serializer context),
so a list of items costs one query per version, not one per row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models.manager import BaseManager
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from engine.models import Case, WorkItem
from engine.selectors import version_task_specs


class TaskSpecs:
    """Task specs by version id, loaded once per version (published versions never change)."""

    def __init__(self) -> None:
        self._by_version: dict[int, dict[str, dict[str, Any]]] = {}

    def warm(self, version_ids: Iterable[int | None]) -> None:
        missing = {v for v in version_ids if v is not None and v not in self._by_version}
        if missing:
            loaded = version_task_specs(version_ids=missing)
            for v in missing:
                self._by_version[v] = loaded.get(v, {})

    def get(self, version_id: int | None, task_id: str) -> dict[str, Any]:
        if version_id is None:
            return {}
        self.warm([version_id])
        return self._by_version[version_id].get(task_id, {})


def task_specs_of(context: dict[str, Any]) -> TaskSpecs:
    specs = context.get("task_specs")
    if specs is None:
        specs = context["task_specs"] = TaskSpecs()
    return specs


def _rows(data: Any) -> list[Any]:
    return list(data.all() if isinstance(data, BaseManager) else data)


class ErrorOutputSerializer(serializers.Serializer):
    """The API's error format (see config/errors.py)."""

    code = serializers.CharField()
    detail = serializers.CharField()
    errors = serializers.ListField(
        child=serializers.DictField(), help_text="e.g. {field, message} or {element, message, path}"
    )


def error_responses(*statuses: int) -> dict[int, type[serializers.Serializer]]:
    return dict.fromkeys(statuses, ErrorOutputSerializer)


class _WorkItemListSerializer(serializers.ListSerializer):
    def to_representation(self, data: Any) -> list[Any]:
        rows = _rows(data)
        task_specs_of(self.context).warm(getattr(r, "case_version_id", None) for r in rows)
        return super().to_representation(rows)


class WorkItemOutputSerializer(serializers.Serializer):
    """A work item. Built from `engine.selectors.work_items_for_output()` rows (annotated with
    the case's definition name and version id)."""

    id = serializers.UUIDField()
    case = serializers.IntegerField(source="case_id")
    task = serializers.CharField()
    generation = serializers.IntegerField()
    kind = serializers.CharField()
    state = serializers.ChoiceField(choices=WorkItem.State.choices)
    input = serializers.JSONField(allow_null=True)
    output = serializers.JSONField(allow_null=True)
    assignee = serializers.CharField(allow_null=True)
    role = serializers.CharField(allow_null=True)
    attempt = serializers.IntegerField()
    error = serializers.JSONField(allow_null=True, help_text="{type, message, traceback?} when the item failed")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    # additions to the contract
    offered_user = serializers.CharField(allow_null=True)
    priority = serializers.IntegerField()
    due_at = serializers.DateTimeField(allow_null=True)
    follow_up = serializers.DateTimeField(
        allow_null=True, help_text="until then the inbox files the item under 'later' (set by its assignee)"
    )
    iteration = serializers.IntegerField(help_text="its place in a chain of next_iteration runs, from 1")
    definition = serializers.CharField(source="definition_name")
    case_state = serializers.CharField(
        help_text="the case's state: a `suspended` case's items wait (they cannot be claimed or completed)"
    )
    task_label = serializers.SerializerMethodField()
    task_description = serializers.SerializerMethodField()
    form = serializers.SerializerMethodField()

    class Meta:
        list_serializer_class = _WorkItemListSerializer

    def _spec(self, obj: Any) -> dict[str, Any]:
        return task_specs_of(self.context).get(getattr(obj, "case_version_id", None), obj.task)

    def get_task_label(self, obj: Any) -> str:
        return self._spec(obj).get("label") or obj.task

    def get_task_description(self, obj: Any) -> str:
        return self._spec(obj).get("description") or ""

    @extend_schema_field({"type": "object", "nullable": True, "description": "the task's form (a JSON Schema)"})
    def get_form(self, obj: Any) -> dict[str, Any] | None:
        return self._spec(obj).get("form")


class TaskStatsOutputSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    initialized = serializers.IntegerField()
    started = serializers.IntegerField()
    completed = serializers.IntegerField()
    failed = serializers.IntegerField()
    canceled = serializers.IntegerField()


class TaskRunOutputSerializer(serializers.Serializer):
    state = serializers.CharField()
    generation = serializers.IntegerField()
    stats = TaskStatsOutputSerializer()
    error = serializers.CharField(allow_null=True, required=False)


class _CaseListSerializer(serializers.ListSerializer):
    def to_representation(self, data: Any) -> list[Any]:
        rows = _rows(data)
        task_specs_of(self.context).warm(r.version_id for r in rows if getattr(r, "active_work_items", None))
        return super().to_representation(rows)


class CaseOutputSerializer(serializers.Serializer):
    """A case. Built from `engine.selectors.cases_for_output()` rows."""

    id = serializers.IntegerField()
    definition = serializers.CharField(source="definition_name")
    version = serializers.IntegerField(source="version_number")
    state = serializers.ChoiceField(choices=Case.State.choices)
    data = serializers.DictField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    marking = serializers.DictField(child=serializers.IntegerField(), help_text="condition id → tokens (> 0)")
    tasks = serializers.DictField(child=TaskRunOutputSerializer(), help_text="task id → its state")
    work_items = WorkItemOutputSerializer(many=True, source="active_work_items", help_text="the active ones")
    created_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    # additions to the contract
    reason = serializers.CharField(help_text="why the case was canceled, failed or deadlocked")
    business_key = serializers.CharField(
        allow_null=True, help_text="the caller's name for the case, unique among its definition's cases (ADR 0082)"
    )
    children = serializers.SerializerMethodField()

    class Meta:
        list_serializer_class = _CaseListSerializer

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_children(self, obj: Any) -> list[int]:
        return [c.pk for c in obj.child_list]


class EventOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    type = serializers.CharField()
    task = serializers.CharField()
    work_item = serializers.UUIDField(allow_null=True)
    payload = serializers.DictField()
    actor = serializers.CharField()
    created_at = serializers.DateTimeField()


class ActivityOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    description = serializers.CharField()
    input_schema = serializers.JSONField(allow_null=True)
    output_schema = serializers.JSONField(allow_null=True)


@extend_schema_field(OpenApiTypes.OBJECT)
class JSONObjectField(serializers.DictField):
    """A JSON object in a request body (anything else: 400 invalid)."""
