"""`python -m bench.sandboxes`: the benchmark's sandbox stores in their own process.

Prints one JSON line describing every served store (platform, URL, the sandbox's own demo
credentials, purpose) once all of them accept connections, then serves until killed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import web

from platforms.adapter import RateLimitSettings
from platforms.registry import get_spec
from platforms.sandbox.kit import CONTROL_PREFIX, Sandbox, serve
from platforms.shopify.sandbox.graphql_throttle import CostPlan

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
BENCH_ROUTE = f"{CONTROL_PREFIX}/bench"
SHOPIFY_STANDARD = RateLimitSettings(40, 2)
SELF_LIMIT = RateLimitSettings(20, 10)  # WooCommerce's and Magento's self-imposed default
# BigCommerce's Standard plan (150 requests a 30 s window) compressed 10x: 15 a 3 s window, so
# the backfill's 200 pages run at the quota's pace for 40 s, over 13 windows
BC_STANDARD = RateLimitSettings(15, 5)
REST = (("api", "rest"),)  # a Shopify store on the legacy Admin REST API
WEBHOOK_SECRET = "bench-webhook-secret"  # noqa: S105 - signs the bench sandbox's own webhooks
# a read store's GraphQL points, lifted like the REST stores' buckets: answers report this plan,
# which the clients adopt, so tables 1-2 measure the gateway, not the points bucket
LIFTED_POINTS = CostPlan("lifted (bench)", 1_000_000.0, 1_000_000.0)


@dataclass(frozen=True)
class StorePlan:
    """One sandbox store to serve: platform, seed data size, server-side bucket, purpose."""

    store_id: str
    platform: str
    purpose: str  # "read" (tables 1-2), "backfill" (3), "events" or "writes" (4), "faults"
    orders: int
    products: int
    bucket: RateLimitSettings | None = None
    options: tuple[tuple[str, str], ...] = ()  # the store's `options` (Shopify: api = rest)
    graphql_plan: str | None = None  # Shopify's GraphQL points plan (default: Standard)


WRITE_STORES = {"shop-writes": "shopify", "woo-writes": "woocommerce", "mage-writes": "magento"}
FULL = (
    StorePlan("shop-a", "shopify", "read", 1200, 300),
    StorePlan("shop-a-rest", "shopify", "read", 1200, 300, options=REST),  # same seed, REST
    StorePlan("woo-a", "woocommerce", "read", 600, 150),
    StorePlan("mage-a", "magento", "read", 600, 150),
    StorePlan("bc-a", "bigcommerce", "read", 600, 150),
    # Shopify's backfill over Admin GraphQL (points: the Standard plan, 1,000 and 100 a
    # second, so the 200 pages bind on the bucket for minutes) and over REST (requests)
    StorePlan("shop-backfill", "shopify", "backfill", 10_000, 300, graphql_plan="standard"),
    StorePlan("shop-backfill-rest", "shopify", "backfill", 10_000, 300, SHOPIFY_STANDARD, REST),
    StorePlan("woo-backfill", "woocommerce", "backfill", 2000, 150, SELF_LIMIT),
    StorePlan("mage-backfill", "magento", "backfill", 2000, 150, SELF_LIMIT),
    StorePlan("bc-backfill", "bigcommerce", "backfill", 2000, 150, BC_STANDARD),
    StorePlan("shop-events", "shopify", "events", 40, 20),
    *(StorePlan(s, p, "writes", 40, 60) for s, p in WRITE_STORES.items()),
)
QUICK = (
    StorePlan("shop-a", "shopify", "read", 120, 40),
    StorePlan("shop-a-rest", "shopify", "read", 120, 40, options=REST),
    StorePlan("woo-a", "woocommerce", "read", 80, 30),
    StorePlan("mage-a", "magento", "read", 80, 30),
    StorePlan("bc-a", "bigcommerce", "read", 80, 30),
    StorePlan("shop-backfill", "shopify", "backfill", 300, 40, graphql_plan="standard"),
    StorePlan("shop-backfill-rest", "shopify", "backfill", 300, 40, SHOPIFY_STANDARD, REST),
    StorePlan("woo-backfill", "woocommerce", "backfill", 120, 30, SELF_LIMIT),
    StorePlan("mage-backfill", "magento", "backfill", 120, 30, SELF_LIMIT),
    StorePlan("bc-backfill", "bigcommerce", "backfill", 120, 30, BC_STANDARD),
    StorePlan("shop-events", "shopify", "events", 20, 10),
    *(StorePlan(s, p, "writes", 20, 20) for s, p in WRITE_STORES.items()),
)
# the fault run's own stores (`--only faults`): chaos, kills and a ledger of their writes
FAULTS = (
    StorePlan("shop-faults", "shopify", "faults", 40, 40),
    StorePlan("woo-faults", "woocommerce", "faults", 40, 60),
    StorePlan("mage-faults", "magento", "faults", 40, 60),
)
# the multi-replica run's stores (`--only replicas`): Shopify's real bucket to share, a store
# whose webhooks go to one replica, the write stores, and the fault run's stores
REPLICAS = (
    StorePlan("shop-budget", "shopify", "budget", 40, 20, SHOPIFY_STANDARD),
    StorePlan("shop-fanout", "shopify", "events", 20, 10),
    *(StorePlan(s, p, "writes", 40, 60) for s, p in WRITE_STORES.items()),
    *FAULTS,
)
PROFILES = {"full": FULL, "quick": QUICK, "faults": FAULTS, "replicas": REPLICAS}


class Stamps:
    """Arrival times of the API requests a sandbox accepted (for steady-state rates)."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def middleware(self) -> Callable[..., Awaitable[web.StreamResponse]]:
        """Innermost middleware: runs only for requests every outer check let through."""

        @web.middleware
        async def stamp(request: web.Request, handler: Handler) -> web.StreamResponse:
            if not request.path.startswith(CONTROL_PREFIX):
                self.times.append(time.monotonic())
            return await handler(request)

        return stamp


