"""Load the demo: users, groups, tokens and the demo workflows. Safe to run any number of times.

Users: admin/admin (superuser), alice/alice and bob/bob (group "clerks"), carol/carol (group
"managers"). Workflows: every `definitions/demo_nets/*.json`, saved as a draft and published when
the draft differs from the latest published version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings
from rest_framework.authtoken.models import Token

DEMO_NETS_DIR = Path(settings.BASE_DIR) / "definitions" / "demo_nets"


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    groups: tuple[str, ...] = ()
    superuser: bool = False


DEMO_GROUPS = ("clerks", "managers")
DEMO_USERS = (
    DemoUser("admin", "admin", superuser=True),
    DemoUser("alice", "alice", groups=("clerks",)),
    DemoUser("bob", "bob", groups=("clerks",)),
    DemoUser("carol", "carol", groups=("managers",)),
)


class Command(BaseCommand):
    help = "Create the demo users, groups, tokens and workflows (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        # The seed runs before the servers start (run.sh): no socket listens yet, and the Redis
        # the pushes would go to may not be up. An inbox open meanwhile sees seeded changes to
        # its user at its next connect.
        with override_settings(WORKFLOW_PUSH=False):
            with transaction.atomic():
                self._seed_users()
            failures = self._seed_workflows()
        if failures:
            raise CommandError(f"{failures} demo workflow(s) could not be loaded (see above).")

    # --- users ----------------------------------------------------------------------------

    def _seed_users(self) -> None:
        User = get_user_model()
        groups = {}
        for name in DEMO_GROUPS:
            groups[name], created = Group.objects.get_or_create(name=name)
            self._say(f"group {name}: {'created' if created else 'exists'}")

        for demo in DEMO_USERS:
            user, created = User.objects.get_or_create(username=demo.username)
            changed = created
            if not user.check_password(demo.password):
                user.set_password(demo.password)
                changed = True
            for flag in ("is_staff", "is_superuser"):
                if getattr(user, flag) != demo.superuser:
                    setattr(user, flag, demo.superuser)
                    changed = True
            if not user.is_active:
                user.is_active = True
                changed = True
            if changed:
                user.save()
            user.groups.add(*(groups[g] for g in demo.groups))
            token, _ = Token.objects.get_or_create(user=user)
            state = "created" if created else ("updated" if changed else "exists")
            self._say(f"user {demo.username}: {state} (token {token.key})")

    # --- workflows ------------------------------------------------------------------------

    def _seed_workflows(self) -> int:
        paths = sorted(DEMO_NETS_DIR.glob("*.json"))
        if not paths:
            self._warn(f"no demo workflows found in {DEMO_NETS_DIR}")
            return 0
        try:
            from definitions.services import definition_publish, definition_save_draft
        except ImportError as exc:
            # The designer may not be built yet; users and tokens are still useful on their own.
            self._warn(f"demo workflows skipped: designer services unavailable ({exc})")
            return 0

        admin = get_user_model().objects.get(username="admin")
        failures = 0
        for path in paths:
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
                with transaction.atomic():
                    # Already published as in the file: leave the draft alone (it may hold
                    # someone's edits from the designer).
                    existing = _existing_definition(doc.get("name"))
                    current = _latest_version(existing) if existing is not None else None
                    if current is not None and _same_doc(doc, _version_doc(current)):
                        self._say(f"workflow {doc['name']}: unchanged (version {_version_number(current)})")
                        continue
                    definition = definition_save_draft(doc=doc, user=admin)
                    name = getattr(definition, "name", None) or doc["name"]
                    latest = _latest_version(definition)
                    if latest is None:
                        version = definition_publish(name=name, user=admin)
                        self._say(f"workflow {name}: published version {_version_number(version)}")
                    elif _same_doc(_draft_doc(definition, doc), _version_doc(latest)):
                        self._say(f"workflow {name}: unchanged (version {_version_number(latest)})")
                    elif _version_doc(latest) is None:
                        self._warn(f"workflow {name}: cannot compare with the latest version; not republished")
                    else:
                        version = definition_publish(name=name, user=admin)
                        self._say(f"workflow {name}: published version {_version_number(version)}")
            except Exception as exc:  # report every broken demo net, then fail
                failures += 1
                self.stderr.write(self.style.ERROR(f"workflow from {path.name}: {type(exc).__name__}: {exc}"))
        return failures

    def _say(self, message: str) -> None:
        self.stdout.write(message)

    def _warn(self, message: str) -> None:
        self.stderr.write(self.style.WARNING(f"warning: {message}"))


# Helpers that tolerate the designer models as they grow (latest_version() may not exist yet).

_DOC_FIELDS = ("doc", "net", "document", "spec", "definition")
_DRAFT_FIELDS = ("draft", "doc", "draft_doc", "net")


def _existing_definition(name: Any) -> Any | None:
    try:
        from definitions.models import Definition
    except ImportError:
        return None
    if not isinstance(name, str):
        return None
    return Definition.objects.filter(name=name).first()


def _latest_version(definition: Any) -> Any | None:
    method = getattr(definition, "latest_version", None)
    if callable(method):
        return method()
    versions = getattr(definition, "versions", None)
    if versions is not None and hasattr(versions, "order_by"):
        ordering = "-version" if _has_field(versions.model, "version") else "-pk"
        return versions.order_by(ordering).first()
    return None


def _has_field(model: Any, name: str) -> bool:
    return any(f.name == name for f in model._meta.get_fields())


def _draft_doc(definition: Any, fallback: dict[str, Any]) -> Any:
    for field in _DRAFT_FIELDS:
        value = getattr(definition, field, None)
        if isinstance(value, dict):
            return value
    return fallback


def _version_doc(version: Any) -> Any | None:
    for field in _DOC_FIELDS:
        value = getattr(version, field, None)
        if isinstance(value, dict):
            return value
    return None


def _same_doc(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _version_number(version: Any) -> Any:
    return getattr(version, "version", None) or getattr(version, "number", None) or getattr(version, "pk", "?")
