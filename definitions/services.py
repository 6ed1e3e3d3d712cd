"""Definitions: save drafts, validate, publish immutable versions."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from definitions.models import Definition, DefinitionVersion
from engine.core.errors import InvalidInput, NotFound
from engine.core.names import is_plain_name
from engine.core.validation import ValidationResult, validate_net
from definitions.registry import get_activity


def definition_validate(*, doc: Any) -> ValidationResult:
    """Every problem of a net, with the id of the element at fault; unknown activities and
    child definitions included."""
    return validate_net(
        doc,
        activity_exists=lambda name: get_activity(name) is not None,
        definition_exists=lambda name: Definition.objects.filter(name=name).exists() or name == _name_of(doc),
    )


def definition_save_draft(*, doc: Any, user=None, name: str | None = None) -> Definition:
    """Create or replace the draft. A draft may be incomplete (unconnected nodes, unknown
    activities: the designer saves as you draw), but it must be a net document: a JSON
    object that matches the net schema, with a name."""
    if not isinstance(doc, dict):
        raise InvalidInput("a net must be a JSON object", errors=[{"element": None, "message": "not an object"}])
    doc_name = doc.get("name")
    if name is not None and doc_name not in (None, name):
        raise InvalidInput("the net's name cannot change", errors=[{"element": None, "message": f"name must be {name!r}"}])
    doc_name = name or doc_name
    if not isinstance(doc_name, str) or not is_plain_name(doc_name):
        raise InvalidInput("the net needs a name", errors=[{"element": None, "message": "name: letters, digits, . _ -"}])
    doc = {**doc, "name": doc_name}
    result = definition_validate(doc=doc)
    structural = [p for p in result.errors if _is_structural(p)]
    if structural:
        raise InvalidInput("the net is malformed", errors=[p.as_dict() for p in structural])
    with transaction.atomic():
        definition, _ = Definition.objects.select_for_update().get_or_create(
            name=doc_name, defaults={"draft": doc, "title": doc.get("title", ""), "updated_by": _user(user)}
        )
        definition.draft = doc
        definition.title = doc.get("title", "") or ""
        definition.updated_by = _user(user)
        definition.save()
    return definition


def definition_publish(*, name: str, user=None) -> DefinitionVersion:
    with transaction.atomic():
        definition = Definition.objects.select_for_update().filter(name=name).first()
        if definition is None:
            raise NotFound(f"no definition named {name!r}")
        result = definition_validate(doc=definition.draft)
        if not result.valid:
            raise InvalidInput("the net has errors; fix them before publishing",
                               errors=[p.as_dict() for p in result.errors])
        latest = definition.latest_version()
        return DefinitionVersion.objects.create(
            definition=definition, version=(latest.version + 1) if latest else 1,
            net=definition.draft, published_by=_user(user),
        )


def definition_publish_if_changed(*, name: str, user=None) -> DefinitionVersion:
    definition = Definition.objects.get(name=name)
    latest = definition.latest_version()
    if latest is not None and latest.net == definition.draft:
        return latest
    return definition_publish(name=name, user=user)


def _is_structural(problem) -> bool:
    """Schema violations and CEL that does not compile make a document unsavable; graph
    problems (reachability, missing flows) and unknown references are fine in a draft."""
    return getattr(problem, "kind", "schema") in ("schema", "cel")


def _name_of(doc: Any) -> Any:
    return doc.get("name") if isinstance(doc, dict) else None


def _user(user):
    return user if getattr(user, "pk", None) else None
