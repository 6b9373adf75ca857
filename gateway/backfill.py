"""`cartgraph backfill`: a store's order history since a time into the event log, resumable."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from gateway.backfill_bulk import backfill_in_bulk
from gateway.events.log import Checkpoint, EventLog
from gateway.progress import Progress
from gateway.walk import Position, timed_fetch
from platforms.adapter import PlatformClient
from platforms.events import EventSource, candidate_of, version_text
from platforms.registry import get_spec


@dataclass(frozen=True)
class Outcome:
    """How a run ended: items walked this run, events appended, whether it completed."""

    walked: int
    appended: int
    finished: bool
    skipped: int = 0  # payloads that could not be mapped (the walk moved past them)


def stream_of(since: datetime) -> str:
    """The checkpoint stream of a backfill: one per start time, so another `--since` is
    another backfill, and the live poller's own checkpoint is never touched."""
    return f"backfill:{version_text(since)}"


async def backfill(
    client: PlatformClient,
    event_log: EventLog,
    since: datetime,
    *,
    page_size: int,
    progress: Progress,
    stop: asyncio.Event,
) -> Outcome:
    """Walk the orders updated since `since`, newest first; each page's events and the
    position after it are stored in one step (`EventLog.append` with the checkpoint), so a
    stop at any point resumes at the next page and repeats no event (the log dedupes by
    version, too). Stops cleanly between pages when `stop` is set."""
    store = client.connection.store_id
    spec = get_spec(client.connection.platform)
    stream = stream_of(since)
    position = Position.from_text(await event_log.checkpoint(store, stream))
    progress.resume_at(position.done)
    walked = appended = skipped = 0
    if position.done == 0 and not position.finished:  # a large store: one bulk read
        bulk = await backfill_in_bulk(client, event_log, since, stream, progress)
        if bulk is not None:
            return Outcome(bulk[0], bulk[1], True, bulk[2])
    while not position.finished and not stop.is_set():
        page, cost = await timed_fetch(client, "orders", since, position.cursor, page_size)
        now = datetime.now(UTC)
        candidates = [
            candidate_of(
                order,
                EventSource.POLL,
                now=now,
                refunds=spec.refund_marker,
                mapping_version=spec.mapping_version,
            )
            for order in page.items
        ]
        position = position.after(page)
        events = await event_log.append(
            candidates, checkpoint=Checkpoint(store, stream, position.to_text())
        )
        walked, appended, skipped = (
            walked + len(page.items),
            appended + len(events),
            skipped + len(page.errors),
        )
        progress.advance(
            len(page.items),
            cost["calls"],
            position.estimate(since),
            units=cost["units"],
            seconds=cost["seconds"],
        )
    return Outcome(walked, appended, position.finished, skipped)
