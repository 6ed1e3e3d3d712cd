"""Fixtures of the dashboard tests: the demo nets and the failing net published, inline runner."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import FAILING_NET, publish, publish_demo_nets


@pytest.fixture(autouse=True)
def nets(settings: Any, db: None) -> None:
    settings.WORKFLOW_RUNNER = "inline"
    publish_demo_nets()
    publish(FAILING_NET)


@pytest.fixture
def staff(api_client: Any, staff_user: Any) -> Any:
    return api_client(staff_user)
