"""The API fuzzed against its own OpenAPI schema (issue 13): schemathesis generates requests for
every operation of `/api/schema/`, as staff and as an operator, and each answer must not be a
5xx and must match the schema (status code documented, content type and body as described).

Bounded for CI: a few examples per operation (SCHEMATHESIS_EXAMPLES, default 4), valid and
invalid ones, through the WSGI app in process, on the test database (the examples' changes pile
up within a test, as a client's would). Every operation is tried and every failure reported
together. (schemathesis' pytest integration, `from_fixture`, does not run under this pytest:
the operations are driven with hypothesis here.)"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from engine import services
from engine.access import SYSTEM
from tests.helpers import publish_demo_nets

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "4"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def keep_the_test_connection() -> Iterator[None]:
    """As Django's test client does: requests must not close the test's database connection
    (it holds the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def fuzz(django_user_model: Any, username: str, *, is_staff: bool) -> None:
    publish_demo_nets()
    services.case_start(definition="invoice-approval", data={"vendor": "ACME", "amount": 50.0}, user=SYSTEM)
    user = django_user_model.objects.create_user(username=username, password=username, is_staff=is_staff)
    user.groups.add(Group.objects.get_or_create(name="clerks")[0])
    headers = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err (a broken operation) raises here
        operations += 1
        takes_input = any(True for _ in operation.iter_parameters()) or operation.get_request_payload_content_types()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if takes_input else (GenerationMode.POSITIVE,):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            def run(case: Any) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                pass  # no invalid input exists for it (e.g. a free-text path parameter)
            except BaseException as exc:  # every operation is tried; all failures are reported
                if isinstance(exc, KeyboardInterrupt):
                    raise
                failures.append(f"{operation.label} ({mode.value}): {str(exc)[:1500]}")
    assert operations > 30
    assert not failures, "\n\n".join(failures)


def test_api_answers_match_the_schema_as_staff(django_user_model: Any) -> None:
    fuzz(django_user_model, "fuzz-staff", is_staff=True)


def test_api_answers_match_the_schema_as_an_operator(django_user_model: Any) -> None:
    fuzz(django_user_model, "fuzz-clerk", is_staff=False)
