"""Fixtures for the Magento package tests: a seeded sandbox served on a real socket."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from platforms.http import RetryPolicy
from platforms.magento.client import MagentoClient
from platforms.magento.sandbox.app import MagentoSandbox
from platforms.sandbox.kit import serve

# Short waits keep the retry tests fast while exercising the real backoff path.
FAST_RETRY = RetryPolicy(max_attempts=4, base_delay=0.01, max_delay=0.05)


@pytest.fixture
def sandbox() -> MagentoSandbox:
    """The default seeded store: 600 orders, 150 catalogue products, MSI on."""
    return MagentoSandbox(seed=1)


@pytest.fixture
async def base_url(sandbox: MagentoSandbox) -> AsyncIterator[str]:
    """The sandbox served on 127.0.0.1."""
    async with serve(sandbox.app) as url:
        yield url


@pytest.fixture
async def client(sandbox: MagentoSandbox, base_url: str) -> AsyncIterator[MagentoClient]:
    """A client for the served sandbox, counters reset."""
    instance = MagentoClient(sandbox.connection("mg", base_url), retry=FAST_RETRY)
    sandbox.calls.reset()
    yield instance
    await instance.aclose()
