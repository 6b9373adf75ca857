"""Product events from the inventory poller's catalogue pass: changes, and deletions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from gateway.events.log import Checkpoint, EventLog
from gateway.events.ops_store import OpsStore
from gateway.events.sink import EventSink
from platforms.canonical import Platform, Product
from platforms.events import Candidate, EventSource, candidate_of, deleted_candidate, version_text
from platforms.ids import Kind

STREAM = "products"


async def record_catalogue(
    event_log: EventLog,
    sink: EventSink,
    ops: OpsStore | None,
    *,
    store_id: str,
    platform: Platform,
    mapping_version: str,
    products: Sequence[Product],
    unmapped: set[str],
    now: datetime,
) -> int:
    """Record one full catalogue pass; returns the events it appended.

    The first pass of a store is a silent baseline. Later, a product at a newer version is
    PRODUCT_UPDATED (CREATED when it is new), and a product on record that the pass did not
    return is PRODUCT_DELETED. Only a complete pass gets here (a failed page raises), and a
    product whose payload did not map is not missing: `unmapped` names those.
    """
    # a product with no timestamp at all has no version to compare: seen, never an event
    candidates = [
        candidate_of(p, EventSource.POLL, now=now, mapping_version=mapping_version)
        for p in products
        if p.updated_at is not None or p.created_at is not None
    ]
    checkpoint = Checkpoint(store_id, STREAM, version_text(now))
    if await event_log.checkpoint(store_id, STREAM) is None:
        await event_log.remember(candidates, checkpoint)
        return 0
    gone: list[Candidate] = []
    if ops is not None:
        seen = {p.external_id for p in products} | unmapped
        live = await ops.live_objects(store_id, Kind.PRODUCT)
        gone = [
            deleted_candidate(store_id, platform, ident, EventSource.POLL, now=now, after=version)
            for ident, version in sorted(live.items())
            if ident not in seen
        ]
    events = await sink.record([*candidates, *gone], checkpoint=checkpoint)
    return len(events)
