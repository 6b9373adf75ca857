"""Live fan-out between replicas through Redis: a webhook received by replica C reaches a
subscriber on replica A at once, with the periodic re-read of the log turned off, so only
the Redis message can have woken A's tail (the log is still what A publishes from)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import aiohttp

from gateway.app import create_app
from gateway.events.service import EventService
from gateway.server import running
from gateway.shared.state import RedisShared
from gateway.stores import CacheTTLs, StoreRegistry
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import ShopifySandbox
from tests.gateway.events.conftest import (
    MANY,
    ORDER_EVENTS,
    SECRET,
    placed_id,
    subscription,
    take,
    with_secrets,
)
from tests.helpers.auth import AUTH_HEADERS, admin_gate

NEVER = 3600.0  # the tails' safety-net re-read: off for this test


async def test_a_webhook_on_one_replica_reaches_a_subscriber_on_another(
    tmp_path: Path, redis_url: str, redis_prefix: str
) -> None:
    sandbox = ShopifySandbox(seed=1, orders=10, products=5, bucket=None)
    async with contextlib.AsyncExitStack() as stack:
        base = await stack.enter_async_context(serve(sandbox.app))
        conn = with_secrets(sandbox.connection("shop", base), SECRET)
        replicas: list[tuple[str, EventService, RedisShared]] = []
        for _ in range(2):  # A and C: one data dir (one event log), one Redis
            shared = RedisShared.connect(redis_url, redis_prefix)
            registry = StoreRegistry([conn], ttls=CacheTTLs(0, 0), shared=shared)
            service = EventService.open(registry, tmp_path / "data", wakeups=shared.wakeups())
            service.log.tail_seconds = NEVER
            app = create_app(registry, events=service, auth=admin_gate(), budgets=MANY)
            replicas.append((await stack.enter_async_context(running(app)), service, shared))
        (url_a, service_a, _), (url_c, _, _) = replicas
        session = await stack.enter_async_context(aiohttp.ClientSession(headers=AUTH_HEADERS))
        control = f"{base}/_sandbox"
        hook = {"url": f"{url_c}/webhooks/shop", "secret": SECRET}
        async with session.post(f"{control}/webhooks", json=hook) as resp:
            assert resp.status < 300
        ws_a = url_a.replace("http://", "ws://") + "/graphql"
        async with subscription(
            ws_a,
            ORDER_EVENTS,
            {"stores": ["shop"]},
            subscribed=lambda: service_a.bus.subscriber_count == 1,
        ) as events_on_a:
            async with session.post(f"{control}/orders", json={}) as resp:
                placed = placed_id(await resp.json())
            [event] = await take(events_on_a, 1)
        woken_a = service_a.sink.wakeups

    assert event["orderEvents"]["order"]["externalId"] == placed
    assert event["orderEvents"]["source"] == "WEBHOOK"
    assert woken_a is not None and woken_a.received >= 1  # type: ignore[attr-defined]
