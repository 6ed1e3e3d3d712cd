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

from definitions.models import Definition
from definitions.services import definition_publish, definition_save_draft

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
        admin = get_user_model().objects.get(username="admin")
        failures = 0
        for path in paths:
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
                with transaction.atomic():
                    # Already published as in the file: leave the draft alone (it may hold
                    # someone's edits from the designer).
                    existing = Definition.objects.filter(name=doc.get("name")).first()
                    current = existing.latest_version() if existing is not None else None
                    if current is not None and _same_doc(doc, current.net):
                        self._say(f"workflow {doc['name']}: unchanged (version {current.version})")
                        continue
                    definition = definition_save_draft(doc=doc, user=admin)
                    latest = definition.latest_version()
                    if latest is not None and _same_doc(definition.draft, latest.net):
                        self._say(f"workflow {definition.name}: unchanged (version {latest.version})")
                        continue
                    version = definition_publish(name=definition.name, user=admin)
                    self._say(f"workflow {definition.name}: published version {version.version}")
            except Exception as exc:  # report every broken demo net, then fail
                failures += 1
                self.stderr.write(self.style.ERROR(f"workflow from {path.name}: {type(exc).__name__}: {exc}"))
        return failures

    def _say(self, message: str) -> None:
        self.stdout.write(message)

    def _warn(self, message: str) -> None:
        self.stderr.write(self.style.WARNING(f"warning: {message}"))


def _same_doc(a: Any, b: Any) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
