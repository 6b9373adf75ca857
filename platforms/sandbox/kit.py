"""Shared machinery for platform sandboxes: call counting, fault injection, throttling, serving."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from aiohttp import web

from platforms.adapter import StoreConnection
from platforms.sandbox.chaos import Chaos, add_chaos_routes
from platforms.sandbox.scenario import Scenario

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ErrorBody = Callable[[int, str], Any]

CONTROL_PREFIX = "/_sandbox"

# The seeds' shared "now": every platform's newest order changes up to this instant, so the
# demo's stores interleave by updated_at instead of one platform's orders all coming first.
SEED_NOW = datetime(2026, 6, 30, 16, 0, tzinfo=UTC)


def spread_update(created: datetime, delta: timedelta, longest: timedelta) -> datetime:
    """A seeded order's update time: `created + delta`, or, when that would pass SEED_NOW, the
    same fraction (delta / longest) of the way from `created` to SEED_NOW, so recent orders
    keep distinct update times instead of all piling up at the cap. Draws no randomness, so
    the rest of a seed is unchanged; whole seconds, like the platforms' stamps."""
    updated = created + delta
    if updated > SEED_NOW:
        updated = created + (SEED_NOW - created) * (delta / longest)
    return min(updated, SEED_NOW).replace(microsecond=0)


class Sandbox(Protocol):
    """A local emulator of one platform store's REST API."""

    app: web.Application
    calls: CallCounter
    faults: Faults

    def connection(self, store_id: str, base_url: str) -> StoreConnection:
        """A store connection (with credentials this sandbox accepts) for a served sandbox."""
        ...

    def facts(self) -> SandboxFacts:
        """Ground truth of the seeded store, in canonical ids, for the contract suite."""
        ...

    def seed_scenario(self, scenario: Scenario) -> str:
        """Add `scenario` (platforms/sandbox/scenario.py) as a new order in this platform's
        own payload shape, refund included; returns the order's external id. The
        conformance suite seeds the same scenario into every platform and compares."""
        ...

    def corrupt_order(self, external_id: str) -> str:
        """Test fault: break one field of this order's payload (as a buggy plugin or data
        migration might) so that reads meet a payload that cannot be mapped; returns the
        field's name (its names, `|`-separated, when the sandbox serves APIs that spell it
        differently). Listing, sorting and filtering keep working."""
        ...


@dataclass(frozen=True)
class SandboxFacts:
    """What a sandbox serves, in canonical external ids: the contract suite's ground truth.

    `orders` and `products` are exactly what unfiltered `list_orders` / `list_products`
    must walk; `levels` names the locations where each inventory item has a stock record.
    """

    orders: Mapping[str, datetime]  # order id -> updated_at (aware, UTC)
    products: Mapping[str, tuple[str, ...]]  # product id -> its variant ids
    inventory_items: Mapping[str, str]  # variant id -> inventory item id
    levels: Mapping[str, frozenset[str]]  # inventory item id -> location ids with a level
    locations: tuple[str, ...]

    @property
    def variants(self) -> dict[str, str]:
        """Variant id -> parent product id."""
        return {v: p for p, variants in self.products.items() for v in variants}


@dataclass
class CallCounter:
    """Counts API requests by route pattern ("GET /admin/api/{version}/orders.json")."""

    by_route: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        """All API requests counted since the last reset."""
        return sum(self.by_route.values())

    def reset(self) -> None:
        """Forget what was counted."""
        self.by_route.clear()


@dataclass
class Faults:
    """Scripted misbehaviour, consumed one request at a time, then seeded chaos (if on)."""

    statuses: list[int] = field(default_factory=list)
    drops: int = 0
    delay_seconds: float = 0.0
    retry_after: float = 0.2
    chaos: Chaos = field(default_factory=Chaos)  # untouched by clear(): its own routes

    def fail_next(self, *statuses: int) -> None:
        """Answer the next requests with these statuses, in order."""
        self.statuses.extend(statuses)

    def drop_next(self, count: int) -> None:
        """Close the connection without an answer on the next `count` requests."""
        self.drops += count

    def clear(self) -> None:
        """Back to normal behaviour."""
        self.statuses.clear()
        self.drops = 0
        self.delay_seconds = 0.0


