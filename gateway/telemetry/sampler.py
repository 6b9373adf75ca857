"""Gauges read from the app's state (buckets, caches, queue, event feed) when scraped."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from gateway.events.ops_store import LetterSource, LetterStatus, OpsStore
from gateway.telemetry.metrics import Metrics
from gateway.writes.model import ACTIVE, JobStatus

if TYPE_CHECKING:
    from gateway.events.service import EventService
    from gateway.stores import StoreRegistry
    from gateway.writes.queue import WriteQueue
    from resolvers.limits import DocumentCaches

log = logging.getLogger("cartgraph.telemetry")

SHARED_MIN_INTERVAL = 5.0  # storage is asked at most this often, however often one scrapes
SHARED_TIMEOUT = 5.0  # a slow database leaves the last values, it never blocks a scrape
OLDEST_PAGE, OLDEST_PAGES = 500, 20  # pending jobs walked for the oldest one, at most
DEAD_LETTER_SCAN = 10_000  # quarantined letters counted per scrape, at most


class Sampler:
    """Turns state into gauges, and the plain `hits`/`misses`/`cut_offs` integers the app
    keeps into counters (by their growth since the last sample).

    Process-local state (buckets, caches, subscribers) is sampled by every process; state
    in shared storage (the write queue, the event log) by the one answering the scrape."""

    def __init__(
        self,
        metrics: Metrics,
        registry: StoreRegistry,
        *,
        events: EventService | None,
        writes: WriteQueue | None,
        documents: DocumentCaches | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.metrics = metrics
        self.registry = registry
        self.events = events
        self.writes = writes
        self.documents = documents
        self.clock = clock
        self._seen: dict[tuple[str, ...], int] = {}
        self._shared_at = float("-inf")

    async def scrape(self) -> None:
        """Everything, before an exposition."""
        self.local()
        if time.monotonic() - self._shared_at >= SHARED_MIN_INTERVAL:
            self._shared_at = time.monotonic()
            try:
                await asyncio.wait_for(self.shared(), SHARED_TIMEOUT)
            except Exception:  # metrics must never fail the scrape or the app
                log.warning("sampling the write queue and event log failed", exc_info=True)

    async def every(self, seconds: float) -> None:
        """Sample this process's own state forever (each worker of `serve --workers N`)."""
        while True:
            self.local()
            await asyncio.sleep(seconds)

    def local(self) -> None:
        """Buckets, caches, subscribers and pollers of this process."""
        for handle in self.registry.handles():
            store = handle.connection.store_id
            self._bucket(store, getattr(handle.client, "transport", None))
            for name in ("products", "locations"):
                cache = getattr(handle, name)
                self._grown(self.metrics.store_cache, (store, name), cache)
        if self.documents is not None:
            self._grown(self.metrics.document_cache, ("parse",), self.documents.parsed)
            self._grown(self.metrics.document_cache, ("validation",), self.documents.validated)
        if self.events is not None:
            self._events_local(self.events)

    def _bucket(self, store: str, transport: Any) -> None:
        bucket = getattr(transport, "bucket", None)
        level = getattr(bucket, "level", None)  # this process's bucket (Redis's: not yet)
        capacity = getattr(bucket, "max_rate", None)
        if not isinstance(level, float) or not capacity:
            return
        self.metrics.bucket_fill.labels(store).set(min(1.0, level / capacity))
        self.metrics.bucket_available.labels(store).set(max(0.0, capacity - level))

    def _grown(self, counter: Any, labels: tuple[str, ...], source: object) -> None:
        for result, attribute in (("hit", "hits"), ("miss", "misses")):
            self._add(counter.labels(*labels, result), (*labels, result), source, attribute)

    def _add(self, child: Any, key: tuple[str, ...], source: object, attribute: str) -> None:
        """Grow `child` by how much `source.attribute` grew since the last sample."""
        value = getattr(source, attribute, None)
        if not isinstance(value, int):
            return
        last = self._seen.get(key, 0)
        self._seen[key] = value
        if value > last:
            child.inc(value - last)

    def _events_local(self, events: EventService) -> None:
        self.metrics.subscribers.set(events.bus.subscriber_count)
        self._add(self.metrics.cut_offs, ("cut_offs",), events.bus, "cut_offs")
        now = datetime.now(UTC)
        for stream, pollers in (
            ("orders", events.pollers),
            ("inventory", events.inventory_pollers),
        ):
            for store, poller in pollers.items():
                if poller.last_poll_at is not None:  # another replica holds the lease
                    age = (now - poller.last_poll_at).total_seconds()
                    self.metrics.poll_age.labels(store, stream).set(max(0.0, age))

    async def shared(self) -> None:
        """The write queue's jobs and the event log's lag, per store."""
        stores = self.registry.store_ids
        if self.writes is not None:
            for store in stores:
                await self._writes(self.writes, store)
        if self.events is not None:
            now = datetime.now(UTC)
            for store in stores:
                newest = await self.events.log.newest_event_at(store)
                if newest is not None:
                    lag = max(0.0, (now - newest).total_seconds())
                    self.metrics.event_lag.labels(store).set(lag)
            if self.events.ops is not None:
                await self._dead_letters(self.events.ops, stores)

    async def _dead_letters(self, ops: OpsStore, stores: list[str]) -> None:
        letters = await ops.letters(stores, None, LetterStatus.QUARANTINED, DEAD_LETTER_SCAN)
        for store in stores:
            for source in LetterSource:
                count = sum(1 for x in letters if x.store_id == store and x.source is source)
                self.metrics.dead_letters.labels(store, source.value).set(count)

    async def _writes(self, writes: WriteQueue, store: str) -> None:
        for status in JobStatus:
            count = await writes.count([store], status)
            self.metrics.write_jobs.labels(store, status.value).set(count)
        oldest = await self._oldest_pending(writes, store)
        age = 0.0 if oldest is None else max(0.0, self.clock() - oldest)
        self.metrics.write_oldest_pending.labels(store).set(age)

    async def _oldest_pending(self, writes: WriteQueue, store: str) -> float | None:
        """When the oldest unfinished job was accepted. Pages newest-first (the queue's only
        order) to the end, at most OLDEST_PAGES pages: past that, the oldest one seen."""
        oldest: float | None = None
        for status in ACTIVE:
            before: int | None = None
            for _ in range(OLDEST_PAGES):
                page = await writes.list_jobs([store], status, before, OLDEST_PAGE)
                if page:
                    before = page[-1].seq
                    first = min(job.created_at for job in page)
                    oldest = first if oldest is None else min(oldest, first)
                if len(page) < OLDEST_PAGE:
                    break
        return oldest
