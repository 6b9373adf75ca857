"""The contract suite's fixtures: every registered platform's sandbox, served, with a client.

Nothing here names a platform: `platform_spec` is parametrized over the registry, so a new
platform gets the whole suite by registering.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest

from platforms.adapter import PlatformSpec, RateLimitSettings
from platforms.registry import all_specs
from platforms.sandbox_kit import serve
from tests.platforms.contract.support import MISSING_ID, SIZE, OpenStore, Store


@pytest.fixture(params=all_specs(), ids=lambda spec: spec.platform.value)
def platform_spec(request: pytest.FixtureRequest) -> PlatformSpec:
    """Each registered platform in turn."""
    spec: PlatformSpec = request.param
    return spec


@pytest.fixture
async def open_store(platform_spec: PlatformSpec) -> AsyncIterator[OpenStore]:
    """Serve this platform's sandbox on a real socket and connect a client to it.

    `bucket` sets the sandbox's server-side limit; other keywords replace fields of the
    sandbox's own connection (timeout_seconds, max_attempts, rate_limit, credentials...).
    """
    async with contextlib.AsyncExitStack() as stack:

        async def start(
            store_id: str = "contract", *, bucket: RateLimitSettings | None = None, **conn: Any
        ) -> Store:
            sandbox = platform_spec.create_sandbox(**SIZE, bucket=bucket)
            url = await stack.enter_async_context(serve(sandbox.app))
            connection = dataclasses.replace(sandbox.connection(store_id, url), **conn)
            client = platform_spec.create_client(connection, None)
            stack.push_async_callback(client.aclose)
            facts = sandbox.facts()
            assert MISSING_ID not in {*facts.orders, *facts.products, *facts.variants}
            sandbox.calls.reset()
            return Store(platform_spec, sandbox, connection, client, facts)

        yield start


# Pacing has its own tests (test_resilience); elsewhere a self-imposed client limit only
# makes the suite slower, so the plain `store` lets its client run unpaced.
UNPACED = RateLimitSettings(1000, 1000)


@pytest.fixture
async def store(open_store: OpenStore) -> Store:
    """The platform's sandbox with no server-side limit, and an unpaced client for it."""
    return await open_store(rate_limit=UNPACED)
