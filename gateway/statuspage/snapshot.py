"""What `/status` shows per store, read from the app's live state and its metrics registry."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from gateway.walk import points, units_of
from gateway.writes.model import ACTIVE, JobStatus

if TYPE_CHECKING:
    from gateway.events.service import EventService
    from gateway.stores import StoreRegistry
    from gateway.telemetry.metrics import Metrics
    from gateway.writes.queue import WriteQueue

SAMPLE_SECONDS = 5.0  # how often the rate-budget chart gets a point
WINDOW_SECONDS = 600.0  # how much of it the chart shows
# the hook where dead letters plug in: store id -> how many are waiting (None: not tracked)
DeadLetterCount = Callable[[str], Awaitable[int | None]]


@dataclass(frozen=True)
class StoreStatus:
    """One row of the status page."""

    store_id: str
    platform: str
    health: str  # "up", "down" (last upstream attempt failed), "idle" (no attempt yet)
    errors: dict[str, int]  # failed upstream attempts by error code, since start
    throttled: int  # 429 / THROTTLED answers since start
    lag_seconds: float | None  # now - the newest recorded event's occurrence
    poll_age_seconds: float | None  # since the order poller last completed
    poll_error: str | None
    pending_writes: int
    quarantined_writes: int
    dead_letters: int | None
    budget: list[tuple[float, float]]  # (seconds ago, bucket fill 0..1), oldest first


class BudgetHistory:
    """Each store's rate-bucket fill, sampled every few seconds for the last minutes."""

    def __init__(self, registry: StoreRegistry, clock: Callable[[], float] = time.monotonic):
        self.registry = registry
        self.clock = clock
        size = int(WINDOW_SECONDS / SAMPLE_SECONDS) + 1
        self.samples: dict[str, deque[tuple[float, float]]] = {
            store: deque(maxlen=size) for store in registry.store_ids
        }
        self._last: dict[str, tuple[float, float]] = {}  # (when, budget units used then)
        self._spent: dict[str, tuple[int, float]] = {}  # (log entries summed, their points)

    def sample(self) -> None:
        """One point per store: the share of the budget used since the last point (calls,
        or points on a GraphQL API, against what the leak rate allowed), or the bucket's
        fill now when that is higher (a bucket that says neither is left out)."""
        now = self.clock()
        for handle in self.registry.handles():
            store = handle.connection.store_id
            transport = getattr(handle.client, "transport", None)
            fill, used = bucket_fill(transport), self._used(store, handle.client)
            last = self._last.get(store)
            self._last[store] = (now, used)
            leak = _leak_rate(transport)
            if last is not None and now > last[0] and leak:
                share = min(1.0, (used - last[1]) / (leak * (now - last[0])))
                fill = max(fill or 0.0, share)
            if fill is not None:
                self.samples[store].append((now, fill))

    def _used(self, store: str, client: Any) -> float:
        """Budget units the store's client used so far; a GraphQL client's log of costs
        only grows, so only its new entries are added up each time."""
        spent = getattr(client, "spent", None)
        if not isinstance(spent, list):
            return units_of(client)
        seen, total = self._spent.get(store, (0, 0.0))
        if len(spent) < seen:  # the log was cut: count it afresh
            seen, total = 0, 0.0
        total += points(spent[seen:])
        self._spent[store] = (len(spent), total)
        return total

    def series(self, store_id: str) -> list[tuple[float, float]]:
        """(seconds ago, fill) of the store's window, oldest first."""
        now = self.clock()
        return [(now - at, fill) for at, fill in self.samples.get(store_id, ())]

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Sample in the background while the app serves."""

        async def loop() -> None:
            while True:
                self.sample()
                await asyncio.sleep(SAMPLE_SECONDS)

        task = asyncio.create_task(loop())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def bucket_fill(transport: Any) -> float | None:
    """How full this process's bucket of the store is (0..1), None when it does not say."""
    bucket = getattr(transport, "bucket", None)
    try:
        level, capacity = getattr(bucket, "level", None), getattr(bucket, "max_rate", None)
    except RuntimeError:  # a bucket that never ran has no loop to read its clock from
        return None
    if not isinstance(level, float) or not capacity:
        return None
    return max(0.0, min(1.0, level / float(capacity)))


def _leak_rate(transport: Any) -> float:
    """The store's budget refill per second (requests, or points), 0 when unknown."""
    settings = getattr(getattr(transport, "bucket", None), "settings", None)
    rate = getattr(settings, "leak_per_second", 0)
    return float(rate) if isinstance(rate, int | float) else 0.0


def _samples(metrics: Metrics, name: str, store: str) -> list[tuple[dict[str, str], float]]:
    """Every sample of metric family `name` labelled with `store`."""
    found = []
    for family in metrics.registry.collect():
        for sample in family.samples:
            if sample.name == name and sample.labels.get("store") == store:
                found.append((sample.labels, sample.value))
    return found


def _health(metrics: Metrics, store: str) -> str:
    values = [v for _, v in _samples(metrics, "cartgraph_store_up", store)]
    return "idle" if not values else ("up" if min(values) >= 1 else "down")


async def snapshot(
    registry: StoreRegistry,
    metrics: Metrics,
    history: BudgetHistory,
    *,
    events: EventService | None,
    writes: WriteQueue | None,
    dead_letters: DeadLetterCount | None = None,
) -> list[StoreStatus]:
    """Every store's row, in the registry's order."""
    rows = []
    for handle in registry.handles():
        store = handle.connection.store_id
        errors = {
            labels["code"]: int(value)
            for labels, value in _samples(metrics, "cartgraph_upstream_errors_total", store)
            if value
        }
        throttled = _samples(metrics, "cartgraph_upstream_throttled_total", store)
        lag, poll_age, poll_error = await _feed(events, store)
        pending, quarantined = await _writes(writes, store)
        rows.append(
            StoreStatus(
                store_id=store,
                platform=handle.connection.platform.value,
                health=_health(metrics, store),
                errors=errors,
                throttled=int(sum(v for _, v in throttled)),
                lag_seconds=lag,
                poll_age_seconds=poll_age,
                poll_error=poll_error,
                pending_writes=pending,
                quarantined_writes=quarantined,
                dead_letters=await dead_letters(store) if dead_letters else None,
                budget=history.series(store),
            )
        )
    return rows


async def _feed(
    events: EventService | None, store: str
) -> tuple[float | None, float | None, str | None]:
    if events is None:
        return None, None, None
    now = datetime.now(UTC)
    newest = await events.log.newest_event_at(store)
    lag = None if newest is None else max(0.0, (now - newest).total_seconds())
    poller = events.pollers.get(store)
    last = getattr(poller, "last_poll_at", None)
    age = None if last is None else max(0.0, (now - last).total_seconds())
    return lag, age, getattr(poller, "last_error", None)


async def _writes(writes: WriteQueue | None, store: str) -> tuple[int, int]:
    if writes is None:
        return 0, 0
    pending = 0
    for status in ACTIVE:
        pending += await writes.count([store], status)
    return pending, await writes.count([store], JobStatus.QUARANTINED)
