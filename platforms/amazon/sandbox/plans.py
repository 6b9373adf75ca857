"""Usage plans as Amazon enforces them: a token bucket per operation (rate, burst), refused
with 429 QuotaExceeded; every answer names its operation's rate in x-amzn-RateLimit-Limit."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from platforms.amazon.rest import PLANS

DEFAULT = (1.0, 5)


def plan_rate(operation: str) -> float:
    """An operation's published rate (requests per second)."""
    return PLANS.get(operation, DEFAULT)[0]


@dataclass
class TokenBucket:
    """`burst` tokens refilling at `rate` a second; a request takes one."""

    rate: float
    burst: float
    clock: Callable[[], float]
    tokens: float = -1.0
    _at: float = 0.0

    def __post_init__(self) -> None:
        self.tokens, self._at = self.burst, self.clock()

    def take(self) -> bool:
        """One token, or False (nothing taken) when none is left."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self._at) * self.rate)
        self._at = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@dataclass
class UsagePlans:
    """Every operation's bucket for one selling partner (buckets are made on first use)."""

    clock: Callable[[], float] = time.monotonic
    plans: dict[str, tuple[float, int]] = field(default_factory=lambda: dict(PLANS))
    rejected: dict[str, int] = field(default_factory=dict)
    _buckets: dict[str, TokenBucket] = field(default_factory=dict)

    def rate(self, operation: str) -> float:
        """The operation's rate, as `x-amzn-RateLimit-Limit` states it."""
        return self.plans.get(operation, (plan_rate(operation), 0))[0]

    def take(self, operation: str) -> bool:
        """Admit one call of `operation`, or count a refusal."""
        bucket = self._buckets.get(operation)
        if bucket is None:
            rate, burst = self.plans.get(operation, DEFAULT)
            bucket = self._buckets[operation] = TokenBucket(rate, burst, self.clock)
        if bucket.take():
            return True
        self.rejected[operation] = self.rejected.get(operation, 0) + 1
        return False
