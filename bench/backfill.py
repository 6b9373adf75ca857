"""Rate-budget use (table 3): walk every order page of a rate-limited sandbox store."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp

from bench.load import graphql
from bench.procs import GatewayProcess, StoreInfo
from bench.queries import BACKFILL

# Shopify: 10,000 orders at 50 a page is 200 calls, ~40 in the first burst and ~160 at the
# leak rate: 80 s of steady state to measure the rate against (100 a page left ~30 s).
# WooCommerce and Magento (2,000 orders, 10/s): 10 a page is 200 calls, ~18 s at the limit,
# long enough that the bucket's last couple of requests of fill do not inflate the rate.
PAGE_SIZE = {"shopify": 50, "woocommerce": 10, "magento": 10}
# The client keeps one request of headroom below the platform's capacity (platforms/ratelimit),
# so "full" means within one more request of that ceiling.
FULL_MARGIN = 2.0


def saturated_at(stamps: list[float], capacity: float, leak: float) -> int:
    """Index of the first request that found the server's bucket (nearly) full: from there
    on, the rate is the limit's, not the burst allowance's."""
    level, previous = 0.0, stamps[0] if stamps else 0.0
    for index, at in enumerate(stamps):
        level = max(0.0, level - (at - previous) * leak) + 1
        previous = at
        if level >= capacity - FULL_MARGIN:
            return index
    return len(stamps)


def steady_rate(stamps: list[float], capacity: float, leak: float) -> float | None:
    """Requests/s once the bucket is saturated (None if the run never saturated it for at
    least 10 requests): the rate a long backfill settles at."""
    start = saturated_at(stamps, capacity, leak)
    window = stamps[start:]
    if len(window) < 10 or window[-1] <= window[0]:
        return None
    return (len(window) - 1) / (window[-1] - window[0])


async def _walk(session: aiohttp.ClientSession, url: str, store: StoreInfo) -> tuple[int, int]:
    """Every page, in order; returns (pages, distinct orders seen)."""
    seen: set[str] = set()
    pages = 0
    after: str | None = None
    first = PAGE_SIZE[store.platform]
    while True:
        variables = {"storeIds": [store.id], "first": first, "after": after}
        page = (await graphql(session, url, BACKFILL, variables))["orders"]
        pages += 1
        seen.update(e["node"]["id"] for e in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            return pages, len(seen)
        after = page["pageInfo"]["endCursor"]


async def backfill_one(
    session: aiohttp.ClientSession, gw: GatewayProcess, store: StoreInfo
) -> dict[str, Any]:
    """Reset the store's counters, walk it, and read what its server-side bucket saw."""
    async with session.post(store.url + "/_sandbox/bench/reset") as resp:
        resp.raise_for_status()
    began = time.perf_counter()
    pages, seen = await _walk(session, gw.url + "/graphql", store)
    seconds = time.perf_counter() - began
    async with session.get(store.url + "/_sandbox/bench") as resp:
        server = await resp.json()
    capacity, leak = store.raw["server_bucket"]
    stamps = server["stamps"]
    rate = steady_rate(stamps, capacity, leak)
    steady_from = saturated_at(stamps, capacity, leak)
    steady_s = stamps[-1] - stamps[steady_from] if rate is not None else None
    saturated = rate is not None
    if rate is None and len(stamps) > 1 and stamps[-1] > stamps[0]:
        # the walk never filled the bucket: it was latency-bound, report its overall rate
        rate = (len(stamps) - 1) / (stamps[-1] - stamps[0])
    return {
        "store": store.id,
        "platform": store.platform,
        "limit": f"{capacity:g} burst, {leak:g}/s",
        "leak_per_second": leak,
        "orders": store.orders,
        "orders_seen": seen,
        "page_size": PAGE_SIZE[store.platform],
        "pages": pages,
        "upstream_calls": len(server["stamps"]) + server["rejected"],
        "seconds": round(seconds, 1),
        "steady_rps": None if rate is None else round(rate, 3),
        "steady_seconds": None if steady_s is None else round(steady_s, 1),
        "fraction": None if rate is None else round(rate / leak, 3),
        "throttled_429": server["rejected"],
        "bound_by": "bucket" if saturated else "latency (bucket never filled)",
    }


async def backfill(
    session: aiohttp.ClientSession, gw: GatewayProcess, stores: list[StoreInfo]
) -> list[dict[str, Any]]:
    """All backfill stores at once (separate stores, separate buckets)."""
    return list(await asyncio.gather(*(backfill_one(session, gw, s) for s in stores)))
