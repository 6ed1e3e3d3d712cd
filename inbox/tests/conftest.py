"""The inbox API tests' users and demo workflows (the invoice's first item is offered to "clerks")."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import make_user, publish_demo_nets


@pytest.fixture(autouse=True)
def demo(settings: Any) -> None:
    settings.WORKFLOW_RUNNER = "inline"
    publish_demo_nets()


@pytest.fixture
def staff(api_client: Any, staff_user: Any) -> Any:
    return api_client(staff_user)


@pytest.fixture
def clerk(api_client: Any, operator_a: Any) -> Any:
    return api_client(operator_a)


@pytest.fixture
def manager(api_client: Any, operator_b: Any) -> Any:
    return api_client(operator_b)


@pytest.fixture
def other_clerk(api_client: Any, django_user_model: Any) -> Any:
    return api_client(make_user(django_user_model, "clerk_2", "clerks"))
