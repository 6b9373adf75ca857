"""Seeded random faults for every sandbox (`/_sandbox/chaos`) and a ledger of applied writes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# The platform's own error answer for a status (its real 429/503 body shape).
Respond = Callable[[int], web.StreamResponse]

BEFORE = ("429", "503", "drop")  # fail without running the handler
AFTER = ("503", "drop", "timeout")  # run the handler (the write lands), then fail the answer
# One roll per request picks at most one fault; the ranges follow this order, so each kind
# happens at its own configured rate (not a rate conditional on the kinds before it).
KINDS = (*(f"before_apply.{k}" for k in BEFORE), "late_apply", *(f"after_apply.{k}" for k in AFTER))
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# A sandbox may say what a request does where its HTTP method cannot: a GraphQL POST that only
# queries reads ("GET"), one that mutates writes ("POST"). Chaos's `methods` and the ledger
# then treat it as such.
# (A typed RequestKey from aiohttp 3.14 on, which warns about plain keys; a plain key before.)
_key: Any = getattr(web, "RequestKey", lambda name, _type: name)
EFFECTIVE_METHOD: Any = _key("sandbox.effective_method", str)
# A sandbox may also say that a 2xx write changed nothing (a GraphQL mutation answering
# userErrors or THROTTLED, or the first result again for a known idempotency key): the
# ledger lists applied writes only.
APPLIED: Any = _key("sandbox.applied", bool)
LEDGER_SIZE = 100_000
RECENT_FAULTS = 1000  # (request number, kind) pairs kept for GET: a seed's run is comparable
HOLD_POLL_SECONDS = 0.02


def _range(value: Any, name: str) -> tuple[int, int]:
    low, high = (int(v) for v in value)
    if not 0 <= low <= high:
        raise ValueError(f"{name} must be [min, max] with 0 <= min <= max")
    return low, high


def _rates(body: Mapping[str, Any], kinds: tuple[str, ...], name: str) -> dict[str, float]:
    given = body.get(name) or {}
    unknown = set(given) - set(kinds)
    if unknown:
        raise ValueError(f"{name} takes {', '.join(kinds)}, not {', '.join(sorted(unknown))}")
    return {kind: float(given.get(kind, 0.0)) for kind in kinds}


@dataclass(frozen=True)
class ChaosConfig:
    """What to inject, per eligible API request; probabilities sum to at most 1."""

    seed: int = 1
    before_apply: Mapping[str, float] = field(default_factory=dict)
    after_apply: Mapping[str, float] = field(default_factory=dict)
    late_probability: float = 0.0
    late_delay_ms: tuple[int, int] = (500, 5000)
    latency_ms: tuple[int, int] = (0, 0)
    methods: frozenset[str] | None = None  # None: every method
    retry_after: float = 1.0  # seconds, in the 429's Retry-After
    hold_ms: int = 60_000  # a "timeout" holds the answer until the client leaves, at most this

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> ChaosConfig:
        """From the control route's JSON; ValueError/TypeError when malformed."""
        late = body.get("late_apply") or {}
        methods = body.get("methods")
        config = cls(
            seed=int(body.get("seed", 1)),
            before_apply=_rates(body, BEFORE, "before_apply"),
            after_apply=_rates(body, AFTER, "after_apply"),
            late_probability=float(late.get("probability", 0.0)),
            late_delay_ms=_range(late.get("delay_ms", (500, 5000)), "late_apply.delay_ms"),
            latency_ms=_range(body.get("latency_ms", (0, 0)), "latency_ms"),
            methods=None if methods is None else frozenset(str(m).upper() for m in methods),
            retry_after=float(body.get("retry_after", 1.0)),
            hold_ms=int(body.get("hold_ms", 60_000)),
        )
        rates = config.rates()
        if any(not 0.0 <= p <= 1.0 for p in rates) or sum(rates) > 1.0 + 1e-9:
            raise ValueError("probabilities must be in [0, 1] and sum to at most 1")
        return config

    def rates(self) -> tuple[float, ...]:
        """The probability of each kind, in `KINDS` order."""
        before = tuple(self.before_apply.get(k, 0.0) for k in BEFORE)
        after = tuple(self.after_apply.get(k, 0.0) for k in AFTER)
        return (*before, self.late_probability, *after)

    def to_json(self) -> dict[str, Any]:
        """The configuration as `POST /_sandbox/chaos` takes it."""
        return {
            "seed": self.seed,
            "before_apply": dict(self.before_apply),
            "after_apply": dict(self.after_apply),
            "late_apply": {"probability": self.late_probability, "delay_ms": self.late_delay_ms},
            "latency_ms": self.latency_ms,
            "methods": sorted(self.methods) if self.methods is not None else None,
            "retry_after": self.retry_after,
            "hold_ms": self.hold_ms,
        }


