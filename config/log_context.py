"""Structured logs (issue 16): what a log record is about, and JSON lines.

The engine binds what it is working on (`bound(case_id=..., definition=..., item_id=...,
task=...)`, a context variable, so threads and asyncio tasks each keep their own); the
`ContextFilter` copies it onto every record, and the `JsonFormatter` writes one JSON object per
line: time, level, logger, message, the context fields, any `extra=` fields, the traceback.
`LOG_FORMAT=text` (settings) keeps the plain one-line format for development, with the context
appended.

A generic helper of the composition root: it imports no app, so every layer may use it.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

FIELDS = ("case_id", "item_id", "task", "definition")

_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("log_context", default=None)


@contextmanager
def bound(**fields: Any) -> Iterator[None]:
    """Within the block, every log record carries `fields` (added to what is bound already;
    None values are left out)."""
    current = _context.get() or {}
    token = _context.set({**current, **{k: v for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


def current() -> dict[str, Any]:
    return dict(_context.get() or {})


class ContextFilter(logging.Filter):
    """Puts the bound fields on the record (as attributes), never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        ctx = _context.get()
        if ctx:
            for key, value in ctx.items():
                if not hasattr(record, key):
                    setattr(record, key, value)
        return True


# the attributes every LogRecord has: anything else on a record came from `extra=` or the context
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                doc[key] = value
        if record.exc_info:
            doc["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            doc["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(doc, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """The development format, with the bound fields appended as key=value."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = " ".join(f"{k}={getattr(record, k)}" for k in FIELDS if getattr(record, k, None) is not None)
        return f"{line} [{extra}]" if extra else line
