"""Starts and stops the event machinery and hands subscribers a gap-free stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from starlette.routing import Route

from gateway.events.bus import DEFAULT_BUFFER, EventBus, EventViews
from gateway.events.inventory_poller import InventoryPoller
from gateway.events.log import EventFilter, EventLog
from gateway.events.mirror import OrderMirror, open_mirror
from gateway.events.ops_store import OpsStore, open_ops
from gateway.events.pg_log import PgEventLog
from gateway.events.poll_loop import PollLoop
from gateway.events.poller import DEFAULT_OVERLAP, OrderPoller
from gateway.events.processor import ReceiptProcessor
from gateway.events.receiver import webhook_routes
from gateway.events.sink import EventSink, Wakeups
from gateway.events.sqlite_log import SqliteEventLog
from gateway.stores import StoreHandle, StoreRegistry
from platforms.errors import StoreNotFoundError
from platforms.events import StoredEvent
from platforms.registry import get_spec

REPLAY_PAGE = 500
LOG_FILE = "events.sqlite3"


@dataclass(frozen=True)
class FeedStatus:
    """How fresh one store's event feed is."""

    store_id: str
    webhooks: bool
    poll_interval_seconds: float | None
    last_event_at: datetime | None
    last_poll_at: datetime | None
    last_poll_error: str | None
    # when the store's order mirror last synced (None: not listed from a mirror, or not yet)
    mirror_synced_at: datetime | None = None

    @property
    def sync_lag_seconds(self) -> float | None:
        """now - the newest change recorded for the store (None before the first)."""
        if self.last_event_at is None:
            return None
        return max(0.0, (datetime.now(UTC) - self.last_event_at).total_seconds())


