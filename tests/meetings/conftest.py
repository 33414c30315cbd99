"""Fixtures of the meetings tests."""

import pytest


@pytest.fixture
def admin_api(api):
    api.as_role("admin")
    return api
