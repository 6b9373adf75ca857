"""Inventory levels and their locations: the locations listing runs alongside the levels."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable

from aiohttp import web

from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import ShopifySandbox
from tests.conftest import StartGateway

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

NESTED = """{ orders(first: 10) { edges { node { lineItems { variant { id
  inventoryLevels { available location { id name } } } } } } } }"""


def _recorder(seen: list[str]) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """A sandbox middleware noting when each levels/locations request starts and ends; levels
    answers are held back a little so that "alongside" and "after" cannot look alike."""

    @web.middleware
    async def record(request: web.Request, handler: Handler) -> web.StreamResponse:
        name = request.path.rsplit("/", 1)[-1]
        if name not in ("inventory_levels.json", "locations.json"):
            return await handler(request)
        seen.append(f"start {name}")
        if name == "inventory_levels.json":
            await asyncio.sleep(0.3)
        try:
            return await handler(request)
        finally:
            seen.append(f"end {name}")

    return record


async def test_locations_are_listed_alongside_the_levels_not_after(
    start_gateway: StartGateway,
) -> None:
    sandbox = ShopifySandbox(seed=1, orders=30, products=20, bucket=None)
    seen: list[str] = []
    sandbox.app.middlewares.append(_recorder(seen))
    async with serve(sandbox.app) as url:
        rest = dataclasses.replace(sandbox.connection("shop-a", url), options={"api": "rest"})
        gw = await start_gateway([rest])  # REST: locations and levels are separate requests
        data = await gw.data(NESTED)
    levels = [
        level
        for edge in data["orders"]["edges"]
        for line in edge["node"]["lineItems"]
        if line["variant"]
        for level in line["variant"]["inventoryLevels"]
    ]
    assert levels and all(level["location"]["name"] for level in levels)
    # one listing, started while the (held) levels request was still open: no extra round trip
    assert seen.count("start locations.json") == 1
    assert seen.index("start locations.json") < seen.index("end inventory_levels.json")


async def test_levels_without_location_list_no_locations(start_gateway: StartGateway) -> None:
    sandbox = ShopifySandbox(seed=1, orders=30, products=20, bucket=None)
    async with serve(sandbox.app) as url:
        gw = await start_gateway([sandbox.connection("shop-a", url)])
        sandbox.calls.reset()
        await gw.data(NESTED.replace("location { id name }", ""))
    assert not any(route.endswith("locations.json") for route in sandbox.calls.by_route)
