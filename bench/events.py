"""Event latency (table 4a): sandbox order -> webhook -> gateway -> N WebSocket subscribers."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import aiohttp

from bench.load import percentile
from bench.procs import AUTH_HEADERS, GatewayProcess, StoreInfo
from bench.ws import Subscriber

SUBSCRIPTION = """subscription ($stores: [ID!]) {
  orderEvents(storeIds: $stores, types: [ORDER_CREATED]) {
    id type recordedAt
    order { externalId number totalPrice { amount currencyCode } }
  }
}"""
CONNECT_AT_ONCE = 50  # WebSocket handshakes in flight at a time while subscribing
EVENT_WAIT = 30.0  # one event not reaching every subscriber by then ends the level


@dataclass(frozen=True)
class EventPlan:
    """Subscriber counts, orders placed per count, and the scenario's time box."""

    levels: tuple[tuple[int, int], ...]  # (subscribers, orders placed and measured)
    seconds: float


@dataclass
class _Arrivals:
    """Receive times (wall clock) and recordedAt per order, as the subscribers saw them."""

    by_order: dict[str, list[float]] = field(default_factory=dict)
    recorded: dict[str, float] = field(default_factory=dict)

    def add(self, received: float, data: dict[str, Any]) -> None:
        event = data["orderEvents"]
        order = str(event["order"]["externalId"])
        self.by_order.setdefault(order, []).append(received)
        self.recorded[order] = datetime.fromisoformat(event["recordedAt"]).timestamp()

    async def all_of(self, order: str, count: int, seconds: float) -> bool:
        """Wait until `count` subscribers have the order's event (False at the deadline)."""
        deadline = time.monotonic() + seconds
        while len(self.by_order.get(order, ())) < count:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.002)
        return True


async def _place(session: aiohttp.ClientSession, store: StoreInfo) -> str:
    async with session.post(store.url + "/_sandbox/orders", json={}) as resp:
        resp.raise_for_status()
        return str((await resp.json())["order"]["id"])


async def _subscribe(
    session: aiohttp.ClientSession, gw: GatewayProcess, store: StoreInfo, n: int, into: _Arrivals
) -> list[Subscriber]:
    url = gw.url.replace("http://", "ws://") + "/graphql"
    subs = [
        Subscriber(session, url, SUBSCRIPTION, {"stores": [store.id]}, into.add) for _ in range(n)
    ]
    for start in range(0, n, CONNECT_AT_ONCE):
        await asyncio.gather(*(s.start() for s in subs[start : start + CONNECT_AT_ONCE]))
    return subs


async def _level(
    session: aiohttp.ClientSession,
    gw: GatewayProcess,
    store: StoreInfo,
    subscribers: int,
    orders: int,
    deadline: float,
) -> dict[str, Any]:
    """One subscriber count: connect, prove every subscription live, then time `orders`."""
    gw.reset_peak_rss()
    arrivals = _Arrivals()
    subs = await _subscribe(session, gw, store, subscribers, arrivals)
    row: dict[str, Any] = {"subscribers": subscribers, "orders": 0, "complete": True}
    try:
        # the first order only proves every subscription is registered (not measured)
        if not await arrivals.all_of(await _place(session, store), subscribers, EVENT_WAIT):
            return {**row, "complete": False, "note": "subscriptions never all went live"}
        ingest: list[float] = []
        end_to_end: list[float] = []
        cpu_before = gw.cpu_seconds()
        for _ in range(orders):
            if time.monotonic() > deadline:
                row["complete"] = False
                break
            placed_at = time.time()
            order = await _place(session, store)
            if not await arrivals.all_of(order, subscribers, EVENT_WAIT):
                row["complete"] = False
                break
            times = arrivals.by_order[order]
            ingest += [(t - arrivals.recorded[order]) * 1000 for t in times]
            end_to_end += [(t - placed_at) * 1000 for t in times]
            row["orders"] += 1
        # CPU, unlike latency, does not grow when another process holds the shared cores
        cpu_ms = (gw.cpu_seconds() - cpu_before) * 1000
        row["cpu_ms_per_event"] = round(cpu_ms / row["orders"], 2) if row["orders"] else None
        row.update(_stats("ingest", ingest), **_stats("e2e", end_to_end))
        row["deliveries"] = len(ingest)
        row["errors"] = sum(len(s.errors) for s in subs)
        row["peak_rss_mib"] = round(gw.peak_rss_mib(), 1)
        return row
    finally:
        await asyncio.gather(*(s.close() for s in subs))


def _stats(name: str, samples: list[float]) -> dict[str, float | None]:
    if not samples:
        return {f"{name}_p50_ms": None, f"{name}_p99_ms": None}
    return {
        f"{name}_p50_ms": round(percentile(samples, 50), 2),
        f"{name}_p99_ms": round(percentile(samples, 99), 2),
    }


async def measure(gw: GatewayProcess, store: StoreInfo, plan: EventPlan) -> list[dict[str, Any]]:
    """Every subscriber count in turn against one gateway receiving the store's webhooks."""
    deadline = time.monotonic() + plan.seconds
    # 1,000 sockets: aiohttp's default pool of 100 connections would queue the rest.
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(headers=AUTH_HEADERS, connector=connector) as session:
        hook = {
            "url": f"{gw.url}/webhooks/{store.id}",
            "secret": store.raw["credentials"]["webhook_secret"],
        }
        async with session.post(store.url + "/_sandbox/webhooks", json=hook) as resp:
            resp.raise_for_status()
        rows = []
        for subscribers, orders in plan.levels:
            if time.monotonic() > deadline:
                rows.append({"subscribers": subscribers, "complete": False, "note": "time box"})
                continue
            rows.append(await _level(session, gw, store, subscribers, orders, deadline))
        return rows
