"""Client-side leaky bucket per store, corrected by what the platform reports, fair per caller."""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from aiolimiter import AsyncLimiter

from platforms.adapter import RateLimitSettings

ANONYMOUS = "anonymous"


@dataclass
class CallScope:
    """The request an upstream call is made for: who asked (fairness) and whether the gateway
    still wants the answer. Set per request by the gateway; tasks spawned by the request
    (dataloader batches) inherit it with the context."""

    identity: str = ANONYMOUS
    cancelled: bool = False
    # the request selects personal data and may see it (`read:customers`): platforms that
    # fetch it separately (Amazon's Restricted Data Tokens) fetch it only then
    personal_data: bool = False
    _waiting: set[asyncio.Future[None]] = field(default_factory=set)

    def cancel(self) -> None:
        """Abandoned (client gone, timeout): no further upstream call of this request starts."""
        self.cancelled = True
        for waiter in list(self._waiting):
            waiter.cancel()


current_scope: contextvars.ContextVar[CallScope | None] = contextvars.ContextVar(
    "cartgraph_call_scope", default=None
)


class RateBucket(Protocol):
    """What the transport needs of a store's rate bucket: this process's `LeakyBucket`, or
    one shared by every replica (the gateway's Redis bucket)."""

    settings: RateLimitSettings

    async def acquire(self, amount: float = 1) -> None:
        """Wait until `amount` of capacity is ours (in the calling request's fair turn)."""
        ...

    def observe(self, used: float, size: float | None = None) -> None:
        """Adopt the platform's reported usage when it is higher than ours."""
        ...

    def penalise(self, retry_after: float) -> None:
        """After a 429: no call of the store starts for `retry_after` seconds."""
        ...

    def answered(self, amount: float = 1) -> None:
        """A call that took `amount` has its answer (or failed): the platform has it."""
        ...


def check_scope() -> None:
    """Refuse to queue a call for a request that was abandoned."""
    scope = current_scope.get()
    if scope is not None and scope.cancelled:
        raise asyncio.CancelledError("request abandoned")


class Turns:
    """Waiting calls queued per caller identity, served round-robin: dict order is the turn,
    and a caller whose call was served goes to the back with its next one."""

    def __init__(self) -> None:
        self._queues: dict[str, list[tuple[float, asyncio.Future[None]]]] = {}

    def __bool__(self) -> bool:
        return bool(self._queues)

    async def wait(
        self, amount: float, kick: Callable[[], None], give_back: Callable[[float], None]
    ) -> None:
        """Queue a call of `amount` in its caller's turn; `kick` makes the owner grant.
        Cancelled after being granted, the capacity goes back through `give_back`."""
        scope = current_scope.get()
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        identity = scope.identity if scope is not None else ANONYMOUS
        self._queues.setdefault(identity, []).append((amount, waiter))
        if scope is not None:
            scope._waiting.add(waiter)
        try:
            kick()
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                give_back(amount)  # granted, never used
            kick()
            raise
        finally:
            if scope is not None:
                scope._waiting.discard(waiter)

    def head(self) -> tuple[float, asyncio.Future[None]] | None:
        """The call whose turn it is (cancelled ones are dropped on the way), or None."""
        while self._queues:
            identity, queue = next(iter(self._queues.items()))
            if not queue[0][1].done():
                return queue[0]
            self._pop(identity)
        return None

    def grant(self) -> None:
        """Wake the head call; its caller's next call waits behind every other caller."""
        identity, queue = next(iter(self._queues.items()))
        queue[0][1].set_result(None)
        self._pop(identity)
        self._queues.pop(identity, None)
        if queue:
            self._queues[identity] = queue

    def _pop(self, identity: str) -> None:
        queue = self._queues[identity]
        queue.pop(0)
        if not queue:
            del self._queues[identity]


