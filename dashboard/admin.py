"""Admin: batch jobs, read-only (they are created and run through dashboard.services)."""

from __future__ import annotations

from django.contrib import admin

from dashboard.models import BatchJob
from engine.admin import ReadOnlyAdmin


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
