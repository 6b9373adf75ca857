"""Webhook delivery for sandboxes: at-least-once, with seeded delays, duplicates, reorder, drops."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from aiohttp import web

from platforms.sandbox.kit import CONTROL_PREFIX

# Headers for one delivery: (topic, raw body, delivery id, secret) -> headers.
HeaderBuilder = Callable[[str, bytes, str, str], Mapping[str, str]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# A storefront change: (order id, action) -> the changed order, None when there is no such order.
OrderChange = Callable[[int, str], Mapping[str, Any] | None]
ORDER_ACTIONS = ("update", "cancel", "fulfill", "refund", "partial_refund")
RETRY_DELAYS = (0.25, 0.5, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0)  # then the delivery is given up


class SandboxClock:
    """The sandbox's own clock: whole seconds, strictly increasing per sandbox.

    Platforms stamp `updated_at` to the second; two changes of one order within a second
    would share a version, so the sandbox never hands out the same second twice.
    """

    def __init__(self, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._now = now
        self._last: datetime | None = None

    def tick(self) -> datetime:
        """The next timestamp (UTC, microsecond 0)."""
        moment = self._now().astimezone(UTC).replace(microsecond=0)
        if self._last is not None and moment <= self._last:
            moment = self._last + timedelta(seconds=1)
        self._last = moment
        return moment


@dataclass
class DeliveryPlan:
    """Where and how deliveries go; probabilities are per delivery, draws are seeded."""

    url: str
    secret: str = field(repr=False)
    duplicate: float = 0.0
    reorder: float = 0.0
    drop: float = 0.0
    delay_ms: tuple[int, int] = (0, 0)
    seed: int = 1

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> DeliveryPlan:
        """From the control route's JSON; ValueError/TypeError/KeyError when malformed."""
        low, high = (int(v) for v in body.get("delay_ms", (0, 0)))
        plan = cls(
            url=str(body["url"]),
            secret=str(body["secret"]),
            duplicate=float(body.get("duplicate", 0.0)),
            reorder=float(body.get("reorder", 0.0)),
            drop=float(body.get("drop", 0.0)),
            delay_ms=(low, high),
            seed=int(body.get("seed", 1)),
        )
        for p in (plan.duplicate, plan.reorder, plan.drop):
            if not 0.0 <= p <= 1.0:
                raise ValueError("probabilities must be between 0 and 1")
        if not 0 <= low <= high:
            raise ValueError("delay_ms must be [min, max] with 0 <= min <= max")
        return plan


@dataclass
class DeliveryRecord:
    """What happened to one emitted webhook (tests and the control route read these)."""

    delivery_id: str
    topic: str
    dropped: bool = False
    copies: int = 1
    statuses: list[int] = field(default_factory=list)


class WebhookSender:
    """Signs and POSTs webhooks the way a platform does: asynchronously, at least once."""

    # pauses between attempts after a non-2xx (a platform with its own schedule sets its own)
    retry_delays: tuple[float, ...] = RETRY_DELAYS

    def __init__(self, build_headers: HeaderBuilder) -> None:
        self.build_headers = build_headers
        self.plan: DeliveryPlan | None = None
        self.records: list[DeliveryRecord] = []
        self._rng = random.Random(1)
        self._tasks: set[asyncio.Task[None]] = set()
        self._session: aiohttp.ClientSession | None = None
        # (address, secret) per topic of the subscriptions the platform API registered
        self.subscribed: Callable[[str], list[tuple[str, str]]] = lambda _: []

    def configure(self, plan: DeliveryPlan | None) -> None:
        """Start (or, with None, stop) sending; resets the seeded draws."""
        self.plan = plan
        self._rng = random.Random(plan.seed if plan else 1)

    def new_id(self) -> str:
        """A delivery id from the seeded generator (32 hex digits)."""
        return f"{self._rng.getrandbits(128):032x}"

    def emit(self, topic: str, body: bytes, delivery_id: str | None = None) -> None:
        """Schedule delivery of one webhook to the control route's plan (when configured,
        with its faults) and to every subscription to `topic` (one delivery id each)."""
        plan = self.plan
        if plan is not None:
            self._emit_to(plan, plan.url, plan.secret, topic, body, delivery_id)
        for url, secret in self.subscribed(topic):
            # the plan's faults apply to registered deliveries too (fault injection stays)
            faults = plan or DeliveryPlan(url, secret)
            self._emit_to(faults, url, secret, topic, body, None)

    def _emit_to(
        self,
        plan: DeliveryPlan,
        url: str,
        secret: str,
        topic: str,
        body: bytes,
        delivery_id: str | None,
    ) -> None:
        record = DeliveryRecord(delivery_id or self.new_id(), topic)
        self.records.append(record)
        if self._rng.random() < plan.drop:
            record.dropped = True
            return
        headers = dict(self.build_headers(topic, body, record.delivery_id, secret))
        copies = 2 if self._rng.random() < plan.duplicate else 1
        record.copies = copies
        for _ in range(copies):
            delay = self._rng.uniform(*plan.delay_ms) / 1000
            if self._rng.random() < plan.reorder:
                delay += (plan.delay_ms[1] + self._rng.uniform(100, 300)) / 1000
            self._spawn(self._deliver(url, headers, body, delay, record))

    def send_raw(self, url: str, body: bytes, headers: Mapping[str, str]) -> None:
        """POST arbitrary bytes once (pings, which carry no signature)."""
        self._spawn(self._deliver(url, dict(headers), body, 0.0, None))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(
        self,
        url: str,
        headers: dict[str, str],
        body: bytes,
        delay: float,
        record: DeliveryRecord | None,
    ) -> None:
        await asyncio.sleep(delay)
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
        for pause in (*self.retry_delays, None):
            status = 0
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with self._session.post(url, data=body, headers=headers) as resp:
                    status = resp.status
            if record is not None:
                record.statuses.append(status)
            if 200 <= status < 300 or pause is None:
                return
            await asyncio.sleep(pause)  # like the platforms: non-2xx is retried later

    async def drain(self) -> None:
        """Wait until every scheduled delivery finished (delivered or given up)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        """Cancel pending deliveries and close the HTTP session."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._session is not None:
            await self._session.close()


