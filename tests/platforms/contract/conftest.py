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

from platforms.adapter import RateLimitSettings
from platforms.registry import PlatformSpec, all_specs
from platforms.sandbox.kit import serve
from tests.platforms.contract.support import MISSING_ID, SIZE, OpenStore, Store


def _apis() -> list[tuple[PlatformSpec, str]]:
    return [(spec, api) for spec in all_specs() for api in spec.api_names()]


def _api_id(param: tuple[PlatformSpec, str]) -> str:
    spec, api = param
    return spec.platform.value if api == spec.default_api else f"{spec.platform.value}-{api}"


@pytest.fixture(params=_apis(), ids=_api_id)
def platform_api(request: pytest.FixtureRequest) -> tuple[PlatformSpec, str]:
    """Each registered platform in turn, once per API a store can select (Shopify: GraphQL,
    the default, and `api = "rest"`)."""
    param: tuple[PlatformSpec, str] = request.param
    return param


@pytest.fixture
def platform_spec(platform_api: tuple[PlatformSpec, str]) -> PlatformSpec:
    """The platform's spec as it describes the API under test."""
    spec, api = platform_api
    return spec.for_api(api)


@pytest.fixture
def api_options(platform_api: tuple[PlatformSpec, str]) -> dict[str, str]:
    """The connection options selecting the API under test ({} for the default)."""
    spec, api = platform_api
    return {} if api == spec.default_api else {"api": api}


@pytest.fixture
async def open_store(
    platform_spec: PlatformSpec, api_options: dict[str, str]
) -> AsyncIterator[OpenStore]:
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
            if api_options:
                options = {**connection.options, **api_options}
                connection = dataclasses.replace(connection, options=options)
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
