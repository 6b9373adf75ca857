"""Amazon events (issue 19 item 7): EventBridge API-destination deliveries at
POST /webhooks/{storeId}, authenticated by the connection's API-key header (constant-time),
ORDER_CHANGE read back by id and FBA_INVENTORY_AVAILABILITY_CHANGES as stock, deduplicated
by NotificationId and by object version."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

import aiohttp
import orjson
import pytest

from gateway.app import create_app
from gateway.events.log import EventFilter
from gateway.events.service import EventService
from gateway.server import running
from gateway.stores import CacheTTLs, StoreRegistry
from platforms.amazon.webhooks import API_KEY_HEADER, AmazonWebhooks
from platforms.events import EventType
from platforms.webhooks import WebhookMappingError
from tests.helpers.auth import admin_gate
from tests.platforms.amazon.conftest import UNPACED, Served

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "realworld" / "amazon"
KEY = "eb-api-key-0123456789"


def envelope(detail: object) -> bytes:
    return orjson.dumps(
        {
            "version": "0",
            "id": "e-1",
            "detail-type": "ORDER_CHANGE",
            "source": "aws.partner/sellingpartnerapi.amazon.com/x",
            "detail": detail,
        }
    )


def test_the_api_key_is_checked_and_amazons_example_notification_parses() -> None:
    adapter = AmazonWebhooks()
    notification = json.loads((FIXTURES / "notification_OrderChangeNotification.json").read_text())
    body = envelope(notification)

    assert adapter.verify({API_KEY_HEADER: KEY}, body, ["old-key", KEY])
    assert not adapter.verify({API_KEY_HEADER: KEY[:-1]}, body, [KEY])
    assert not adapter.verify({}, body, [KEY])
    delivery = adapter.parse({}, body, store_id="s", currency="USD")
    assert delivery.delivery_id == "d0e9e693-c3ad-4373-979f-ed4ec98dd746"
    assert (delivery.topic, delivery.refetch_order_ids) == (
        "ORDER_CHANGE",
        ("903-8868176-2219830",),
    )
    broken = {**notification, "Payload": {}}
    with pytest.raises(WebhookMappingError):
        adapter.parse({}, envelope(broken), store_id="s", currency="USD")


async def _events(service: EventService, count: int) -> list[object]:
    for _ in range(200):
        events = await service.log.read_after(0, EventFilter())
        if len(events) >= count:
            return list(events)
        await asyncio.sleep(0.02)
    return list(await service.log.read_after(0, EventFilter()))


async def test_eventbridge_deliveries_become_events_once(served: Served, tmp_path: Path) -> None:
    conn = dataclasses.replace(
        served.connection,
        rate_limit=UNPACED,
        credentials={**served.connection.credentials, "webhook_secret": KEY},
    )
    registry = StoreRegistry([conn], ttls=CacheTTLs(products=0, locations=0))
    service = EventService.open(registry, tmp_path / "data")
    async with (
        running(create_app(registry, events=service, auth=admin_gate())) as url,
        aiohttp.ClientSession() as http,
    ):
        plan = {"url": f"{url}/webhooks/amz", "secret": KEY, "duplicate": 1.0}
        async with http.post(f"{conn.base_url}/_sandbox/webhooks", json=plan) as resp:
            assert resp.status == 200
        placed = served.sandbox.storefront.place_order()
        fba = sorted(served.sandbox.state.fba["ATVPDKIKX0DER"])[0]
        async with http.post(
            f"{conn.base_url}/_sandbox/fba/{fba}", json={"fulfillable": 7}
        ) as resp:
            assert resp.status == 200
        await served.sandbox.notifier.sender.drain()
        events = await _events(service, 3)
        bad = {**plan, "secret": "wrong", "duplicate": 0.0}
        async with http.post(f"{conn.base_url}/_sandbox/webhooks", json=bad) as resp:
            assert resp.status == 200
        served.sandbox.notifier.order_changed(placed["orderId"])
        record = served.sandbox.notifier.sender.records[-1]
        for _ in range(100):  # the first answer is enough (the sender retries a 401 later)
            if record.statuses:
                break
            await asyncio.sleep(0.02)
        refused = list(record.statuses)
        await served.sandbox.notifier.sender.aclose()

    kinds = sorted((e.type, e.object_id) for e in events)  # type: ignore[attr-defined]
    assert (EventType.ORDER_CREATED, placed["orderId"]) in kinds
    stock = [k for k in kinds if k[0] is EventType.INVENTORY_CHANGED]
    assert {k[1] for k in stock} == {f"{fba}:fba-ATVPDKIKX0DER", f"{fba}:fba-A2EUQ1WTGCTBG2"}
    # every delivery came twice: deduplicated by NotificationId (and by object version)
    assert len(kinds) == len(set(kinds)) == 2 + len([k for k in kinds if k[1] == placed["orderId"]])
    assert refused and set(refused) == {401}
