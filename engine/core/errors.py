"""Errors the engine raises; each carries the HTTP status and code the API answers with."""

from __future__ import annotations

from typing import Any


class EngineError(Exception):
    code = "engine_error"
    http_status = 400

    def __init__(self, message: str, *, errors: list[dict[str, Any]] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        if code:
            self.code = code


class InvalidInput(EngineError):
    """Bad input: case data, form output or a request that breaks its schema (400)."""

    code = "invalid"
    http_status = 400


class NotAllowed(EngineError):
    """A transition that the current state does not allow (409)."""

    code = "not_allowed"
    http_status = 409


class Forbidden(EngineError):
    code = "forbidden"
    http_status = 403


class NotFound(EngineError):
    code = "not_found"
    http_status = 404


class RoutingError(EngineError):
    """A split found no route, or a predicate failed: an incident on that task."""

    code = "no_route"
    http_status = 409