async def read_json(request: web.Request) -> dict[str, Any] | web.Response:
    """A control route's JSON object body, or a 400 answer."""
    try:
        body = await request.json() if request.can_read_body else {}
    except ValueError:
        return web.json_response({"error": "body is not JSON"}, status=400)
    if not isinstance(body, dict):
        return web.json_response({"error": "body must be a JSON object"}, status=400)
    return body


def order_change_route(
    change: OrderChange,
    *,
    not_found: Mapping[str, Any],
    actions: Collection[str] = ORDER_ACTIONS,
    error_key: str = "error",
    wrap: str | None = None,
) -> Handler:
    """`POST /_sandbox/orders/{id}` `{"action": …}` (default "update"): apply `change` and
    answer the order (as `{wrap: order}` when given); an unknown action is a 400 naming
    `actions` under `error_key`, an unknown order a 404 with `not_found`."""

    async def route(request: web.Request) -> web.StreamResponse:
        body = await read_json(request)
        if isinstance(body, web.Response):
            return body
        action = str(body.get("action", "update"))
        if action not in actions:
            message = f"action must be one of {actions}"
            return web.json_response({error_key: message}, status=400)
        order = change(int(request.match_info["id"]), action)
        if order is None:
            return web.json_response(not_found, status=404)
        return web.json_response({wrap: order} if wrap else order)

    return route


def add_sender_routes(
    app: web.Application,
    sender: WebhookSender,
    on_configure: Callable[[DeliveryPlan], None] | None = None,
) -> None:
    """`POST /_sandbox/webhooks` (configure; `{"url": null}` stops) and `GET` (records)."""

    async def configure(request: web.Request) -> web.StreamResponse:
        body = await read_json(request)
        if isinstance(body, web.Response):
            return body
        if body.get("url") is None:
            sender.configure(None)
            return web.json_response({"sending": False})
        try:
            plan = DeliveryPlan.from_json(body)
        except (KeyError, TypeError, ValueError) as exc:
            return web.json_response({"error": f"bad webhook plan: {exc}"}, status=400)
        sender.configure(plan)
        if on_configure is not None:
            on_configure(plan)
        return web.json_response({"sending": True})

    async def records(_: web.Request) -> web.Response:
        return web.json_response(
            [
                {
                    "deliveryId": r.delivery_id,
                    "topic": r.topic,
                    "dropped": r.dropped,
                    "copies": r.copies,
                    "statuses": r.statuses,
                }
                for r in sender.records
            ]
        )

    async def close(_: web.Application) -> None:
        await sender.aclose()

    app.router.add_post(f"{CONTROL_PREFIX}/webhooks", configure)
    app.router.add_get(f"{CONTROL_PREFIX}/webhooks", records)
    app.on_cleanup.append(close)
