"""A per-store bucket of query-cost points (GraphQL), kept in step with the platform's reports."""

from __future__ import annotations

import asyncio

from platforms.adapter import RateLimitSettings
from platforms.ratelimit import LeakyBucket

# Until the first answer reports the store's bucket, assume the smallest plan Shopify has
# (1,000 points, restoring 100/s): a larger plan is adopted from that answer, never assumed.
STARTING_POINTS = RateLimitSettings(1000, 100)


class PointsBucket(LeakyBucket):
    """A leaky bucket measured in cost points instead of requests, fair per caller like
    `LeakyBucket`: each request reserves its requested cost before it is sent
    (`Request.cost`), gets back what it did not spend once the answer states its actual cost,
    and every answer's `throttleStatus` (maximum, currently available, restore rate) replaces
    our estimate whenever it shows less room than we think we have.

    Other apps and replicas spend the same store's points, so the platform's figure is the
    truth: taken as it is when no other request of ours is in flight (`in_flight`, counted by
    the client around each request), else only when it is the fuller one, as our requests
    still on their way are not in it yet.
    """

    def __init__(self, settings: RateLimitSettings = STARTING_POINTS) -> None:
        super().__init__(settings)
        # a points bucket needs no request of headroom: the platform reports its own level
        self.max_rate = float(settings.capacity)
        self.time_period = self.max_rate / settings.leak_per_second
        self._rate_per_sec = float(settings.leak_per_second)
        self.in_flight = 0  # requests sent (or waiting to be) and not yet answered
        self._paused_until = 0.0  # loop time before which nothing starts (after THROTTLED)
        self._reported: tuple[float, float] | None = None  # (loop time, level) last reported

    @property
    def restore_rate(self) -> float:
        """Points per second the bucket regains."""
        return float(self._rate_per_sec)

    async def acquire(self, amount: float = 1) -> None:
        """Reserve `amount` points (at most the whole bucket, or it would never fit), once
        any pause after a THROTTLED answer is over."""
        pause = self._paused_until - asyncio.get_running_loop().time()
        if pause > 0:
            await asyncio.sleep(pause)
        if self.in_flight <= 1:
            # nothing else of ours is on its way: what the last answer said, restored since,
            # is the level (none yet: empty); a failed attempt of this request (a drop, a 503)
            # spent nothing the store told us of, so its reservation is not held against it
            self._leak()
            at, level = self._reported or (0.0, 0.0)
            now = asyncio.get_running_loop().time()
            self._level = max(0.0, level - (now - at) * self._rate_per_sec)
        await super().acquire(min(float(amount), self.max_rate))

    def refund(self, points: float) -> None:
        """Give back points reserved but not spent (requested minus actual cost)."""
        if points <= 0:
            return
        self._leak()
        self._level = max(0.0, float(self._level) - points)
        self._grant()

    def adopt(self, maximum: float, available: float, restore_rate: float) -> None:
        """The platform's `throttleStatus`: its bucket size and restore rate become ours, and
        its level when it is fuller than our estimate."""
        self._leak()
        if maximum > 0:
            self.max_rate = float(maximum)
        if restore_rate > 0:
            self._rate_per_sec = float(restore_rate)
        self.time_period = self.max_rate / self._rate_per_sec
        reported = self.max_rate - available
        self._reported = (asyncio.get_running_loop().time(), reported)
        level = reported if self.in_flight <= 1 else max(float(self._level), reported)
        self._level = min(self.max_rate, max(0.0, level))
        self._grant()  # waiters' wake-up time moves with the level and the rate

    def observe(self, used: float, size: float | None = None) -> None:
        """Adopt a reported usage in points (`size`: the bucket's maximum)."""
        maximum = float(size) if size else self.max_rate
        self.adopt(maximum, maximum - used, self._rate_per_sec)

    def penalise(self, retry_after: float) -> None:
        """After a THROTTLED (or 429) answer: no request of the store starts for
        `retry_after` seconds. The level is left alone: a THROTTLED answer's throttleStatus
        has set it already, and filling the bucket would make a large document wait its whole
        cost on top."""
        until = asyncio.get_running_loop().time() + max(0.0, retry_after)
        self._paused_until = max(self._paused_until, until)
