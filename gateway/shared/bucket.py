"""One leaky bucket per store for every replica: an atomic Lua script on a Redis hash."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from dataclasses import dataclass

from redis.exceptions import RedisError

from gateway.shared.link import RedisLink
from platforms.adapter import RateLimitSettings
from platforms.ratelimit import LeakyBucket, Turns, check_scope, usable

# KEYS[1]: the store's bucket, a hash {level, at, paused_until} (seconds, Redis clock).
# ARGV: capacity, leak_per_second, cost, used (the platform's count, -1: none),
#       pause (seconds of Retry-After, 0: none), refund (granted but never sent).
# One atomic step: leak by Redis TIME since `at`, take back refunds, adopt the higher of
# `used` and our level, apply a pause (no grant before now + pause for any replica, and a
# level that has leaked to one free slot by then), then grant `cost` if it fits.
# Returns {granted 0/1, seconds to wait before asking again, level} (strings: Lua numbers
# would come back truncated to integers).
ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local capacity, rate = tonumber(ARGV[1]), tonumber(ARGV[2])
local cost, used = tonumber(ARGV[3]), tonumber(ARGV[4])
local pause, refund = tonumber(ARGV[5]), tonumber(ARGV[6])
local state = redis.call('HMGET', KEYS[1], 'level', 'at', 'paused_until')
local level = tonumber(state[1]) or 0
local at = tonumber(state[2]) or now
local paused_until = tonumber(state[3]) or 0
level = math.max(0, level - math.max(0, now - at) * rate - refund)
if used > level then level = used end
if pause > 0 then
  paused_until = math.max(paused_until, now + pause)
  level = math.max(level, capacity - 1 + pause * rate)
end
local granted, wait = 0, 0
if now < paused_until then
  wait = paused_until - now
elseif level + cost <= capacity then
  level = level + cost
  granted = 1
else
  wait = (level + cost - capacity) / rate
end
redis.call('HSET', KEYS[1], 'level', level, 'at', now, 'paused_until', paused_until)
local idle = level / rate + math.max(0, paused_until - now)
redis.call('PEXPIRE', KEYS[1], math.ceil(idle * 1000) + 60000)
return {granted, tostring(wait), tostring(level)}
"""


@dataclass
class Report:
    """What this process learnt since its last script run, sent with the next one."""

    used: float = -1.0
    pause: float = 0.0
    refund: float = 0.0

    def __bool__(self) -> bool:
        return self.used >= 0 or self.pause > 0 or self.refund > 0


@dataclass(frozen=True)
class Answer:
    """The script's answer."""

    granted: bool
    wait: float
    level: float


class RedisBucket:
    """A store's bucket shared by every replica through Redis (the `RateBucket` protocol).

    Within this process, waiting calls still go round-robin between callers (`Turns`); one
    pump task asks Redis for the head call's capacity, so the script alone decides the shared
    level. Platform usage reports and 429 pauses ride on the next script run, at once. While
    Redis is unreachable, calls are paced by this process's own `LeakyBucket` instead.
    """

    def __init__(self, link: RedisLink, store_id: str, settings: RateLimitSettings) -> None:
        self.settings = settings
        self.capacity = usable(settings.capacity)
        self._link = link
        self._key = link.key("bucket", store_id)
        self._script = link.client.register_script(ACQUIRE)
        self._local = LeakyBucket(settings)  # the fallback, kept corrected all along
        self._turns = Turns()
        self._report = Report()
        self._wake = asyncio.Event()  # a call is waiting, or there is news to report
        self._news = asyncio.Event()  # news only: cuts a wait for capacity short
        self._pump: asyncio.Task[None] | None = None

    async def acquire(self, amount: float = 1) -> None:
        """Wait for `amount` of the store's shared capacity, in this caller's turn."""
        check_scope()
        self._start()
        await self._turns.wait(amount, self._wake.set, self._give_back)

    def observe(self, used: float, size: float | None = None) -> None:
        """Adopt the platform's reported usage (and bucket size) for every replica."""
        self._local.observe(used, size)
        if size:
            self.capacity = usable(size)
        self._report.used = max(self._report.used, used)
        self._tell()

    def answered(self, amount: float = 1) -> None:
        """Nothing yet: the shared level has no floor of unanswered calls (that needs an
        in-flight count in Redis that a dead replica cannot leave behind)."""

    def penalise(self, retry_after: float) -> None:
        """Pause the store for every replica for `retry_after` seconds."""
        self._local.penalise(retry_after)
        self._report.pause = max(self._report.pause, retry_after)
        self._tell()

    async def run_script(self, cost: float, report: Report) -> Answer:
        """One atomic run of the script (RedisError when Redis does not answer)."""
        granted, wait, level = await self._script(
            keys=[self._key],
            args=[
                self.capacity,
                self.settings.leak_per_second,
                cost,
                report.used,
                report.pause,
                report.refund,
            ],
        )
        return Answer(bool(int(granted)), float(wait), float(level))

    async def aclose(self) -> None:
        """Stop the pump (calls still waiting are cancelled)."""
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump

    def _give_back(self, amount: float) -> None:
        self._report.refund += amount
        self._tell()

    def _tell(self) -> None:
        self._start()
        self._news.set()
        self._wake.set()

    def _start(self) -> None:
        if self._pump is None or self._pump.done():
            # an empty context: the pump serves every request, and must not inherit (and
            # be cancelled with) the CallScope of the request that happened to start it.
            self._pump = asyncio.create_task(
                self._run(), name=f"cartgraph-{self._key}", context=contextvars.Context()
            )

    async def _run(self) -> None:
        while True:
            head = self._turns.head()
            if head is None and not self._report:
                self._wake.clear()
                await self._wake.wait()
                continue
            report, self._report = self._report, Report()
            self._news.clear()
            answer = await self._ask(head[0] if head else 0.0, report)
            if head is None:
                continue
            if answer.granted:
                self._hand_over(head[0], head[1])
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._news.wait(), answer.wait)

    async def _ask(self, cost: float, report: Report) -> Answer:
        """The script's answer; while Redis is down, this process's own bucket's."""
        if self._link.usable:
            try:
                return await self.run_script(cost, report)
            # a malformed answer too: a pump that died would stall every call queued here
            except (RedisError, OSError, ValueError) as exc:
                self._link.failed("the rate bucket", exc)
        if cost:
            await self._local.acquire(cost)
        return Answer(True, 0.0, 0.0)

    def _hand_over(self, amount: float, waiter: asyncio.Future[None]) -> None:
        if waiter.done():  # cancelled while Redis answered: the capacity goes back
            self._report.refund += amount
        else:
            self._turns.grant()
