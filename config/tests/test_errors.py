"""The API error format produced by config.errors.exception_handler."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, serializers

from config.errors import exception_handler, flatten_validation_errors


class FakeEngineError(Exception):
    """Shaped like engine.core.errors.EngineError, without importing the engine."""

    code = "not_allowed"
    http_status = 409

    def __init__(self, message: str, errors: list[dict[str, object]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


def handle(exc: Exception) -> tuple[int, dict[str, Any]]:
    response = exception_handler(exc, {})
    assert response is not None
    return response.status_code, response.data


def test_engine_error_by_duck_typing() -> None:
    status, body = handle(FakeEngineError("case is completed", [{"element": "t1", "message": "x"}]))
    assert status == 409
    assert body == {
        "code": "not_allowed",
        "detail": "case is completed",
        "errors": [{"element": "t1", "message": "x"}],
    }


def test_nested_validation_errors_are_flattened() -> None:
    class Item(serializers.Serializer):
        qty = serializers.IntegerField(min_value=1)

    class Order(serializers.Serializer):
        name = serializers.CharField()
        items = Item(many=True)

    s = Order(data={"items": [{"qty": 1}, {"qty": 0}]})
    assert not s.is_valid()
    status, body = handle(exceptions.ValidationError(s.errors))
    assert status == 400
    assert body["code"] == "invalid"
    assert {e["field"] for e in body["errors"]} == {"name", "items.1.qty"}
    assert body["detail"] == "Invalid input."


def test_single_validation_error_becomes_the_detail() -> None:
    status, body = handle(exceptions.ValidationError({"non_field_errors": ["Bad pair."]}))
    assert status == 400
    assert body == {"code": "invalid", "detail": "Bad pair.", "errors": [{"field": None, "message": "Bad pair."}]}


def test_flatten_plain_list() -> None:
    assert flatten_validation_errors(["a", "b"]) == [
        {"field": None, "message": "a"},
        {"field": None, "message": "b"},
    ]


def test_django_validation_error_is_400() -> None:
    status, body = handle(DjangoValidationError({"name": ["Too long."]}))
    assert status == 400
    assert body["errors"] == [{"field": "name", "message": "Too long."}]


def test_http404_and_django_permission_denied() -> None:
    assert handle(Http404())[0] == 404
    assert handle(Http404())[1]["code"] == "not_found"
    status, body = handle(DjangoPermissionDenied())
    assert (status, body["code"], body["errors"]) == (403, "forbidden", [])


def test_drf_permission_denied_and_not_found() -> None:
    assert handle(exceptions.PermissionDenied())[1]["code"] == "forbidden"
    assert handle(exceptions.NotFound("No such case."))[1] == {
        "code": "not_found",
        "detail": "No such case.",
        "errors": [],
    }


def test_other_drf_errors_keep_their_code() -> None:
    status, body = handle(exceptions.ParseError())
    assert (status, body["code"]) == (400, "parse_error")


def test_unknown_exceptions_are_left_to_django() -> None:
    assert exception_handler(RuntimeError("boom"), {}) is None
