"""The shared transport under faults, over real sockets (issue 12): a dropped connection is never
re-sent with the same OAuth nonce, a replayed nonce is retryable, and any 429 pauses the store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from platforms.errors import RateLimitedError, RequestReplayedError, RetryableError
from platforms.http import CallContext, HttpTransport, Request, RetryPolicy
from platforms.sandbox.kit import serve
from platforms.woocommerce.auth import WooCommerceAuthenticator
from platforms.woocommerce.client import WooCommerceClient
from platforms.woocommerce.sandbox.app import WooCommerceSandbox
from tests.helpers.woocommerce import Served, served_sandbox

CTX = CallContext("woo1", "woocommerce", "test")


@pytest.fixture
async def hangs_up_once() -> AsyncIterator[tuple[str, list[str]]]:
    """A server that reads the first request and closes the connection without an answer
    (what aiohttp answers with its silent re-send), then answers 200; logs each nonce."""
    nonces: list[str] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        await request.read()
        nonces.append(request.query["oauth_nonce"])
        if len(nonces) == 1 and request.transport is not None:
            request.transport.close()
            raise ConnectionResetError("closed after receiving the request")
        return web.json_response({})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    async with serve(app) as url:
        yield url, nonces


@pytest.mark.parametrize("method", ["GET", "PUT"])
async def test_a_dropped_connection_is_never_resent_with_the_same_nonce(
    hangs_up_once: tuple[str, list[str]], method: str
) -> None:
    url, nonces = hangs_up_once
    sandbox = WooCommerceSandbox(seed=1, orders=5, products=5)
    conn = sandbox.connection("woo1", url)
    client = WooCommerceClient(conn, retry=RetryPolicy(3, 0.01, 0.02))
    request = Request(
        method, f"{url}/wp-json/wc/v3/products/1", json={} if method == "PUT" else None
    )
    try:
        if method == "GET":  # reads: our own retry, signed afresh
            await client.transport.request(request, CTX)
            assert len(nonces) == 2 and nonces[0] != nonces[1]
        else:  # writes: one send; the write queue reconciles before any other
            with pytest.raises(RetryableError):
                await client.transport.send_once(request, CTX)
            assert len(nonces) == 1
    finally:
        await client.aclose()


async def test_a_replayed_nonce_is_retryable_not_an_authentication_failure(woo: Served) -> None:
    conn = woo.sandbox.connection("woo1", woo.base_url)
    transport = HttpTransport(
        conn,
        authenticator=WooCommerceAuthenticator(
            conn.credentials["consumer_key"],
            conn.credentials["consumer_secret"],
            nonce=lambda: "n1",
        ),
        classifier=woo.client.transport.classifier,
        retry=RetryPolicy(1, 0.01, 0.02),
    )
    order = min(woo.sandbox.state.orders)
    request = Request("GET", f"{woo.base_url}/wp-json/wc/v3/orders/{order}")
    try:
        await transport.request(request, CTX)  # first use of nonce n1
        with pytest.raises(RequestReplayedError) as info:
            await transport.request(request, CTX)
    finally:
        await transport.aclose()
    assert info.value.retryable and info.value.status == 401
    assert "nonce has already been used" in info.value.message


@pytest.fixture
async def woo() -> AsyncIterator[Served]:
    async with served_sandbox(seed=1, orders=5, products=5) as running:
        running.sandbox.faults.retry_after = 30  # a 429's pause never ends during a test
        yield running


@pytest.mark.parametrize(
    ("kind", "attempts", "statuses"),
    [("write", 1, [429]), ("read", 1, [429]), ("read", 2, [503, 429])],
    ids=["write", "read-single-attempt", "read-last-attempt"],
)
async def test_any_429_pauses_the_whole_store_for_retry_after(
    woo: Served, kind: str, attempts: int, statuses: list[int]
) -> None:
    sandbox, url = woo.sandbox, woo.base_url
    client = WooCommerceClient(
        sandbox.connection("woo1", url), retry=RetryPolicy(attempts, 0.01, 10.0)
    )
    sandbox.faults.fail_next(*statuses)
    path = f"{url}/wp-json/wc/v3/products/{min(sandbox.state.products)}"
    try:
        with pytest.raises(RateLimitedError):
            if kind == "write":
                await client.transport.send_once(Request("PUT", path, json={}), CTX)
            else:
                await client.transport.request(Request("GET", path), CTX)
        bucket = client.transport.bucket
        assert bucket is not None and not bucket.has_capacity()  # paused store-wide
        sent = sandbox.calls.total
        order = str(min(sandbox.state.orders))
        other = asyncio.create_task(client.get_orders([order]))  # another caller's read
        await asyncio.sleep(0.05)
        assert not other.done() and sandbox.calls.total == sent == len(statuses)
        other.cancel()
    finally:
        await client.aclose()
