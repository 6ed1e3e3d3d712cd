"""The engine's standard library of activities (what an automatic task may call out of the box).

| name            | does                                                                   |
|-----------------|------------------------------------------------------------------------|
| `noop`          | nothing; returns {}                                                    |
| `echo`          | returns its input                                                      |
| `fail`          | always raises (to try incidents and retries)                           |
| `wait`          | sleeps a bounded number of seconds (long waits: use a `timer` task)    |
| `cel.transform` | builds its output from CEL expressions over the case data and its input |
| `http.request`  | an HTTP(S) request; returns the status and the JSON (or text) answer   |
| `email.send`    | sends an e-mail through Django's mail backend                          |

Each declares JSON Schemas of its input and output (served by `GET /api/activities/`, offered by
the designer). An activity's input is built by its task's `input` mapping (CEL), e.g.
`{"url": "'https://example.com/api/' + data.id", "method": "'POST'", "json": "{'id': data.id}"}`.
Errors are exceptions named for what went wrong (`HttpServerError`, `ActivityInputError`...), so
a task's `retry.non_retryable` can list those that retrying cannot fix.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from definitions.registry import ActivityContext, activity
from engine.core.expr import ExpressionError, evaluate_mapping

OBJECT = {"type": "object"}
WAIT_MAX_SECONDS = 300.0
HTTP_MAX_TIMEOUT = 300.0
HTTP_MAX_BYTES = 10 * 1024 * 1024
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class ActivityInputError(ValueError):
    """The activity's input is not what it needs (retrying will not help)."""


