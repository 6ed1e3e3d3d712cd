"""Admin: a read-only window on definitions and their published versions. Drafts are saved and
published through definitions.services (the API), which validate them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from config.admin import ReadOnlyAdmin
from definitions.models import Definition, DefinitionVersion


class VersionInline(admin.TabularInline):
    model = DefinitionVersion
    fields = ("version", "published_at", "published_by")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Definition)
class DefinitionAdmin(ReadOnlyAdmin):
    list_display = ("name", "title", "updated_at", "updated_by")
    search_fields = ("name", "title")
    inlines = [VersionInline]


@admin.register(DefinitionVersion)
class DefinitionVersionAdmin(ReadOnlyAdmin):
    list_display = ("definition", "version", "published_at", "published_by")
    list_filter = ("definition",)
    list_select_related = ("definition", "published_by")
