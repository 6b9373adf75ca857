"""The polling safety net: per store, orders updated since the checkpoint become events."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from gateway.events.log import Checkpoint, EventLog
from gateway.events.mirror import OrderMirror
from gateway.events.poll_loop import PollLoop
from gateway.events.sink import EventSink
from gateway.stores import StoreHandle
from platforms.adapter import OrderQuery
from platforms.canonical import Order
from platforms.events import Candidate, EventSource, candidate_of, version_text
from platforms.ids import Kind
from platforms.registry import get_spec

log = logging.getLogger("cartgraph.poller")

STREAM = "orders"
DEFAULT_OVERLAP = timedelta(seconds=30)


def _parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


class OrderPoller(PollLoop):
    """Polls one store. The checkpoint moves only in the transaction that appends its events.

    The first poll of a store only sets a baseline (the newest `updated_at` the store
    reports): history is not replayed as events. Each later poll asks for orders updated
    since checkpoint - overlap (platform clocks and commit delays skew), so an order
    committed late with an older timestamp is still found; dedupe drops what was seen.
    """

    stream = STREAM

    def __init__(
        self,
        handle: StoreHandle,
        event_log: EventLog,
        sink: EventSink,
        *,
        interval: float,
        overlap: timedelta = DEFAULT_OVERLAP,
        page_size: int = 100,
        mirror: OrderMirror | None = None,
    ) -> None:
        super().__init__(handle, interval, event_log)
        self.sink = sink
        # a mirrored store (`PlatformSpec.synced_mirror`): every order read is kept there too
        self.mirror = mirror
        self.overlap = overlap
        self.page_size = min(page_size, handle.client.max_page_size)

    async def poll(self) -> int:
        """One poll; returns how many events it appended."""
        async with self._lock:
            checkpoint = await self.log.checkpoint(self.store_id, STREAM)
            if self.mirror is not None and await self.mirror.synced_at(self.store_id) is None:
                await self._fill_mirror(self.mirror, checkpoint)
                if checkpoint is None:
                    return 0
            if checkpoint is None:
                await self._baseline()
                return 0
            since = _parse(checkpoint) - self.overlap
            orders = await self._changed_since(since)
            newest = max([checkpoint, *(version_text(o.updated_at) for o in orders)])
            now = datetime.now(UTC)
            candidates = [self._candidate(o, now) for o in orders]
            events = await self.sink.record(
                candidates, checkpoint=Checkpoint(self.store_id, STREAM, newest)
            )
            if self.mirror is not None:  # after the events: a crash between re-reads them
                await self.mirror.save(self.store_id, orders, now)
            self.last_poll_at, self.last_error = now, None
            return len(events)

    async def _baseline(self) -> None:
        # the overlap window below the baseline is re-read by every poll: remember what is
        # in it now, or the next poll would announce old orders as new events.
        page = await self.handle.client.list_orders(OrderQuery(), cursor=None, limit=1)
        now = datetime.now(UTC)
        newest = page.items[0].updated_at if page.items else now
        known = await self._changed_since(newest - self.overlap) if page.items else []
        await self.log.remember(
            [self._candidate(o, now) for o in known],
            Checkpoint(self.store_id, STREAM, version_text(newest)),
        )
        self.last_poll_at, self.last_error = now, None

    async def _fill_mirror(self, mirror: OrderMirror, checkpoint: str | None) -> None:
        """Every order into an empty mirror (ceil(n/page) list calls, once); without a
        checkpoint this is also the baseline, so no event replays history."""
        every = await self._changed_since(None)
        now = datetime.now(UTC)
        await mirror.save(self.store_id, every, now)
        if checkpoint is None:
            newest = max((o.updated_at for o in every), default=now)
            known = [o for o in every if o.updated_at >= newest - self.overlap]
            await self.log.remember(
                [self._candidate(o, now) for o in known],
                Checkpoint(self.store_id, STREAM, version_text(newest)),
            )
        self.last_poll_at, self.last_error = now, None

    def _candidate(self, order: Order, now: datetime) -> Candidate:
        spec = get_spec(self.handle.connection.platform)
        return candidate_of(
            order,
            EventSource.POLL,
            now=now,
            refunds=spec.refund_marker,
            mapping_version=spec.mapping_version,
        )

    async def _changed_since(self, since: datetime | None) -> list[Order]:
        found: list[Order] = []
        cursor: str | None = None
        # every page: results come newest first, so stopping early would skip older changes.
        while True:
            page = await self.handle.client.list_orders(
                OrderQuery(updated_after=since), cursor=cursor, limit=self.page_size
            )
            found.extend(page.items)
            await self.quarantine(list(page.errors), Kind.ORDER)  # the rest still counts
            cursor = page.next_cursor
            if cursor is None:
                return found
