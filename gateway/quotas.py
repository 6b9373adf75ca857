"""Per-caller budgets: token buckets of requests and of estimated upstream calls."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class BudgetSettings:
    """Upstream-cost limits (`[limits]` in the config); 0 turns a per-caller bucket off."""

    max_upstream_calls_per_request: int = 250
    max_list_argument: int = 250
    request_timeout_seconds: float = 30.0
    requests_per_second: float = 20.0
    request_burst: int = 40
    upstream_calls_per_minute: int = 1200
    max_ws_connections: int = 1000  # open sockets of this process (0 = no cap)
    max_ws_connections_per_key: int = 50  # per credential, of this process (0 = no cap)


class TokenBucket:
    """`capacity` tokens, refilled at `per_second`; takes all of an amount or none of it."""

    def __init__(
        self, capacity: float, per_second: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity, self.per_second, self._clock = capacity, per_second, clock
        self.tokens = capacity
        self._at = clock()

    def wait_for(self, amount: float) -> float:
        """Seconds until `amount` tokens are there (0: now). An amount over the capacity
        waits for a full bucket, so a request the per-request limit allows always fits."""
        self._refill()
        missing = min(amount, self.capacity) - self.tokens
        return 0.0 if missing <= 0 else missing / self.per_second

    def take(self, amount: float) -> None:
        """Spend `amount` tokens (after `wait_for` said 0)."""
        self._refill()
        self.tokens -= min(amount, self.capacity)

    def _refill(self) -> None:
        now = self._clock()
        self.tokens = min(self.capacity, self.tokens + (now - self._at) * self.per_second)
        self._at = now


@dataclass
class _Caller:
    requests: TokenBucket | None
    calls: TokenBucket | None


class CallerQuotas:
    """One pair of buckets per caller identity (the least recently seen are forgotten)."""

    MAX_CALLERS = 10_000  # a forgotten caller restarts with full buckets: bounded memory

    def __init__(
        self, settings: BudgetSettings, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.settings = settings
        self._clock = clock
        self._callers: OrderedDict[str, _Caller] = OrderedDict()

    def charge(self, identity: str, calls: int) -> float | None:
        """Take one request and `calls` upstream calls from the caller's buckets; when either
        is short, take nothing and return the seconds to wait (whole, at least 1)."""
        caller = self._caller(identity)
        needs = [(caller.requests, 1.0), (caller.calls, float(calls))]
        wait = max((b.wait_for(a) for b, a in needs if b is not None), default=0.0)
        if wait > 0:
            return float(max(1, math.ceil(wait)))
        for bucket, amount in needs:
            if bucket is not None:
                bucket.take(amount)
        return None

    def _caller(self, identity: str) -> _Caller:
        caller = self._callers.get(identity)
        if caller is None:
            caller = self._callers[identity] = self._new()
            while len(self._callers) > self.MAX_CALLERS:
                self._callers.popitem(last=False)
        self._callers.move_to_end(identity)
        return caller

    def _new(self) -> _Caller:
        s = self.settings
        requests = (
            TokenBucket(max(1, s.request_burst), s.requests_per_second, self._clock)
            if s.requests_per_second > 0
            else None
        )
        per_minute = s.upstream_calls_per_minute
        calls = TokenBucket(per_minute, per_minute / 60, self._clock) if per_minute > 0 else None
        return _Caller(requests, calls)
