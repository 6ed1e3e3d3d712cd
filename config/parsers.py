"""The API's one request parser: JSON, read with limits (docs/api.md, ADR 0068).

- at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes (413 `too_large`; the middleware refuses a
  declared Content-Length above it before any view runs, this covers bodies without one);
- nested at most WORKFLOW_MAX_JSON_DEPTH objects/arrays (400 `invalid`);
- nothing the databases cannot store: NUL characters, lone surrogates, infinities or NaN
  (`1e999`): 400 `invalid` naming the field (`engine.core.storable`).

A POST without a body (an action such as publish, whose body is optional) is not refused: an
empty body is no unsupported media type. DRF already reads a zero-length body as `{}`; an empty
*form* (a form post with no fields, as some clients send for "no body") is read as `{}` too
(`EmptyBodyNegotiation`). A form or any other non-JSON body with content stays 415.
"""

from __future__ import annotations

import codecs
import json
from typing import Any

from django.conf import settings
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.request import is_form_media_type
from rest_framework.utils.mediatypes import _MediaType

from engine.core.storable import find_unstorable


class RequestTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "too_large"
    default_detail = "The request body is too large."


def body_limit() -> int | None:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def too_large_detail() -> str:
    return f"The request body is larger than {body_limit()} bytes."


def check_storable(data: Any, *, prefix: str | None = None) -> None:
    """ValidationError (400, naming the field) when `data` holds what cannot be stored."""
    problem = find_unstorable(data, max_depth=settings.WORKFLOW_MAX_JSON_DEPTH, prefix=prefix)
    if problem is not None:
        if problem.path is None:
            raise exceptions.ValidationError([problem.message])
        raise exceptions.ValidationError({problem.path: [problem.message]})


class SafeJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict[str, Any] | None = None) -> Any:
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = body_limit()
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestTooLarge(too_large_detail())
        try:
            text = codecs.decode(raw, encoding)
            data = json.loads(text)
        except RecursionError:
            depth = settings.WORKFLOW_MAX_JSON_DEPTH
            raise exceptions.ValidationError([f"nests objects and arrays deeper than {depth} levels"]) from None
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        check_storable(data)
        return data


class EmptyFormParser(BaseParser):
    """`{}` for a form body without any field; 415 for a form with content (the API is JSON only).

    Never listed in the parser classes (the schema offers JSON only): `EmptyBodyNegotiation`
    picks it for a form body no JSON parser takes.
    """

    media_type = "multipart/form-data"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict[str, Any] | None = None) -> Any:
        limit = body_limit()
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if not _is_empty_form(raw, media_type or ""):
            raise exceptions.UnsupportedMediaType(media_type)
        return {}


def _is_empty_form(raw: bytes, media_type: str) -> bool:
    body = raw.strip()
    if not body:
        return True
    parsed = _MediaType(media_type)
    if f"{parsed.main_type}/{parsed.sub_type}" != "multipart/form-data":
        return False
    boundary = parsed.params.get("boundary", "")
    if isinstance(boundary, bytes):
        boundary = boundary.decode("latin-1")
    return bool(boundary) and body == f"--{boundary}--".encode("latin-1")


class EmptyBodyNegotiation(DefaultContentNegotiation):
    def select_parser(self, request: Any, parsers: Any) -> Any:
        parser = super().select_parser(request, parsers)
        if parser is None and is_form_media_type(request.content_type or ""):
            return EmptyFormParser()
        return parser
