"""Definitions: save drafts, validate, publish immutable versions.

Saving and publishing take the acting `user` (required), recorded as the author: a user, or
the system actor (`engine.access.SYSTEM`, recorded as no one). Who may design is decided by the
designer's views (staff). ADR 0061."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from definitions.models import Definition, DefinitionVersion
from definitions.registry import get_activity
from engine.core.errors import InvalidInput, NotFound
from engine.core.names import NAME_MAX_LENGTH, is_definition_name
from engine.core.validation import ValidationResult, validate_net


def definition_validate(*, doc: Any) -> ValidationResult:
    """Every problem of a net, with the id of the element at fault; unknown activities and
    child definitions included."""
    return validate_net(
        doc,
        activity_exists=lambda name: get_activity(name) is not None,
        definition_exists=lambda name: Definition.objects.filter(name=name).exists() or name == _name_of(doc),
    )


def definition_save_draft(*, doc: Any, user: Any, name: str | None = None) -> Definition:
    """Create or replace the draft. A draft may be incomplete (unconnected nodes, unknown
    activities: the designer saves as you draw), but it must be a net document: a JSON
    object that matches the net schema, with a name."""
    author = _author(user)
    if not isinstance(doc, dict):
        raise InvalidInput("a net must be a JSON object", errors=[{"element": None, "message": "not an object"}])
    doc_name = doc.get("name")
    if name is not None and doc_name not in (None, name):
        raise InvalidInput(
            "the net's name cannot change", errors=[{"element": None, "message": f"name must be {name!r}"}]
        )
    doc_name = name or doc_name
    if not is_definition_name(doc_name):
        message = (
            f"name: letters, digits, . _ - (starting with a letter or digit), at most {NAME_MAX_LENGTH} characters"
        )
        raise InvalidInput(
            "the net needs a valid name", errors=[{"element": None, "message": message, "path": "/name"}]
        )
    doc = {**doc, "name": doc_name}
    result = definition_validate(doc=doc)
    structural = [p for p in result.errors if _is_structural(p)]
    if structural:
        raise InvalidInput("the net is malformed", errors=[p.as_dict() for p in structural])
    with transaction.atomic():
        definition, _ = Definition.objects.select_for_update().get_or_create(
            name=doc_name, defaults={"draft": doc, "title": doc.get("title", ""), "updated_by": author}
        )
        definition.draft = doc
        definition.title = doc.get("title", "") or ""
        definition.updated_by = author
        definition.save()
    return definition


def definition_publish(*, name: str, user: Any, comment: str = "") -> DefinitionVersion:
    author = _author(user)
    with transaction.atomic():
        definition = Definition.objects.select_for_update().filter(name=name).first()
        if definition is None:
            raise NotFound(f"no definition named {name!r}")
        result = definition_validate(doc=definition.draft)
        if not result.valid:
            raise InvalidInput(
                "the net has errors; fix them before publishing", errors=[p.as_dict() for p in result.errors]
            )
        latest = definition.latest_version()
        return DefinitionVersion.objects.create(
            definition=definition,
            version=(latest.version + 1) if latest else 1,
            net=definition.draft,
            published_by=author,
            comment=comment.strip(),
        )


def _is_structural(problem) -> bool:
    """Schema violations and CEL that does not compile make a document unsavable; graph
    problems (reachability, missing flows) and unknown references are fine in a draft."""
    return getattr(problem, "kind", "schema") in ("schema", "cel")


def _name_of(doc: Any) -> Any:
    return doc.get("name") if isinstance(doc, dict) else None


def _author(user: Any) -> Any:
    """The user row to record as author; None for the system actor. This layer sits below
    `engine`, so it knows `engine.access.SYSTEM` by its marker, not by importing it. None is
    refused: it does not mean "the system"."""
    if getattr(user, "is_system_actor", False):
        return None
    if user is None or not hasattr(user, "pk"):
        raise TypeError("no acting user: pass the user, or engine.access.SYSTEM for the engine's own calls")
    return user if user.pk else None