def _instrument(sandbox: Sandbox) -> None:
    """Add the bench's control routes: accepted-request stamps and server-side 429 counts."""
    stamps = Stamps()
    sandbox.app.middlewares.append(stamps.middleware())

    async def report(_: web.Request) -> web.Response:
        bucket = getattr(sandbox, "bucket", None)
        rejected = bucket.rejected if bucket is not None else 0
        found: dict[str, Any] = {"stamps": stamps.times, "rejected": rejected}
        if bucket is not None and hasattr(bucket, "closed"):  # a window quota (BigCommerce)
            found["windows"] = {
                "quota": bucket.quota,
                "window": bucket.window,
                "closed": list(bucket.closed),
            }
        graphql = getattr(sandbox, "graphql", None)
        if graphql is not None and graphql.charges:  # a GraphQL store: what it spent, in points
            plan = graphql.bucket.plan
            found["points"] = {
                "charges": list(graphql.charges),
                "throttled": graphql.bucket.throttled,
                "maximum": plan.maximum,
                "restore_rate": plan.restore_rate,
                "plan": plan.name,
            }
        return web.json_response(found)

    async def reset(_: web.Request) -> web.Response:
        stamps.times.clear()
        bucket = getattr(sandbox, "bucket", None)
        if bucket is not None:
            bucket.rejected = 0
            if hasattr(bucket, "closed"):
                bucket.closed.clear()
        graphql = getattr(sandbox, "graphql", None)
        if graphql is not None:
            graphql.charges.clear()
            graphql.bucket.throttled = 0
        return web.json_response({"ok": True})

    sandbox.app.router.add_get(BENCH_ROUTE, report)
    sandbox.app.router.add_post(f"{BENCH_ROUTE}/reset", reset)


def _describe(plan: StorePlan, sandbox: Sandbox, url: str) -> dict[str, Any]:
    conn = sandbox.connection(plan.store_id, url)
    return {
        "id": plan.store_id,
        "platform": plan.platform,
        "purpose": plan.purpose,
        "url": url,
        "name": conn.name,
        "currency": conn.currency_code,
        "api_version": conn.api_version,
        # the sandboxes' public demo credentials; the harness hands them over as env refs.
        "credentials": _credentials(plan, dict(conn.credentials)),
        "options": {**conn.options, **dict(plan.options)},
        "orders": _listable_orders(sandbox),
        "server_bucket": (
            None if plan.bucket is None else [plan.bucket.capacity, plan.bucket.leak_per_second]
        ),
    }


def _credentials(plan: StorePlan, found: dict[str, str]) -> dict[str, str]:
    if plan.purpose in ("events", "faults"):
        found["webhook_secret"] = WEBHOOK_SECRET  # the gateway verifies the sandbox's signature
    return found


def _listable_orders(sandbox: Sandbox) -> int:
    """Orders the platform's list endpoint serves (WooCommerce never lists trashed ones)."""
    seeded: Any = sandbox  # every sandbox keeps its seed in `.state`; the protocol omits it
    orders = seeded.state.orders
    rows = orders.values() if isinstance(orders, dict) else orders
    return sum(1 for o in rows if not (isinstance(o, dict) and o.get("status") == "trash"))


async def run(profile: str) -> None:
    """Serve every store of the profile, print their description, wait for a signal."""
    async with contextlib.AsyncExitStack() as stack:
        described = []
        for plan in PROFILES[profile]:
            more = {"graphql_plan": plan.graphql_plan} if plan.graphql_plan else {}
            sandbox = get_spec(plan.platform).create_sandbox(
                seed=7 if plan.purpose == "backfill" else 1,
                orders=plan.orders,
                products=plan.products,
                bucket=plan.bucket,
                **more,
            )
            if plan.purpose == "read":
                _lift_points(sandbox)
            _instrument(sandbox)
            url = await stack.enter_async_context(serve(sandbox.app))
            described.append(_describe(plan, sandbox, url))
        sys.stdout.write(orjson.dumps({"stores": described}).decode() + "\n")
        sys.stdout.flush()
        await _until_signal()


def _lift_points(sandbox: Sandbox) -> None:
    graphql = getattr(sandbox, "graphql", None)  # Shopify's Admin GraphQL endpoint
    if graphql is not None:
        graphql.bucket.switch(LIFTED_POINTS)
        graphql.bucket.enforce = False


async def _until_signal() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


def main() -> None:
    """Entry point of the sandbox process."""
    parser = argparse.ArgumentParser(prog="python -m bench.sandboxes", description=__doc__)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="full")
    asyncio.run(run(parser.parse_args().profile))


if __name__ == "__main__":
    main()
