"""A store's rate budget is shared fairly between callers: a one-call read of caller B is
served within the next couple of slots even behind 200 queued calls of caller A.

Measured by the order in which the sandbox receives the requests, not by time."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Awaitable, Callable

from aiohttp import web

from platforms.adapter import RateLimitSettings, VariantKey
from platforms.ratelimit import CallScope, current_scope
from platforms.sandbox.kit import serve
from platforms.shopify import ShopifyClient
from platforms.shopify.sandbox.app import ShopifySandbox

HEAVY = 200  # made-up variant ids: one `variants/{id}.json` call each


def recording(received: list[str]) -> Callable[..., Awaitable[web.StreamResponse]]:
    @web.middleware
    async def middleware(
        request: web.Request, handler: Callable[..., Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        received.append(request.path)
        return await handler(request)

    return middleware


async def in_scope(identity: str, work: Awaitable[object]) -> object:
    current_scope.set(CallScope(identity))  # this task's own context
    return await work


async def heavy_calls_before_light(heavy_caller: str, light_caller: str) -> int:
    """How many of the heavy caller's calls the sandbox received before the light read."""
    received: list[str] = []
    sandbox = ShopifySandbox(seed=1, orders=10, products=10, bucket=None)
    sandbox.app.middlewares.append(recording(received))
    async with contextlib.AsyncExitStack() as stack:
        url = await stack.enter_async_context(serve(sandbox.app))
        # 1 call in the bucket, 100 per second: 200 calls queue up behind each other.
        conn = sandbox.connection("fair", url)
        client = ShopifyClient(dataclasses.replace(conn, rate_limit=RateLimitSettings(2, 100)))
        stack.push_async_callback(client.aclose)
        keys = [VariantKey(str(900_000_000 + i)) for i in range(HEAVY)]
        heavy = asyncio.create_task(in_scope(heavy_caller, client.get_variants(keys)))
        while len(received) < 2:  # noqa: ASYNC110 (the heavy calls are queued in the bucket)
            await asyncio.sleep(0.005)
        light = asyncio.create_task(in_scope(light_caller, client.list_locations()))
        await asyncio.gather(heavy, light)
    return next(i for i, path in enumerate(received) if path.endswith("/locations.json"))


async def test_one_heavy_caller_cannot_starve_a_one_call_read_of_another() -> None:
    # finding: a one-call read waited 78 s behind a 200-id request (first come, first served).
    same_queue = await heavy_calls_before_light("anonymous", "anonymous")
    fair = await heavy_calls_before_light("caller-a", "caller-b")

    assert same_queue >= HEAVY - 5  # one caller's calls stay first come, first served
    assert fair <= 4  # B waits for at most a couple of A's slots
