"""Guards in front of the API (everything under /api/; docs/api.md, ADR 0068).

- A body declared larger than DATA_UPLOAD_MAX_MEMORY_SIZE is refused with 413 before any view
  reads it; a NUL character in the path or the query string (which no database column can
  hold) with 400 naming the parameter.
- Every error response under /api/ has the API's JSON error format, whoever produced it:
  Django's 404 for an unknown path, its 400/403/500 pages (with DEBUG on, its debug pages, which
  would show settings), a CSRF failure. Errors of the API's views already have it and pass.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus

from django.http import HttpRequest, HttpResponse, JsonResponse

from config.errors import error_body
from config.parsers import body_limit, too_large_detail
from engine.core.storable import text_problem
from realtime import push

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"

# Codes of the error format by status, for errors that did not come with one.
_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
}
# Headers an error response keeps when its body is replaced.
_KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After", "Vary")


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def json_error(status: int, detail: str, errors: list[dict[str, object]] | None = None, code: str = "") -> JsonResponse:
    return JsonResponse(error_body(code or _CODES.get(status, "error"), detail, errors), status=status)


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _refusal(request: HttpRequest) -> HttpResponse | None:
    limit = body_limit()
    if limit is not None and _declared_length(request) > limit:
        return json_error(413, too_large_detail())
    problem = text_problem(request.path_info)
    if problem:
        return json_error(400, f"the path {problem}", [{"field": None, "message": f"the path {problem}"}])
    for key, values in request.GET.lists():
        for text in (key, *values):
            problem = text_problem(text)
            if problem:
                return json_error(400, f"{key}: {problem}", [{"field": key, "message": problem}])
    return None


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip() == "application/json"


class ApiErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api_request(request):
            return self.get_response(request)
        refused = _refusal(request)
        if refused is not None:
            return refused
        response = self.get_response(request)
        if response.status_code < 400 or _is_json(response) or getattr(response, "streaming", False):
            return response
        status = response.status_code
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Error"
        replaced = json_error(status, f"{phrase}.")
        for header in _KEPT_HEADERS:
            if header in response:
                replaced[header] = response[header]
        return replaced


class PushesSentMiddleware:
    """A write under /api/ answers only once the websocket pushes its commits queued have been
    handed to the channel layer (`realtime.push.flush`; ADR 0062). The publisher thread keeps
    the commit itself fast; waiting here means that an answer the client has seen implies the
    pushes were sent, so a web process killed after answering loses none of them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method not in ("GET", "HEAD", "OPTIONS") and request.path.startswith(API_PREFIX):
            push.flush()
        return response
