"""Reads of definitions: drafts with their latest version, one definition, a frozen version."""

from __future__ import annotations

from django.db.models import Max, Prefetch, QuerySet

from definitions.models import Definition, DefinitionVersion
from definitions.registry import ActivitySpec, all_activities
from engine.core.errors import NotFound


def definition_list() -> QuerySet[Definition]:
    """Every definition (its draft), with `latest_version`: the newest published number or None."""
    return Definition.objects.annotate(latest_version=Max("versions__version")).order_by("name")


def definition_exists(*, name: str) -> bool:
    return Definition.objects.filter(name=name).exists()


def definition_get(*, name: str) -> Definition:
    """The definition with its versions (oldest first) prefetched as `version_list`."""
    versions = (
        DefinitionVersion.objects.select_related("published_by")
        .only("id", "definition_id", "version", "published_at", "comment", "published_by__username")
        .order_by("version")
    )
    definition = (
        Definition.objects.filter(name=name)
        .prefetch_related(Prefetch("versions", queryset=versions, to_attr="version_list"))
        .first()
    )
    if definition is None:
        raise NotFound(f"no definition named {name!r}")
    return definition


def definition_version_get(*, name: str, version: int) -> DefinitionVersion:
    found = (
        DefinitionVersion.objects.select_related("definition").filter(definition__name=name, version=version).first()
    )
    if found is None:
        if not definition_exists(name=name):
            raise NotFound(f"no definition named {name!r}")
        raise NotFound(f"definition {name!r} has no version {version}")
    return found


def version_get(*, definition: str, version: int | None = None) -> DefinitionVersion:
    """A published version of `definition` (the latest when `version` is None)."""
    qs = DefinitionVersion.objects.select_related("definition").filter(definition__name=definition)
    ver = qs.filter(version=version).first() if version is not None else qs.order_by("-version").first()
    if ver is None:
        if not Definition.objects.filter(name=definition).exists():
            raise NotFound(f"no definition named {definition!r}")
        raise NotFound(f"definition {definition!r} has no published version{f' {version}' if version else ''}")
    return ver


def activity_list() -> list[ActivitySpec]:
    """Every registered activity (what automatic tasks may name), by name."""
    return all_activities()