class ServerBucket:
    """The platform's own leaky bucket, as the server enforces it."""

    def __init__(self, capacity: float, leak_per_second: float) -> None:
        self.capacity = capacity
        self.leak_per_second = leak_per_second
        self.level = 0.0
        self._at = time.monotonic()
        self.rejected = 0

    def _leak(self) -> None:
        now = time.monotonic()
        self.level = max(0.0, self.level - (now - self._at) * self.leak_per_second)
        self._at = now

    def try_take(self) -> bool:
        """Count one request; False (and nothing counted) when the bucket is full."""
        self._leak()
        if self.level + 1 > self.capacity:
            self.rejected += 1
            return False
        self.level += 1
        return True

    def seconds_until_free(self) -> float:
        """How long until one more request fits."""
        self._leak()
        return max(0.0, (self.level + 1 - self.capacity) / self.leak_per_second)

    @property
    def used(self) -> int:
        """Whole requests in the bucket, as platforms report it."""
        self._leak()
        return round(self.level)


def counting_middleware(counter: CallCounter) -> Callable[..., Awaitable[web.StreamResponse]]:
    """Count every API request by its route pattern (control routes excluded)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(CONTROL_PREFIX):
            resource = request.match_info.route.resource
            pattern = resource.canonical if resource is not None else request.path
            counter.by_route[f"{request.method} {pattern}"] += 1
        return await handler(request)

    return middleware


def fault_middleware(
    faults: Faults, error_body: ErrorBody
) -> Callable[..., Awaitable[web.StreamResponse]]:
    """Apply scripted faults before the real handler runs, then chaos around it."""

    def respond(status: int) -> web.StreamResponse:
        return web.json_response(error_body(status, _REASONS.get(status, "Error")), status=status)

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path.startswith(CONTROL_PREFIX):
            return await handler(request)
        if faults.delay_seconds:
            await asyncio.sleep(faults.delay_seconds)
        if faults.drops:
            faults.drops -= 1
            if request.transport is not None:
                request.transport.close()
            raise ConnectionResetError("sandbox dropped the connection on purpose")
        if faults.statuses:
            status = faults.statuses.pop(0)
            headers = {"Retry-After": f"{faults.retry_after:g}"} if status == 429 else {}
            response = respond(status)
            response.headers.update(headers)
            return response
        return await faults.chaos.handle(request, handler, respond)

    return middleware


_REASONS = {
    429: (
        "Exceeded 2 calls per second for api client. "
        "Reduce request rates to resume uninterrupted service."
    ),
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    422: "Unprocessable Entity",
}


def add_control_routes(app: web.Application, calls: CallCounter, faults: Faults) -> None:
    """Routes tests and the benchmark use from other processes; outside the platform's API."""

    async def get_calls(_: web.Request) -> web.Response:
        return web.json_response({"total": calls.total, "byRoute": dict(calls.by_route)})

    async def reset_calls(_: web.Request) -> web.Response:
        calls.reset()
        return web.json_response({"total": 0})

    async def set_faults(request: web.Request) -> web.Response:
        body = await request.json()
        faults.clear()
        faults.fail_next(*[int(s) for s in body.get("fail", [])])
        faults.drop_next(int(body.get("drop", 0)))
        faults.delay_seconds = float(body.get("delay", 0.0))
        return web.json_response({"ok": True})

    app.router.add_get(f"{CONTROL_PREFIX}/calls", get_calls)
    app.router.add_post(f"{CONTROL_PREFIX}/calls/reset", reset_calls)
    app.router.add_post(f"{CONTROL_PREFIX}/faults", set_faults)
    add_chaos_routes(app, faults.chaos, CONTROL_PREFIX)


@contextlib.asynccontextmanager
async def serve(app: web.Application, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Serve `app` on a real socket; yields its base URL ("http://127.0.0.1:PORT")."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    server = site._server
    assert server is not None
    sockets = getattr(server, "sockets", None) or []
    bound = sockets[0].getsockname()[1] if sockets else port
    try:
        yield f"http://{host}:{bound}"
    finally:
        await runner.cleanup()
