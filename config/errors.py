"""The API's error format: `{"code": "...", "detail": "...", "errors": [...]}`.

One handler for every API view (REST_FRAMEWORK["EXCEPTION_HANDLER"]). It knows DRF's exceptions,
Django's Http404 / PermissionDenied / ValidationError and, by duck typing, the engine's errors:
anything with `http_status` and `code` (`engine.core.errors.EngineError` carries `message` and
`errors` as well). Not importing the engine keeps config/ free of app dependencies.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

logger = logging.getLogger(__name__)

# DRF's default codes renamed to ours; the rest keep DRF's code (parse_error, throttled, ...).
_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "not_authenticated",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.ValidationError: "invalid",
}


def error_body(code: str, detail: str, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"code": code, "detail": detail, "errors": list(errors or [])}


def flatten_validation_errors(detail: Any, prefix: str | None = None) -> list[dict[str, Any]]:
    """DRF's nested error detail as a flat list of {"field": "a.b.0" or None, "message"}."""
    out: list[dict[str, Any]] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            key = str(key)
            if key in ("non_field_errors", "__all__"):
                field = prefix
            else:
                field = f"{prefix}.{key}" if prefix else key
            out.extend(flatten_validation_errors(value, field))
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            for item in detail:
                out.append({"field": prefix, "message": str(item)})
        else:
            # A list serializer / ListField: one entry per element; empty ones are valid elements.
            for index, item in enumerate(detail):
                if item:
                    field = f"{prefix}.{index}" if prefix else str(index)
                    out.extend(flatten_validation_errors(item, field))
    else:
        out.append({"field": prefix, "message": str(detail)})
    return out


def _validation_summary(errors: list[dict[str, Any]]) -> str:
    if len(errors) == 1:
        only = errors[0]
        return f"{only['field']}: {only['message']}" if only["field"] else only["message"]
    return "Invalid input."


def _is_engine_error(exc: BaseException) -> bool:
    return hasattr(exc, "http_status") and hasattr(exc, "code")


def _engine_response(exc: Any) -> Response:
    set_rollback()
    message = getattr(exc, "message", None) or getattr(exc, "detail", None) or str(exc)
    errors = getattr(exc, "errors", None) or []
    return Response(error_body(str(exc.code), str(message), errors), status=int(exc.http_status))


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if _is_engine_error(exc):
        return _engine_response(exc)

    # Other application exceptions shaped like DRF's (status_code, code, detail) but not DRF's.
    if (
        not isinstance(exc, exceptions.APIException)
        and hasattr(exc, "status_code")
        and hasattr(exc, "code")
        and hasattr(exc, "detail")
    ):
        errors = getattr(exc, "errors", None) or []
        set_rollback()
        return Response(error_body(str(exc.code), str(exc.detail), errors), status=int(exc.status_code))

    if isinstance(exc, DataError):
        # A backstop: input is checked before it is written (config/parsers.py, the serializers),
        # but a value the database still refuses (too long, out of range) is the client's, not a 500.
        logger.warning("database refused a value: %s", exc)
        set_rollback()
        message = "a value is too long or out of range for the database"
        return Response(error_body("invalid", message, [{"field": None, "message": message}]), status=400)

    if isinstance(exc, DjangoValidationError):
        # Raised by model validation inside services: the same 400 as a serializer error.
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)

    # DRF sets the auth headers (WWW-Authenticate, Allow, Retry-After) and rolls back the atomic
    # block; we keep its response and only replace the body.
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not an API error: Django's 500 handling (and logging) applies

    assert isinstance(exc, exceptions.APIException)
    code = _code_for(exc)
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten_validation_errors(exc.detail)
        body = error_body(code, _validation_summary(errors), errors)
    else:
        body = error_body(code, _detail_text(exc.detail))
    response.data = body
    if response.status_code >= status.HTTP_500_INTERNAL_SERVER_ERROR:
        logger.error("API error %s: %s", response.status_code, body["detail"])
    return response


def _code_for(exc: exceptions.APIException) -> str:
    for cls in type(exc).__mro__:
        if cls in _CODES:
            return _CODES[cls]
    return str(getattr(exc, "default_code", "error"))


def _detail_text(detail: Any) -> str:
    if isinstance(detail, dict):
        detail = next(iter(detail.values()), "")
    if isinstance(detail, list):
        detail = detail[0] if detail else ""
    return str(detail)
