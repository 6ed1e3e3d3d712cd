"""Fixtures shared by every app's tests: demo-like users and an authenticated API client.

Django is imported inside the fixtures only, so that the pure engine's tests run without it
(`pytest engine/core engine/tests/patterns -p no:django`)."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from rest_framework.test import APIClient


def pytest_configure(config: pytest.Config) -> None:
    """Websocket tests use the real Redis (REDIS_URL): a channel-layer prefix of this process's
    own (each xdist worker runs this too) keeps parallel test processes and runs, and a running
    app, from hearing each other's pushes. Layers are built on first use, after this."""
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        return  # the pure engine's tests, run without Django (-p no:django)
    from django.conf import settings

    prefix = f"test{uuid.uuid4().hex[:12]}"
    settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = prefix
    os.environ["CHANNEL_PREFIX"] = prefix  # for the processes tests start (e2e workers)
    # Failed-login counts (config/throttle.py) in Redis: this process's own too.
    settings.CACHES["throttle"]["KEY_PREFIX"] = prefix
    # Consumers read the database from Channels' worker thread: a connection kept open there
    # would stop pytest-django from dropping the PostgreSQL test database at the end.
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    # The default PBKDF2 costs ~0.3 s per hash; tests create and log in many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that use the test database (scripts/test.sh's second, PostgreSQL "
        "pass: the others do not depend on the database and already ran in the first)",
    )


# The fixtures through which a test reaches the test database (live_server: the browser tests).
DATABASE_FIXTURES = frozenset(
    {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback", "live_server"}
)


def uses_database(item: pytest.Item) -> bool:
    """Whether a test touches the test database: a `django_db` mark, or one of DATABASE_FIXTURES
    among the fixtures it requests (directly or through other fixtures)."""
    if item.get_closest_marker("django_db"):
        return True
    return not DATABASE_FIXTURES.isdisjoint(getattr(item, "fixturenames", ()))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect `postgres_only` tests unless the database is PostgreSQL, and with
    `--database-tests-only` the tests that do not use the database.

    scripts/test.sh runs the suite on both databases, so these tests do run in every full run.
    """
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        return
    from django.conf import settings

    def keep(item: pytest.Item) -> bool:
        if item.get_closest_marker("postgres_only") and not postgres:
            return False
        return uses_database(item) or not config.getoption("database_tests_only")

    postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    deselected = [item for item in items if not keep(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if keep(item)]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """On SQLite, the test database is a file (in /dev/shm when there is one), not memory: the
    Celery worker processes of the end-to-end tests (worker/tests/e2e) open it too."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        base = Path("/dev/shm") if Path("/dev/shm").is_dir() else Path(tempfile.gettempdir())
        db.setdefault("TEST", {})["NAME"] = str(base / f"workflow_test_{os.getpid()}.sqlite3")


def _make_user(django_user_model: Any, username: str, *, groups: tuple[str, ...] = (), **extra: Any) -> Any:
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(username=username, password=username, **extra)
    for name in groups:
        group, _ = Group.objects.get_or_create(name=name)
        user.groups.add(group)
    return user


@pytest.fixture
def staff_user(db: None, django_user_model: Any) -> Any:
    """A staff member (designs and operates); password = username."""
    return _make_user(django_user_model, "staff", is_staff=True)


@pytest.fixture
def operator_a(db: None, django_user_model: Any) -> Any:
    """An operator in group "clerks"; password = username."""
    return _make_user(django_user_model, "operator_a", groups=("clerks",))


@pytest.fixture
def operator_b(db: None, django_user_model: Any) -> Any:
    """An operator in group "managers"; password = username."""
    return _make_user(django_user_model, "operator_b", groups=("managers",))


@pytest.fixture
def api_client() -> Callable[..., APIClient]:
    """Factory: `api_client(user)` is authenticated as user; `api_client()` is anonymous."""

    from rest_framework.test import APIClient

    def make(user: Any = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return make
