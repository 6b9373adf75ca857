"""Fixtures: a seeded WooCommerce sandbox served on a real socket, and a fast-retry client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.helpers.woocommerce import Served, served_sandbox


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    async with served_sandbox(seed=1, orders=600, products=150) as running:
        yield running
