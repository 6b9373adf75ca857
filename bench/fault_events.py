"""The fault run's events: orders under webhook and API faults and a kill, one subscriber."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bench.fault_gateway import RestartableGateway
from bench.procs import StoreInfo
from bench.ws import Subscriber

SUBSCRIPTION = """subscription ($stores: [ID!], $after: String) {
  orderEvents(storeIds: $stores, after: $after) {
    id cursor type storeId order { externalId updatedAt }
  }
}"""
# what happens to an order after checkout; at most one refund, so each type is due once
PATHS = (
    (),
    ("update",),
    ("cancel",),
    ("fulfill",),
    ("refund",),
    ("partial_refund",),
    ("update", "cancel"),
    ("fulfill", "refund"),
)
DUE = {
    "cancel": "ORDER_CANCELLED",
    "fulfill": "ORDER_FULFILLED",
    "refund": "REFUND_CREATED",
    "partial_refund": "REFUND_CREATED",
}
WEBHOOK_FAULTS = {"duplicate": 0.3, "reorder": 0.3, "drop": 0.3, "delay_ms": [0, 150]}


@dataclass
class Received:
    """Every event the subscriber got, in arrival order, across reconnections."""

    events: list[dict[str, Any]] = field(default_factory=list)

    def add(self, _: float, data: dict[str, Any]) -> None:
        self.events.append(data["orderEvents"])

    @property
    def cursor(self) -> str | None:
        return self.events[-1]["cursor"] if self.events else None


@dataclass
class Script:
    """One placed order and the events its changes make due."""

    store: str
    order: str
    due: list[str]


async def _post(session: aiohttp.ClientSession, url: str, body: Any) -> tuple[int, Any]:
    async with session.post(url, json=body) as resp:
        return resp.status, await resp.json(content_type=None)


async def _subscribe(
    session: aiohttp.ClientSession, gw: RestartableGateway, stores: list[str], into: Received
) -> Subscriber:
    url = gw.url.replace("http://", "ws://") + "/graphql"
    variables = {"stores": stores, "after": into.cursor}  # resumes where the last one stopped
    subscriber = Subscriber(session, url, SUBSCRIPTION, variables, into.add)
    await subscriber.start()
    return subscriber


async def _run_order(
    session: aiohttp.ClientSession, store: StoreInfo, path: tuple[str, ...], rng: random.Random
) -> Script:
    status, body = await _post(session, f"{store.url}/_sandbox/orders", {})
    assert status == 201, (status, body)
    order = body.get("order", body)
    ident = str(order.get("id", order.get("entity_id")))
    due = ["ORDER_CREATED"]
    for action, pause in [(a, rng.uniform(0.2, 1.5)) for a in path]:
        await asyncio.sleep(pause)
        status, _ = await _post(session, f"{store.url}/_sandbox/orders/{ident}", {"action": action})
        if status == 200 and action in DUE:
            due.append(DUE[action])
    return Script(store.id, ident, due)


async def _drive(
    session: aiohttp.ClientSession,
    stores: list[StoreInfo],
    orders: int,
    seconds: float,
    rng: random.Random,
) -> list[Script]:
    """`orders` scripted orders per store, started at seeded times over `seconds`."""
    plans = [
        (store, rng.choice(PATHS), rng.uniform(0, seconds), random.Random(rng.random()))
        for store in stores
        for _ in range(orders)
    ]

    async def one(store: StoreInfo, path: tuple[str, ...], at: float, own: random.Random) -> Script:
        await asyncio.sleep(at)
        return await _run_order(session, store, path, own)

    return list(await asyncio.gather(*(one(*plan) for plan in plans)))


async def measure(
    session: aiohttp.ClientSession,
    gw: RestartableGateway,
    stores: list[StoreInfo],
    plan: Any,
    rng: random.Random,
) -> dict[str, dict[str, int]]:
    """Drive the orders with one kill halfway, wait for every due event, count per store."""
    ids = [s.id for s in stores]
    for index, store in enumerate(stores):
        hook = {
            "url": f"{gw.url}/webhooks/{store.id}",
            "secret": store.raw["credentials"]["webhook_secret"],
            "seed": plan.seed * 100 + index,
            **WEBHOOK_FAULTS,
        }
        await _post(session, f"{store.url}/_sandbox/webhooks", hook)  # 404: polling only
    received = Received()
    subscriber = await _subscribe(session, gw, ids, received)
    driving = asyncio.create_task(_drive(session, stores, plan.orders, plan.event_seconds, rng))
    await asyncio.sleep(plan.event_seconds * rng.uniform(0.3, 0.6))
    await gw.kill_and_restart()
    await subscriber.close()
    subscriber = await _subscribe(session, gw, ids, received)
    scripts = await driving
    await _until_due(received, scripts, plan.event_wait_seconds)
    await subscriber.close()
    return {store: _figures(store, scripts, received.events) for store in ids}


async def _until_due(received: Received, scripts: list[Script], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    due = {(s.store, s.order, t) for s in scripts for t in s.due}
    while time.monotonic() < deadline:
        seen = {(e["storeId"], e["order"]["externalId"], e["type"]) for e in received.events}
        if due <= seen:
            return
        await asyncio.sleep(0.25)


def _figures(store: str, scripts: list[Script], events: list[dict[str, Any]]) -> dict[str, int]:
    """Missed, duplicated and out-of-order events of one store's scripted orders."""
    ours = {s.order: s for s in scripts if s.store == store}
    by_order: dict[str, list[dict[str, Any]]] = defaultdict(list)
    ids: Counter[str] = Counter()
    for event in events:
        if event["storeId"] == store and event["order"]["externalId"] in ours:
            by_order[event["order"]["externalId"]].append(event)
            ids[event["id"]] += 1
    figures: Counter[str] = Counter(orders=len(ours), due=sum(len(s.due) for s in ours.values()))
    figures["received"] = sum(ids.values())
    figures["duplicated"] = sum(n - 1 for n in ids.values())
    for order, script in ours.items():
        got = by_order.get(order, [])
        kinds = Counter(e["type"] for e in {e["id"]: e for e in got}.values())
        figures["missed"] += sum(1 for t in script.due if not kinds[t])
        # each due type happens once to these orders; more than one event of it is a repeat
        figures["duplicated"] += sum(max(0, kinds[t] - 1) for t in set(script.due))
        figures["out_of_order"] += _out_of_order(got)
    return dict(figures)


def _out_of_order(events: list[dict[str, Any]]) -> int:
    """Events that arrived after a newer version of their order, or before its creation."""
    types = [e["type"] for e in events]
    created = types.index("ORDER_CREATED") if "ORDER_CREATED" in types else 0
    count, newest = created, ""  # a missing creation is counted as missed, not here
    for event in events:
        stamp = event["order"]["updatedAt"]
        count += stamp < newest
        newest = max(newest, stamp)
    return count
