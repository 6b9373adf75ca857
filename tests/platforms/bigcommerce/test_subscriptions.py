"""`cartgraph webhooks sync` for BigCommerce: `/v3/hooks` created once per scope, repaired
when moved or deactivated, and deliveries to them signed with the app's client secret."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from platforms.bigcommerce import SPEC
from platforms.bigcommerce.client import BigCommerceClient
from platforms.bigcommerce.sandbox import BigCommerceSandbox
from platforms.bigcommerce.sandbox.subscriptions import CLIENT_SECRET
from platforms.bigcommerce.subscriptions import TOPICS, sync_subscriptions
from platforms.bigcommerce.webhooks import BigCommerceWebhooks
from platforms.sandbox.kit import serve


@pytest.fixture
async def store() -> AsyncIterator[tuple[BigCommerceSandbox, BigCommerceClient]]:
    sandbox = BigCommerceSandbox(seed=1, orders=10, products=5)
    async with serve(sandbox.app) as url:
        client = SPEC.create_client(sandbox.connection("bc", url), None)
        assert isinstance(client, BigCommerceClient)
        try:
            yield sandbox, client
        finally:
            await client.aclose()


async def test_sync_creates_once_repairs_and_deliveries_are_signed(
    store: tuple[BigCommerceSandbox, BigCommerceClient],
) -> None:
    sandbox, client = store
    got: list[bool] = []
    adapter = BigCommerceWebhooks()

    async def receive(request: web.Request) -> web.Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        got.append(adapter.verify(headers, await request.read(), [CLIENT_SECRET]))
        return web.Response(status=202)

    receiver = web.Application()
    receiver.router.add_post("/webhooks/bc", receive)
    async with serve(receiver) as base:
        address = f"{base}/webhooks/bc"
        first = await sync_subscriptions(client, address, None)
        again = await sync_subscriptions(client, address, None)
        book = sandbox.subscriptions
        hook = book.find(topic="store/order/statusUpdated")[0]
        hook.active = False
        repaired = await sync_subscriptions(client, address, None)

        assert [c.action for c in first] == ["created"] * len(TOPICS)
        assert {c.action for c in again} == {"unchanged"}
        assert [c.topic for c in repaired if c.action == "repaired"] == [hook.topic]
        assert sorted(s.topic for s in book.items.values()) == TOPICS  # never a second one

        sandbox.storefront.change_order(min(sandbox.state.orders), "cancel")
        await sandbox.webhooks.sender.drain()
    await asyncio.sleep(0)
    assert got == [True]  # the one subscribed scope delivered, signed with the client secret
