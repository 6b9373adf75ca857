"""The inventory safety net: per store, stock levels that changed since the last poll."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from gateway.events.log import Checkpoint, EventLog
from gateway.events.poll_loop import PollLoop
from gateway.events.sink import EventSink
from gateway.stores import StoreHandle
from platforms.adapter import ProductQuery
from platforms.canonical import InventoryLevel
from platforms.events import EventSource, candidate_of, version_text
from platforms.ids import Kind
from platforms.registry import get_spec

log = logging.getLogger("cartgraph.poller")

STREAM = "inventory"


class InventoryPoller(PollLoop):
    """Polls one store's stock: every level of the catalogue, compared with the log's state.

    Platforms have no "levels changed since" query, so each poll reads the whole catalogue
    (products pages, then levels in the client's chunks; variants carrying their stock
    inline cost nothing more). The log's last state per level is the comparison: a level
    at an unchanged quantity is dropped by the sink, and a level the log has never seen is
    only remembered, so the first poll of a catalogue is a silent baseline. States persist,
    so after a restart a change made while the gateway was down is found on the first poll.
    """

    what = "inventory poll"
    stream = STREAM

    def __init__(
        self, handle: StoreHandle, event_log: EventLog, sink: EventSink, *, interval: float
    ) -> None:
        super().__init__(handle, interval, event_log)
        self.sink = sink

    async def poll(self) -> int:
        """One poll; returns how many events it appended."""
        async with self._lock:
            now = datetime.now(UTC)
            version = get_spec(self.handle.connection.platform).mapping_version
            candidates = [
                candidate_of(lv, EventSource.POLL, now=now, mapping_version=version)
                for lv in await self._levels()
            ]
            known = await self.log.known_objects(
                self.store_id, Kind.INVENTORY_LEVEL, [c.object_id for c in candidates]
            )
            checkpoint = Checkpoint(self.store_id, STREAM, version_text(now))
            unseen = [c for c in candidates if c.object_id not in known]
            if unseen:  # first sight of a level is its baseline, not a change
                await self.log.remember(unseen, checkpoint)
            seen = [c for c in candidates if c.object_id in known]
            events = await self.sink.record(seen, checkpoint=checkpoint)
            self.last_poll_at, self.last_error = now, None
            return len(events)

    async def _levels(self) -> list[InventoryLevel]:
        inline, wanted = await self._walk_catalogue()
        levels = list(inline)
        if wanted:
            found = await self.handle.client.get_inventory_levels(wanted)
            for item_levels in found.values():
                levels.extend(item_levels)
        # one level can show up under two products (a Magento child of two configurables).
        return list({lv.external_id: lv for lv in levels}.values())

    async def _walk_catalogue(self) -> tuple[list[InventoryLevel], list[str]]:
        """Levels variants carry inline, and the inventory item ids still to ask for."""
        client = self.handle.client
        inline: list[InventoryLevel] = []
        wanted: dict[str, None] = {}
        cursor: str | None = None
        while True:
            page = await client.list_products(
                ProductQuery(), cursor=cursor, limit=client.max_page_size
            )
            for error in page.errors:  # skipped, not fatal: the rest of the page still counts
                log.warning("inventory poll of %s skipped a product: %s", self.store_id, error)
            for variant in (v for p in page.items for v in p.variants):
                if variant.inline_inventory is not None:
                    inline.extend(variant.inline_inventory)
                elif variant.inventory_item_id:
                    wanted[variant.inventory_item_id] = None
            cursor = page.next_cursor
            if cursor is None:
                return inline, list(wanted)
