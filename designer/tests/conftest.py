"""Fixtures of the designer's API tests."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import publish_demo_nets


@pytest.fixture
def staff(api_client: Any, staff_user: Any) -> Any:
    """An API client authenticated as a staff member."""
    return api_client(staff_user)


@pytest.fixture
def demo() -> list[str]:
    """Every demo net saved and published; their names."""
    return publish_demo_nets()