class LeakyBucket(AsyncLimiter):
    """A leaky bucket shared fairly between callers, plus resync from platform headers.

    Waiting calls queue per caller identity (the request's `CallScope`, else one anonymous
    queue) and capacity goes round-robin between the queues, so a caller with 200 calls queued
    cannot starve another caller's single call: it waits at most one slot per other caller.

    Shopify counts our calls (and any other app's on the same store) in its own bucket and
    tells us `used/size` after every response; we adopt the higher of its view and ours so
    that a bucket shared with other clients or replicas never pushes us into 429s.
    """

    def __init__(self, settings: RateLimitSettings, *, enforced: bool = False) -> None:
        capacity = usable(settings.capacity)
        super().__init__(max_rate=capacity, time_period=capacity / settings.leak_per_second)
        self.settings = settings
        self._turns = Turns()
        self._timer: asyncio.TimerHandle | None = None
        # The platform enforces this bucket itself (Shopify REST): it starts leaking a request
        # only once it has it, which may be long after we sent it (a burst's connections
        # opening on a busy loop), so our level never leaks below our unanswered requests.
        self._enforced = enforced
        self._unanswered = 0.0

    async def acquire(self, amount: float = 1) -> None:
        """Wait for `amount` of capacity, in this caller's round-robin turn."""
        check_scope()
        if not self._turns and self.has_capacity(amount):
            self._take(amount)
            return
        await self._turns.wait(amount, self._grant, self._give_back)

    def answered(self, amount: float = 1) -> None:
        """A request that took `amount` has its answer (or failed): the platform has it, and
        our estimate may leak it from here on."""
        if self._enforced:
            self._unanswered = max(0.0, self._unanswered - amount)
            self._grant()

    def _take(self, amount: float) -> None:
        self._level += amount
        if self._enforced:
            self._unanswered += amount

    def _leak(self) -> None:
        super()._leak()
        if self._level < self._unanswered:
            self._level = self._unanswered

    def _give_back(self, amount: float) -> None:
        self._level = max(0.0, self._level - amount)
        if self._enforced:
            self._unanswered = max(0.0, self._unanswered - amount)

    def _grant(self) -> None:
        """Hand capacity to the queues' heads in turn; sleep until the next slot leaks free."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while (head := self._turns.head()) is not None:
            amount = head[0]
            if not self.has_capacity(amount):
                needed = amount - self.max_rate + self._level
                self._timer = self._loop.call_at(
                    self._last_check + needed / self._rate_per_sec, self._grant
                )
                return
            self._take(amount)
            self._turns.grant()

    @property
    def level(self) -> float:
        """Current estimated fill of the bucket."""
        self._leak()
        return float(self._level)

    def observe(self, used: float, size: float | None = None) -> None:
        """Adopt the platform's reported usage (and bucket size, if it changed)."""
        self._leak()
        if size and usable(size) != self.max_rate:
            # plan change (e.g. Plus stores have 400): keep the leak rate proportional.
            rate = self._rate_per_sec
            self.max_rate = usable(size)
            self.time_period = self.max_rate / rate
        self._level = max(float(self._level), float(used))
        self._grant()  # waiters' wake-up time moves with the level

    def penalise(self, retry_after: float) -> None:
        """After a 429, treat the bucket as full for `retry_after` seconds' worth of leak."""
        self._leak()
        self._level = max(float(self._level), self.max_rate - 1 + retry_after * self._rate_per_sec)
        self._grant()


# Requests reach the platform a little after they leave our bucket, and not all equally late
# (a cold connection's handshake vs a warm keep-alive one), so a bucket run at exactly the
# platform's capacity overruns it by (latency jitter x leak rate). Keeping one request of
# headroom absorbs 1/leak_per_second of jitter (0.5 s on Shopify's standard plan).
HEADROOM = 1.0


def usable(capacity: float) -> float:
    """The burst we allow ourselves out of the platform's `capacity`."""
    return max(1.0, capacity - HEADROOM) if capacity > 1 else capacity
