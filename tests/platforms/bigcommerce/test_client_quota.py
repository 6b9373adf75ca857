"""The client's window quota against the sandbox's, over real sockets: it learns the plan from
the headers, spends the window without a 429, waits Time-Reset-Ms after another app's overrun,
and backs off a 429 that carries no quota headers."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import pytest

from platforms.adapter import RateLimitSettings, StoreConnection
from platforms.bigcommerce import SPEC
from platforms.bigcommerce.client import BigCommerceClient
from platforms.bigcommerce.client_quota import WindowQuota
from platforms.bigcommerce.sandbox import BigCommerceSandbox
from platforms.sandbox.kit import serve

Open = Callable[..., Awaitable[tuple[BigCommerceSandbox, BigCommerceClient]]]


@pytest.fixture
async def open_store() -> AsyncIterator[Open]:
    clients: list[BigCommerceClient] = []
    async with contextlib.AsyncExitStack() as stack:

        async def start(
            plan: RateLimitSettings, **conn: Any
        ) -> tuple[BigCommerceSandbox, BigCommerceClient]:
            sandbox = SPEC.create_sandbox(seed=3, orders=40, products=12, bucket=plan)
            url = await stack.enter_async_context(serve(sandbox.app))
            connection: StoreConnection = dataclasses.replace(sandbox.connection("q", url), **conn)
            client = SPEC.create_client(connection, None)
            assert isinstance(client, BigCommerceClient)
            assert isinstance(sandbox, BigCommerceSandbox)
            clients.append(client)
            return sandbox, client

        yield start
        for client in clients:
            await client.aclose()


def quota(client: BigCommerceClient) -> WindowQuota:
    bucket = client.transport.bucket
    assert isinstance(bucket, WindowQuota)
    return bucket


async def test_a_backfill_spends_the_windows_quota_without_a_429(open_store: Open) -> None:
    # 20 requests a 0.5 s window; the client is told a Standard plan (150 / 30 s) and must
    # not believe it
    sandbox, client = await open_store(RateLimitSettings(20, 40))
    started = time.monotonic()

    await asyncio.gather(*(client.list_locations() for _ in range(60)))

    elapsed = time.monotonic() - started
    assert sandbox.bucket.rejected == 0
    assert sandbox.bucket.served == 60
    assert (quota(client).quota, quota(client).window_seconds) == (20, 0.5)  # from the headers
    # 60 requests are 3 windows' quota: the third opens after two have passed, so the client
    # used every request of each window it paced through (>= 95 %), none wasted waiting
    assert 1.0 <= elapsed < 1.0 + 0.45


async def test_another_apps_overrun_is_waited_out_for_time_reset_ms(open_store: Open) -> None:
    sandbox, client = await open_store(RateLimitSettings(10, 20), max_attempts=2)
    order = min(sandbox.facts().orders)
    await client.get_orders([order])  # the window is open, and known
    async with aiohttp.ClientSession() as http:  # another app spends what is left
        url = client.connection.base_url + "/_sandbox/quota"
        async with http.post(url, json={"other_apps": 9}) as answer:
            assert (await answer.json())["used"] == 10
    quota(client)._left = 5  # our view lags behind: the store's 429 must correct it
    started = time.monotonic()

    assert set(await client.get_orders([order])) == {order}

    waited = time.monotonic() - started
    assert sandbox.bucket.rejected == 1  # one 429, then the wait, then success
    assert 0.2 < waited < 0.9  # Time-Reset-Ms of a 0.5 s window, not a blind backoff


async def test_a_429_without_quota_headers_is_overload_backed_off(open_store: Open) -> None:
    sandbox, client = await open_store(RateLimitSettings(100, 200))
    order = min(sandbox.facts().orders)
    sandbox.faults.retry_after = 0.05
    sandbox.faults.fail_next(429, 429)

    assert set(await client.get_orders([order])) == {order}
    assert sandbox.calls.total == 3
    assert sandbox.bucket.rejected == 0  # the quota was never the reason


async def test_the_plan_is_read_from_the_headers(open_store: Open) -> None:
    _, client = await open_store(RateLimitSettings(450, 15))  # Pro: 450 / 30 s
    await client.list_locations()
    assert (quota(client).quota, quota(client).window_seconds) == (450, 30.0)
    assert quota(client).level == 1.0
