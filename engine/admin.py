"""Admin: a read-only window on running state. Every change goes through engine.services (the
API or the management commands), never through the admin: it would skip the case lock."""

from __future__ import annotations

from django.contrib import admin

from config.admin import ReadOnlyAdmin
from engine.models import BatchJob, Case, Event, WorkItem


# Engine rows change only through the services (their invariants live there): the admin views them.
@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ("id", "definition_name", "version", "state", "parent", "started_by", "created_at", "ended_at")
    list_filter = ("state", "definition_name")
    search_fields = ("=id", "definition_name")
    list_select_related = ("version__definition", "started_by")
    date_hierarchy = "created_at"


@admin.register(WorkItem)
class WorkItemAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "case",
        "task",
        "generation",
        "kind",
        "state",
        "role",
        "offered_user",
        "assignee",
        "attempt",
        "priority",
        "due_at",
        "updated_at",
    )
    list_filter = ("state", "kind", "role")
    search_fields = ("=id", "=case__id", "task", "assignee", "offered_user")
    raw_id_fields = ("case",)


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("id", "case", "type", "task", "work_item", "actor", "created_at")
    list_filter = ("type",)
    search_fields = ("=case__id", "task", "=work_item", "actor")
    raw_id_fields = ("case",)


@admin.register(BatchJob)
class BatchJobAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "action",
        "state",
        "done",
        "total",
        "succeeded",
        "failed",
        "created_by",
        "created_at",
        "finished_at",
    )
    list_filter = ("action", "state")
    list_select_related = ("created_by",)
