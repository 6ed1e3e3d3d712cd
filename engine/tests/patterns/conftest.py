"""The ``wf`` fixture: the backend a pattern test runs on (see `harness.py`).

Every test that takes ``wf`` runs on the ``pure`` backend (no database, no Django: the test
gets no ``django_db`` mark, so pytest-django refuses it any database access). Tests marked
``roundtrip`` run on the ``db`` backend as well, the persistence round trip; with
``PATTERNS_DB=all`` every test does. Without pytest-django (``-p no:django``) only the pure
runs are collected, e.g.::

    python -m pytest engine/tests/patterns -p no:django --confcutdir=engine/tests/patterns

(``--confcutdir`` keeps the project's root conftest, which needs Django, out).
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from .pure import PureBackend


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "roundtrip: a pattern test that also runs on the db backend (engine/tests/patterns)"
    )


def _db_backend_available(config: pytest.Config) -> bool:
    return config.pluginmanager.hasplugin("django")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "wf" not in metafunc.fixturenames:
        return
    backends = [pytest.param("pure", id="pure")]
    on_db = metafunc.definition.get_closest_marker("roundtrip") is not None or os.environ.get("PATTERNS_DB") == "all"
    if on_db and _db_backend_available(metafunc.config):
        backends.append(pytest.param("db", id="db", marks=pytest.mark.django_db))
    metafunc.parametrize("wf", backends, indirect=True)


@pytest.fixture
def wf(request: pytest.FixtureRequest) -> Any:
    """The backend: a fresh `PureBackend`, or the service layer on the test database with
    automatic work items left for the test (``WORKFLOW_RUNNER="manual"``)."""
    if request.param == "pure":
        return PureBackend()
    request.getfixturevalue("settings").WORKFLOW_RUNNER = "manual"
    from .db import DbBackend

    return DbBackend()
