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
# BigCommerce (2,000 orders, 15 a 3 s window): 10 a page is 200 calls over 13 windows.
PAGE_SIZE = {"shopify": 50, "woocommerce": 10, "magento": 10, "bigcommerce": 10}
# The client keeps one request of headroom below the platform's capacity (platforms/ratelimit),
# so "full" means within one more request of that ceiling.
FULL_MARGIN = 2.0
UNBOUNDED = (1e9, 1e9)  # a store without a request bucket (Shopify GraphQL counts points)


def saturated_at(
    stamps: list[float],
    capacity: float,
    leak: float,
    weights: list[float] | None = None,
    margin: float = FULL_MARGIN,
) -> int:
    """Index of the first request that found the server's bucket (nearly) full: from there
    on, the rate is the limit's, not the burst allowance's. Each request fills it by 1, or by
    its weight (a GraphQL document's points)."""
    level, previous = 0.0, stamps[0] if stamps else 0.0
    for index, at in enumerate(stamps):
        level = max(0.0, level - (at - previous) * leak) + (weights[index] if weights else 1)
        previous = at
        if level >= capacity - margin:
            return index
    return len(stamps)


def points_figures(points: dict[str, Any]) -> dict[str, Any]:
    """A GraphQL store's budget use: points a second once its bucket is (nearly) empty, as a
    fraction of the plan's restore rate, and the THROTTLED answers (the goal: 0). Full means
    within two documents of the maximum: the client waits for a document's requested cost,
    which is about twice what it spends."""
    charges = points["charges"]
    stamps, spent = [c[0] for c in charges], [float(c[1]) for c in charges]
    maximum, rate = float(points["maximum"]), float(points["restore_rate"])
    margin = 2 * max(spent, default=0.0)
    start = saturated_at(stamps, maximum, rate, spent, margin)
    window = stamps[start:]
    steady = None
    if len(window) >= 10 and window[-1] > window[0]:
        steady = sum(spent[start + 1 :]) / (window[-1] - window[0])
    return {
        "limit": f"{maximum:g} points, {rate:g}/s ({points['plan']})",
        "leak_per_second": rate,
        "steady_points_per_s": None if steady is None else round(steady, 1),
        "steady_seconds": None if steady is None else round(window[-1] - window[0], 1),
        "points_spent": int(sum(spent)),
        "fraction": None if steady is None else round(steady / rate, 3),
        "throttled": int(points["throttled"]),
        "bound_by": "points bucket" if steady is not None else "latency (bucket never emptied)",
    }


def window_figures(windows: dict[str, Any]) -> dict[str, Any]:
    """A window-quota store's budget use (BigCommerce): requests served per window over the
    windows that closed after the first (which holds the walk's start, mid-window), as a
    fraction of the quota; the leaky-bucket saturation maths does not apply."""
    quota, window = int(windows["quota"]), float(windows["window"])
    full = list(windows["closed"])[1:]
    seconds = len(full) * window
    rate = sum(full) / seconds if seconds else None
    allowed = quota / window
    return {
        "limit": f"{quota} per {window:g} s window",
        "leak_per_second": round(allowed, 3),
        "steady_rps": None if rate is None else round(rate, 3),
        "steady_seconds": round(seconds, 1) if rate is not None else None,
        "fraction": None if rate is None else round(rate / allowed, 3),
        "windows": list(windows["closed"]),
        "bound_by": "window quota" if rate is not None else "latency (no full window)",
    }


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
    capacity, leak = store.raw["server_bucket"] or UNBOUNDED
    stamps = server["stamps"]
    rate = steady_rate(stamps, capacity, leak)
    steady_from = saturated_at(stamps, capacity, leak)
    steady_s = stamps[-1] - stamps[steady_from] if rate is not None else None
    saturated = rate is not None
    if rate is None and len(stamps) > 1 and stamps[-1] > stamps[0]:
        # the walk never filled the bucket: it was latency-bound, report its overall rate
        rate = (len(stamps) - 1) / (stamps[-1] - stamps[0])
    row: dict[str, Any] = {
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
    if server.get("points"):  # Admin GraphQL: its budget is points, not requests
        row.update(points_figures(server["points"]))
    if server.get("windows"):  # a quota per time window, not a bucket
        row.update(window_figures(server["windows"]))
    return row


async def backfill(
    session: aiohttp.ClientSession, gw: GatewayProcess, stores: list[StoreInfo]
) -> list[dict[str, Any]]:
    """The request-bucket stores at once (separate stores, separate buckets), then the Admin
    GraphQL ones: executing their documents keeps the sandboxes' one process busy enough to
    slow the others' answers, which would then measure that process, not their buckets."""
    points = [s for s in stores if _graphql(s)]
    requests = [s for s in stores if not _graphql(s)]
    rows = list(await asyncio.gather(*(backfill_one(session, gw, s) for s in requests)))
    rows += await asyncio.gather(*(backfill_one(session, gw, s) for s in points))
    return [next(r for r in rows if r["store"] == s.id) for s in stores]


def _graphql(store: StoreInfo) -> bool:
    """A Shopify store on Admin GraphQL (the default API): its budget is points."""
    return store.platform == "shopify" and store.raw["options"].get("api") != "rest"
