"""The OpenAPI schema's common error answers (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]).

Some answers can come from any operation, whatever its view declares: 401 without credentials,
403 without the right, 404 for an unknown object or page, 400 for a query or body that breaks
its serializer, 413 and 415 for a body too large or not JSON (config/middleware.py,
config/parsers.py), 429 when logins are throttled. This hook adds them, in the API's error
format, to every operation that does not declare them, so that the schema says what the server
answers (config/tests/test_schemathesis.py checks every answer against it)."""

from __future__ import annotations

from typing import Any

_ERROR_REF = {"$ref": "#/components/schemas/ErrorOutput"}
_DESCRIPTIONS = {
    400: "invalid input (the API's error format, naming the field)",
    401: "not authenticated",
    403: "not allowed",
    404: "no such object or page",
    413: "the body is too large",
    415: "the body is not JSON",
    429: "too many failed logins",
}


def add_common_error_responses(result: dict[str, Any], generator: Any, request: Any, public: Any) -> dict[str, Any]:
    for path, methods in result.get("paths", {}).items():
        for method, operation in methods.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            statuses = [401, 403, 404]
            if operation.get("parameters") or operation.get("requestBody") or method in ("post", "put", "patch"):
                statuses.append(400)
            if method in ("post", "put", "patch"):
                statuses += [413, 415]
            if path.startswith("/api/auth/"):
                statuses.append(429)
            for status in statuses:
                operation["responses"].setdefault(
                    str(status),
                    {"content": {"application/json": {"schema": _ERROR_REF}}, "description": _DESCRIPTIONS[status]},
                )
    return result