class EventService:
    """One per gateway: the log, the bus, the webhook processor and pollers per store."""

    def __init__(
        self,
        registry: StoreRegistry,
        event_log: EventLog,
        *,
        poll_intervals: Mapping[str, float] | None = None,
        inventory_poll_intervals: Mapping[str, float] | None = None,
        buffer: int = DEFAULT_BUFFER,
        overlap: timedelta = DEFAULT_OVERLAP,
        wakeups: Wakeups | None = None,
    ) -> None:
        self.registry = registry
        self.log = event_log
        self.bus = EventBus(buffer)
        self.views = EventViews()  # one view of an event for all its subscribers
        self.sink = EventSink(event_log, self.bus, wakeups)
        # dead letters, receipt links, object history: beside the log, on the same backend
        self.ops: OpsStore | None = open_ops(event_log)
        self.processor = ReceiptProcessor(
            event_log, self.sink, self._handle, self.ops, mirror_of=self.mirrored
        )
        # orders of mirrored platforms (PlatformSpec.synced_mirror), kept by their pollers
        self.mirror: OrderMirror | None = open_mirror(event_log)
        self.pollers = {
            store_id: self._order_poller(registry.get(store_id), seconds, overlap)
            for store_id, seconds in (poll_intervals or {}).items()
            if seconds > 0
        }
        self.inventory_pollers = {
            store_id: InventoryPoller(
                registry.get(store_id), event_log, self.sink, interval=seconds
            )
            for store_id, seconds in (inventory_poll_intervals or {}).items()
            if seconds > 0
        }
        for poller in self._all_pollers():
            poller.ops = self.ops

    def _order_poller(self, handle: StoreHandle, seconds: float, overlap: timedelta) -> OrderPoller:
        """A store's order poller; a mirrored platform's polls no more often than its plan
        allows and keeps the mirror."""
        mirrored = get_spec(handle.connection.platform).synced_mirror
        if mirrored is None:
            return OrderPoller(handle, self.log, self.sink, interval=seconds, overlap=overlap)
        interval = max(seconds, mirrored.min_poll_seconds)
        return OrderPoller(
            handle, self.log, self.sink, interval=interval, overlap=overlap, mirror=self.mirror
        )

    def mirrored(self, store_id: str) -> OrderMirror | None:
        """The mirror `orders(...)` reads for this store (None: the store is listed live)."""
        poller = self.pollers.get(store_id)
        return poller.mirror if poller is not None else None

    @classmethod
    def open(
        cls,
        registry: StoreRegistry,
        data_dir: str | Path,
        *,
        poll_intervals: Mapping[str, float] | None = None,
        inventory_poll_intervals: Mapping[str, float] | None = None,
        buffer: int = DEFAULT_BUFFER,
        overlap: timedelta = DEFAULT_OVERLAP,
        storage_url: str | None = None,
        wakeups: Wakeups | None = None,
    ) -> EventService:
        """A service over the PostgreSQL log at `storage_url` (shared by replicas), else the
        SQLite log in `data_dir/events.sqlite3`."""
        event_log: EventLog = (
            PgEventLog(storage_url) if storage_url else SqliteEventLog(Path(data_dir) / LOG_FILE)
        )
        return cls(
            registry,
            event_log,
            poll_intervals=poll_intervals,
            inventory_poll_intervals=inventory_poll_intervals,
            buffer=buffer,
            overlap=overlap,
            wakeups=wakeups,
        )

    def _handle(self, store_id: str) -> StoreHandle | None:
        try:
            return self.registry.get(store_id)
        except StoreNotFoundError:
            return None

    def routes(self) -> list[Route]:
        """The webhook receiver routes."""
        return webhook_routes(self)

    async def start(self) -> None:
        """Process receipts left from a previous run, then start pollers."""
        await self.sink.start()
        await self.processor.start()
        # baselines first: a change made once the gateway is up is then never history.
        await asyncio.gather(*(p.first_poll() for p in self._all_pollers()))
        for poller in self._all_pollers():
            poller.start()

    def _all_pollers(self) -> list[PollLoop]:
        return [*self.pollers.values(), *self.inventory_pollers.values()]

    async def stop(self) -> None:
        """Stop pollers and the processor, then close the log."""
        await asyncio.gather(*(p.stop() for p in self._all_pollers()))
        await self.processor.stop()
        await self.sink.stop()
        if self.ops is not None:
            await self.ops.aclose()
        if self.mirror is not None:
            await self.mirror.aclose()
        await self.log.aclose()

    async def poll_now(self, store_id: str) -> int:
        """Run one poll of a store now (ops, tests); returns events appended."""
        poller = self.pollers.get(store_id)
        if poller is None:
            raise StoreNotFoundError(f"Store {store_id!r} is not polled", store_id=store_id)
        return await poller.poll()

    async def poll_inventory_now(self, store_id: str) -> int:
        """Run one inventory (and catalogue) poll of a store now (ops, tests); returns stock
        events appended (product events: `inventory_pollers[store].product_events`)."""
        poller = self.inventory_pollers.get(store_id)
        if poller is None:
            raise StoreNotFoundError(f"Store {store_id!r} is not polled", store_id=store_id)
        return await poller.poll()

    async def status(self, store_id: str) -> FeedStatus:
        """The store's feed status (sync lag, last poll)."""
        handle = self.registry.get(store_id)
        poller = self.pollers.get(store_id)
        stock = self.inventory_pollers.get(store_id)
        mirror = self.mirrored(store_id)
        return FeedStatus(
            store_id=store_id,
            webhooks=get_spec(handle.connection.platform).webhooks is not None,
            poll_interval_seconds=poller.interval if poller else None,
            last_event_at=await self.log.newest_event_at(store_id),
            last_poll_at=poller.last_poll_at if poller else None,
            last_poll_error=(poller.last_error if poller else None)
            or (stock.last_error if stock else None),
            mirror_synced_at=await mirror.synced_at(store_id) if mirror is not None else None,
        )

    async def stream(
        self, accepts: Callable[[StoredEvent], bool], after: int | None
    ) -> AsyncIterator[StoredEvent]:
        """Events for one subscriber: the log after `after` (if given), then live ones.

        Subscribes to the bus before reading the log, so nothing appended meanwhile is
        missed; live events at or below the last replayed sequence are dropped as repeats.
        """
        subscriber = self.bus.subscribe(accepts)
        try:
            last = after if after is not None else 0
            if after is not None:
                while True:
                    page = await self.log.read_after(last, EventFilter(), REPLAY_PAGE)
                    for event in page:
                        last = event.sequence
                        if accepts(event):
                            yield event
                    if len(page) < REPLAY_PAGE:
                        break
            while True:
                event = await subscriber.next()
                if event.sequence > last:
                    last = event.sequence
                    yield event
        finally:
            self.bus.unsubscribe(subscriber)
