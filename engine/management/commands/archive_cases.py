"""Archive (JSON lines) and purge cases that ended long ago, with their work items and history.

    python manage.py archive_cases --older-than 90d [--dir var/archive] [--dry-run]
        [--states completed,canceled,failed] [--limit N]

`--older-than` defaults to WORKFLOW_RETENTION_DAYS days. Prints a JSON summary. ADR 0079.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from engine import services
from engine.services.retention import DEFAULT_STATES

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_age(text: str) -> dt.timedelta:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", text)
    if not m:
        raise CommandError(f"--older-than: {text!r} is not an age like 90d, 12h, 30m or 3600")
    return dt.timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2) or "s"])


class Command(BaseCommand):
    help = "Archive cases that ended long ago to JSON lines, then delete them (with --dry-run: only count)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--older-than", default=None, help="e.g. 90d, 12h (default: WORKFLOW_RETENTION_DAYS)")
        parser.add_argument("--dir", default=None, help="where the .jsonl files go (default: WORKFLOW_ARCHIVE_DIR)")
        parser.add_argument("--dry-run", action="store_true", help="count what would be archived; change nothing")
        parser.add_argument("--states", default=",".join(DEFAULT_STATES))
        parser.add_argument("--limit", type=int, default=None, help="at most this many top-level cases")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["older_than"]:
            age = parse_age(opts["older_than"])
        elif settings.WORKFLOW_RETENTION_DAYS > 0:
            age = dt.timedelta(days=settings.WORKFLOW_RETENTION_DAYS)
        else:
            raise CommandError("give --older-than (or set WORKFLOW_RETENTION_DAYS)")
        states = [s.strip() for s in opts["states"].split(",") if s.strip()]
        try:
            result = services.cases_archive(
                older_than=age,
                directory=opts["dir"] or settings.WORKFLOW_ARCHIVE_DIR,
                dry_run=opts["dry_run"],
                states=states,
                limit=opts["limit"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result.as_dict()))