class HttpError(RuntimeError):
    """An HTTP answer with an error status (see the subclasses)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class HttpClientError(HttpError):
    """A 4xx answer: usually not worth retrying."""


class HttpServerError(HttpError):
    """A 5xx answer: usually worth retrying."""


def _string_list(value: Any, what: str) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    if value is None:
        return []
    raise ActivityInputError(f"{what} must be an address or a list of addresses")


# ---------------------------------------------------------------------- basics


@activity("noop", input_schema=OBJECT, output_schema={"type": "object", "maxProperties": 0})
def noop(payload: dict[str, Any], ctx: ActivityContext) -> dict[str, Any]:
    """Does nothing and returns an empty output."""
    return {}


@activity("echo", input_schema=OBJECT, output_schema=OBJECT)
def echo(payload: dict[str, Any], ctx: ActivityContext) -> dict[str, Any]:
    """Returns its input as its output."""
    return dict(payload)


@activity(
    "fail",
    input_schema={"type": "object", "properties": {"message": {"type": "string"}}},
    output_schema={"not": {}},
)
def fail(payload: dict[str, Any], ctx: ActivityContext) -> dict[str, Any]:
    """Always raises (for trying incidents): {"message": "..."}."""
    raise RuntimeError(payload.get("message", "this activity always fails"))


@activity(
    "wait",
    alone=True,
    input_schema={
        "type": "object",
        "properties": {"seconds": {"type": "number", "minimum": 0, "maximum": WAIT_MAX_SECONDS}},
        "required": ["seconds"],
    },
    output_schema={"type": "object", "properties": {"waited": {"type": "number"}}, "required": ["waited"]},
)
def wait(payload: dict[str, Any], ctx: ActivityContext) -> dict[str, Any]:
    """Sleeps `seconds` (at most 300; a longer wait is a `timer` task, which holds no worker)."""
    seconds = payload.get("seconds")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise ActivityInputError("wait needs `seconds`, a number")
    if not 0 <= seconds <= WAIT_MAX_SECONDS:
        raise ActivityInputError(f"wait: seconds must be between 0 and {WAIT_MAX_SECONDS:g}, got {seconds}")
    time.sleep(seconds)
    return {"waited": seconds}


# ---------------------------------------------------------------------- CEL


@activity(
    "cel.transform",
    input_schema={
        "type": "object",
        "properties": {
            "expressions": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "output key → CEL expression over `data` (the case data), `input` (this "
                "input without `expressions`) and `case`",
            }
        },
        "required": ["expressions"],
    },
    output_schema=OBJECT,
)
def cel_transform(payload: dict[str, Any], ctx: ActivityContext) -> dict[str, Any]:
    """Builds its output from CEL expressions: {"expressions": {key: CEL}} over `data` (the case
    data), `input` (the rest of its input) and `case` ({"id"}). No code: the expressions are data."""
    expressions = payload.get("expressions")
    if not isinstance(expressions, dict) or not all(isinstance(v, str) for v in expressions.values()):
        raise ActivityInputError("cel.transform needs `expressions`: an object of CEL strings")
    rest = {k: v for k, v in payload.items() if k != "expressions"}
    variables = {"data": ctx.data or {}, "input": rest, "case": {"id": ctx.case_id}}
    try:
        return evaluate_mapping(expressions, variables)
    except ExpressionError as exc:
        raise ActivityInputError(f"cel.transform: {exc}") from None


# ---------------------------------------------------------------------- HTTP


@activity(
    "http.request",
    alone=True,
    input_schema={
        "type": "object",
        "properties": {
            "url": {"type": "string", "pattern": "^https?://"},
            "method": {"enum": list(HTTP_METHODS), "default": "GET"},
            "headers": {"type": "object", "additionalProperties": {"type": "string"}},
            "json": {"description": "a JSON body (sent with Content-Type: application/json)"},
            "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": HTTP_MAX_TIMEOUT, "default": 30},
            "raise_for_status": {
                "type": "boolean",
                "default": True,
                "description": "an answer ≥ 400 raises HttpClientError (4xx) or HttpServerError (5xx); "
                "false returns it",
            },
        },
        "required": ["url"],
    },
    output_schema={
        "type": "object",
        "properties": {
            "status": {"type": "integer"},
            "headers": {"type": "object"},
            "json": {"description": "the answer parsed as JSON, or null"},
            "text": {"type": ["string", "null"], "description": "the answer's text when it is not JSON"},
        },
        "required": ["status", "headers", "json", "text"],
    },
)
def http_request(payload: dict[str, Any], ctx: ActivityContext) -> dict[str, Any]:
    """An HTTP(S) request: {url, method?, headers?, json?, timeout?, raise_for_status?} →
    {status, headers, json, text}. Only http and https URLs; at most 10 MiB of answer."""
    url = payload.get("url")
    if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
        raise ActivityInputError("http.request needs an http:// or https:// `url`")
    method = str(payload.get("method") or "GET").upper()
    if method not in HTTP_METHODS:
        raise ActivityInputError(f"http.request: unknown method {method!r}")
    headers = payload.get("headers") or {}
    if not isinstance(headers, dict):
        raise ActivityInputError("http.request: `headers` must be an object")
    headers = {str(k): str(v) for k, v in headers.items()}
    timeout = payload.get("timeout", 30)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= HTTP_MAX_TIMEOUT:
        raise ActivityInputError(f"http.request: timeout must be a number of seconds in (0, {HTTP_MAX_TIMEOUT:g}]")
    body = None
    if "json" in payload:
        body = json.dumps(payload["json"]).encode("utf-8")
        if not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
    headers.setdefault("Accept", "application/json")
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked)
            status, answer_headers, raw = response.status, dict(response.headers.items()), _read(response)
    except urllib.error.HTTPError as exc:  # an answer with an error status
        status, answer_headers, raw = exc.code, dict(exc.headers.items()), _read(exc)
    result = {"status": status, "headers": answer_headers, **_decode(raw, answer_headers)}
    if status >= 400 and payload.get("raise_for_status", True):
        cls = HttpServerError if status >= 500 else HttpClientError
        raise cls(status, f"{method} {url} answered {status}: {(result['text'] or json.dumps(result['json']))[:200]}")
    return result


def _read(response: Any) -> bytes:
    raw: bytes = response.read(HTTP_MAX_BYTES + 1)
    if len(raw) > HTTP_MAX_BYTES:
        raise HttpError(0, f"the answer is larger than {HTTP_MAX_BYTES} bytes")
    return raw


def _decode(raw: bytes, headers: dict[str, str]) -> dict[str, Any]:
    text = raw.decode("utf-8", "replace")
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    if text.strip() and ("json" in content_type or text.lstrip()[:1] in ("{", "[")):
        try:
            return {"json": json.loads(text), "text": None}
        except ValueError:
            pass
    return {"json": None, "text": text}


# ---------------------------------------------------------------------- e-mail

ADDRESSES = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}


@activity(
    "email.send",
    alone=True,
    input_schema={
        "type": "object",
        "properties": {
            "to": ADDRESSES,
            "cc": ADDRESSES,
            "bcc": ADDRESSES,
            "subject": {"type": "string"},
            "body": {"type": "string", "description": "plain text"},
            "html": {"type": "string", "description": "optional HTML alternative"},
            "from": {"type": "string", "description": "default: the DEFAULT_FROM_EMAIL setting"},
            "reply_to": ADDRESSES,
        },
        "required": ["to", "subject"],
    },
    output_schema={
        "type": "object",
        "properties": {"sent": {"type": "integer"}, "recipients": {"type": "array", "items": {"type": "string"}}},
        "required": ["sent", "recipients"],
    },
)
def email_send(payload: dict[str, Any], ctx: ActivityContext) -> dict[str, Any]:
    """Sends an e-mail through Django's mail backend (EMAIL_* settings):
    {to, subject, body?, html?, cc?, bcc?, from?, reply_to?} → {sent, recipients}."""
    to = _string_list(payload.get("to"), "to")
    cc = _string_list(payload.get("cc"), "cc")
    bcc = _string_list(payload.get("bcc"), "bcc")
    if not (to or cc or bcc):
        raise ActivityInputError("email.send needs at least one recipient in `to`")
    subject = payload.get("subject")
    if not isinstance(subject, str):
        raise ActivityInputError("email.send needs a `subject` (text)")
    message = EmailMultiAlternatives(
        subject=subject.replace("\n", " "),
        body=str(payload.get("body") or ""),
        from_email=payload.get("from") or settings.DEFAULT_FROM_EMAIL,
        to=to,
        cc=cc,
        bcc=bcc,
        reply_to=_string_list(payload.get("reply_to"), "reply_to"),
    )
    if payload.get("html"):
        message.attach_alternative(str(payload["html"]), "text/html")
    sent = message.send(fail_silently=False)
    return {"sent": sent, "recipients": to + cc + bcc}
