"""The inventory safety net: per store, stock levels that changed since the last poll."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from gateway.events.log import Checkpoint, EventLog
from gateway.events.poll_loop import PollLoop
from gateway.events.product_poll import record_catalogue
from gateway.events.sink import EventSink
from gateway.stores import StoreHandle
from platforms.adapter import ProductQuery
from platforms.canonical import InventoryLevel, Product
from platforms.events import EventSource, candidate_of, version_text
from platforms.ids import Kind
from platforms.registry import get_spec

log = logging.getLogger("cartgraph.poller")

STREAM = "inventory"
Catalogue = tuple[list[Product], set[str]]  # a full pass: products, ids that did not map


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
        self.product_events = 0  # product events of every poll so far (tests, diagnostics)

    async def poll(self) -> int:
        """One poll; returns how many stock events it appended (its product events are
        counted in `product_events`)."""
        async with self._lock:
            now = datetime.now(UTC)
            version = get_spec(self.handle.connection.platform).mapping_version
            levels, catalogue = await self._levels()
            candidates = [
                candidate_of(lv, EventSource.POLL, now=now, mapping_version=version)
                for lv in levels
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
            products, unmapped = catalogue
            changed = await record_catalogue(
                self.log,
                self.sink,
                self.ops,
                store_id=self.store_id,
                platform=self.handle.connection.platform,
                mapping_version=version,
                products=products,
                unmapped=unmapped,
                now=now,
            )
            self.product_events += changed
            self.last_poll_at, self.last_error = now, None
            return len(events)

    async def _levels(self) -> tuple[list[InventoryLevel], Catalogue]:
        bulk = await self._bulk()
        if bulk is not None:
            return bulk
        inline, wanted, catalogue = await self._walk_catalogue()
        levels = list(inline)
        if wanted:
            found = await self.handle.client.get_inventory_levels(wanted)
            for item_levels in found.values():
                levels.extend(item_levels)
        # one level can show up under two products (a Magento child of two configurables).
        return list({lv.external_id: lv for lv in levels}.values()), catalogue

    async def _walk_catalogue(self) -> tuple[list[InventoryLevel], list[str], Catalogue]:
        """Levels variants carry inline, the inventory item ids still to ask for, and the
        catalogue itself (products, and the ids of those that did not map)."""
        client = self.handle.client
        inline: list[InventoryLevel] = []
        wanted: dict[str, None] = {}
        products: dict[str, Product] = {}
        unmapped: set[str] = set()
        cursor: str | None = None
        while True:
            page = await client.list_products(
                ProductQuery(), cursor=cursor, limit=client.max_page_size
            )
            await self.quarantine(list(page.errors), Kind.PRODUCT)  # the rest still counts
            unmapped.update(e.external_id for e in page.errors if e.external_id)
            products.update((p.external_id, p) for p in page.items)
            for variant in (v for p in page.items for v in p.variants):
                if variant.inline_inventory is not None:
                    inline.extend(variant.inline_inventory)
                elif variant.inventory_item_id:
                    wanted[variant.inventory_item_id] = None
            cursor = page.next_cursor
            if cursor is None:
                return inline, list(wanted), (list(products.values()), unmapped)

    async def _bulk(self) -> tuple[list[InventoryLevel], Catalogue] | None:
        """A large store's catalogue and stock in one bulk read, when its client has one
        (Shopify over GraphQL, above the store's `bulk_above` option); None: walk pages."""
        whole = getattr(self.handle.client, "whole_catalogue", None)
        found = await whole() if whole is not None else None
        if found is None:
            return None
        await self.quarantine(list(found.errors), Kind.PRODUCT)
        await self.quarantine(list(found.level_errors), Kind.INVENTORY_LEVEL)
        unmapped = {e.external_id for e in found.errors if e.external_id}
        levels = list({lv.external_id: lv for lv in found.levels}.values())
        return levels, (list(found.products), unmapped)
