"""A large store's backfill in one bulk read, when its client has one (Shopify over GraphQL)."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.events.log import Checkpoint, EventLog
from gateway.progress import Progress
from gateway.walk import Position, calls_of
from platforms.adapter import PlatformClient
from platforms.events import EventSource, candidate_of
from platforms.registry import get_spec


async def backfill_in_bulk(
    client: PlatformClient, event_log: EventLog, since: datetime, stream: str, progress: Progress
) -> tuple[int, int, int] | None:
    """Every order since `since` from the client's `whole_history` (None when it has none, or
    the store is below its `bulk_above` size: walk the pages instead), appended at once with
    the finished position. (walked, appended, skipped)"""
    whole = getattr(client, "whole_history", None)
    before = calls_of(client)
    found = await whole(since) if whole is not None else None
    if found is None:
        return None
    orders, errors = found
    spec = get_spec(client.connection.platform)
    now = datetime.now(UTC)
    candidates = [
        candidate_of(
            order,
            EventSource.POLL,
            now=now,
            refunds=spec.refund_marker,
            mapping_version=spec.mapping_version,
        )
        for order in orders
    ]
    stamps = [o.updated_at for o in orders if o.updated_at is not None]
    position = Position(
        done=len(orders),
        top=max(stamps).isoformat() if stamps else None,
        reached=min(stamps).isoformat() if stamps else None,
        finished=True,
    )
    store = client.connection.store_id
    events = await event_log.append(
        candidates, checkpoint=Checkpoint(store, stream, position.to_text())
    )
    progress.advance(len(orders), calls_of(client) - before, len(orders))
    return len(orders), len(events), len(errors)