@dataclass(frozen=True)
class Draw:
    """One request's seeded draws: its latency, its fault (or None) and a late delay."""

    latency: float
    fault: str | None
    late_delay: float

    @classmethod
    def take(cls, rng: random.Random, config: ChaosConfig) -> Draw:
        """Always three draws, so one request's outcome never shifts the next one's."""
        latency, roll, delay = rng.random(), rng.random(), rng.random()
        fault, edge = None, 0.0
        for kind, rate in zip(KINDS, config.rates(), strict=True):
            edge += rate
            if roll < edge:
                fault = kind
                break
        low, high = config.latency_ms
        late_low, late_high = config.late_delay_ms
        return cls(
            (low + latency * (high - low)) / 1000,
            fault,
            (late_low + delay * (late_high - late_low)) / 1000,
        )


@dataclass
class Ledger:
    """Every API write whose handler answered 2xx, in the order they were applied."""

    entries: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=LEDGER_SIZE))
    _seq: int = 0

    def record(self, request: web.Request, raw: bytes, status: int, fault: str | None) -> None:
        """Note one applied write (its route, path, JSON body and the fault around it)."""
        self._seq += 1
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        self.entries.append(
            {
                "seq": self._seq,
                "at": time.time(),
                "method": request.method,
                "route": _route(request),
                "path": request.path,
                "body": body,
                "status": status,
                "fault": fault,
                "clientGone": _gone(request),
            }
        )

    def since(self, seq: int) -> list[dict[str, Any]]:
        """Entries after `seq` (0: all kept)."""
        return [e for e in self.entries if e["seq"] > seq]


def method_of(request: web.Request) -> str:
    """What the request does: its HTTP method, unless the sandbox said otherwise."""
    return str(request.get(EFFECTIVE_METHOD, request.method))


def _route(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return f"{request.method} {resource.canonical if resource is not None else request.path}"


def _gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


async def _until_gone(request: web.Request, seconds: float) -> None:
    """Hold until the client hangs up (its timeout), at most `seconds`."""
    # aiohttp has no per-request "client left" event to wait on, so poll the transport
    for _ in range(max(1, round(seconds / HOLD_POLL_SECONDS))):
        if _gone(request):
            return
        await asyncio.sleep(HOLD_POLL_SECONDS)


def _drop(request: web.Request) -> web.StreamResponse:
    """Close the connection; the answer returned is never written (aiohttp sees the closed
    transport and drops it quietly, where raising would log a traceback per drop)."""
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=503)


class Chaos:
    """The sandbox's chaos switch; `handle` runs inside the kit's fault middleware."""

    def __init__(self) -> None:
        self.config: ChaosConfig | None = None
        self.ledger = Ledger()
        self._rng = random.Random(1)
        self._reset_counts()
        self._late: set[asyncio.Task[web.StreamResponse]] = set()

    def _reset_counts(self) -> None:
        self.requests = 0
        self.injected: Counter[str] = Counter()
        self.by_route: dict[str, Counter[str]] = {}
        self.late_applied = 0
        self.recent: deque[tuple[int, str]] = deque(maxlen=RECENT_FAULTS)

    def configure(self, config: ChaosConfig) -> None:
        """Turn chaos on (or change it): a fresh seeded generator and fresh counts."""
        self.config = config
        self._rng = random.Random(config.seed)
        self._reset_counts()

    def disable(self) -> None:
        """Turn chaos off; counts stay readable, held late writes still land."""
        self.config = None

    def report(self) -> dict[str, Any]:
        """What `GET /_sandbox/chaos` answers."""
        config = self.config
        return {
            "enabled": config is not None,
            "seed": config.seed if config is not None else None,
            "config": config.to_json() if config is not None else None,
            "requests": self.requests,
            "injected": {kind: self.injected[kind] for kind in KINDS},
            "byRoute": {route: dict(counts) for route, counts in self.by_route.items()},
            "recent": [list(pair) for pair in self.recent],
            "lateApplied": self.late_applied,
            "latePending": len(self._late),
        }

    def _eligible(self, request: web.Request) -> bool:
        config = self.config
        return config is not None and (
            config.methods is None or method_of(request) in config.methods
        )

    def _count(self, request: web.Request, kind: str) -> None:
        self.injected[kind] += 1
        self.recent.append((self.requests, kind))
        self.by_route.setdefault(_route(request), Counter())[kind] += 1

    async def handle(
        self, request: web.Request, handler: Handler, respond: Respond
    ) -> web.StreamResponse:
        """Run one API request through chaos (when on) and the ledger."""
        config = self.config
        if config is None or not self._eligible(request):
            return await self._apply(request, handler, None)
        draw = Draw.take(self._rng, config)  # before any await: draws follow arrival order
        self.requests += 1
        self.by_route.setdefault(_route(request), Counter())["requests"] += 1
        if draw.fault is not None:
            self._count(request, draw.fault)
        if draw.latency:
            await asyncio.sleep(draw.latency)
        if draw.fault is None:
            return await self._apply(request, handler, None)
        if draw.fault.startswith("before_apply."):
            return self._refuse(request, draw.fault, respond, config)
        if draw.fault == "late_apply":
            return await self._late_apply(request, handler, draw.late_delay)
        await self._apply(request, handler, draw.fault)
        return await self._fail_answer(request, draw.fault, respond, config)

    async def _apply(
        self, request: web.Request, handler: Handler, fault: str | None
    ) -> web.StreamResponse:
        response = await handler(request)
        applied = request.get(APPLIED, True)
        if method_of(request) not in READ_METHODS and 200 <= response.status < 300 and applied:
            # the handler has read (and aiohttp cached) the body; this is no second read
            self.ledger.record(request, await request.read(), response.status, fault)
        return response

    def _refuse(
        self, request: web.Request, fault: str, respond: Respond, config: ChaosConfig
    ) -> web.StreamResponse:
        if fault.endswith(".drop"):
            return _drop(request)
        status = int(fault.rpartition(".")[2])
        response = respond(status)
        if status == 429:
            response.headers["Retry-After"] = f"{config.retry_after:g}"
        return response

    async def _late_apply(
        self, request: web.Request, handler: Handler, delay: float
    ) -> web.StreamResponse:
        # Read the body while the client is still there: the handler runs after it has gone.
        await request.read()

        async def later() -> web.StreamResponse:
            try:
                await asyncio.sleep(delay)
                response = await self._apply(request, handler, "late_apply")
                self.late_applied += 1
                return response
            finally:
                # in the same step as the count: a done-callback runs a loop turn later, and
                # a report read between the two showed the write both applied and pending
                self._late.discard(task)

        task = asyncio.get_running_loop().create_task(later())
        self._late.add(task)
        task.add_done_callback(self._late.discard)  # also when cancelled before it started
        # shielded: a cancelled request handler (client gone) must not cancel the write
        return await asyncio.shield(task)

    async def _fail_answer(
        self, request: web.Request, fault: str, respond: Respond, config: ChaosConfig
    ) -> web.StreamResponse:
        if fault == "after_apply.503":
            return respond(503)
        if fault == "after_apply.timeout":
            await _until_gone(request, config.hold_ms / 1000)
        return _drop(request)

    async def aclose(self) -> None:
        """Cancel held late writes (the sandbox is shutting down)."""
        for task in list(self._late):
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*self._late, return_exceptions=True)


def add_chaos_routes(app: web.Application, chaos: Chaos, prefix: str) -> None:
    """`POST/GET/DELETE {prefix}/chaos` and `GET {prefix}/ledger?since=N`."""

    async def configure(request: web.Request) -> web.Response:
        try:
            body = await request.json()
            if not isinstance(body, dict):
                raise TypeError("body must be a JSON object")
            config = ChaosConfig.from_json(body)
        except (TypeError, ValueError, AttributeError) as exc:
            return web.json_response({"error": f"bad chaos config: {exc}"}, status=400)
        chaos.configure(config)
        return web.json_response(chaos.report())

    async def disable(_: web.Request) -> web.Response:
        chaos.disable()
        return web.json_response(chaos.report())

    async def report(_: web.Request) -> web.Response:
        return web.json_response(chaos.report())

    async def ledger(request: web.Request) -> web.Response:
        since = int(request.query.get("since", "0"))
        return web.json_response({"entries": chaos.ledger.since(since)})

    async def close(_: web.Application) -> None:
        await chaos.aclose()

    app.router.add_post(f"{prefix}/chaos", configure)
    app.router.add_delete(f"{prefix}/chaos", disable)
    app.router.add_get(f"{prefix}/chaos", report)
    app.router.add_get(f"{prefix}/ledger", ledger)
    app.on_cleanup.append(close)
