"""Everything that touched one order, product or variant, in time order."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from gateway.writes.model import Job
from platforms.ids import Kind

if TYPE_CHECKING:
    from gateway.events.service import EventService
    from gateway.writes.queue import WriteQueue

WRITE_PAGE, WRITE_PAGES = 500, 10  # newest write jobs of the store searched, at most


class EntryKind(enum.StrEnum):
    """What an entry of an object's history is."""

    RECEIPT = "RECEIPT"  # a webhook delivery that showed the object
    EVENT = "EVENT"  # an event recorded for it (source WEBHOOK, or POLL: a poll observation)
    DEAD_LETTER = "DEAD_LETTER"  # incoming data about it that could not be mapped
    WRITE = "WRITE"  # a write operation to it


@dataclass(frozen=True)
class Entry:
    """One thing that happened to the object; fields that do not apply are None."""

    at: datetime
    kind: EntryKind
    store_id: str
    ref: str
    what: str
    source: str | None = None
    status: str | None = None
    attempts: int | None = None
    request_id: str | None = None
    error_code: str | None = None
    error_message: str | None = None


def _time(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def resource_keys(kind: Kind, object_id: str) -> tuple[str, ...]:
    """The write-queue resource keys (prefixes) of an object's writes."""
    if kind is Kind.ORDER:
        return (f"order:{object_id}",)
    if kind is Kind.VARIANT:
        return (f"variant:{object_id}", f"inventory:{object_id}:")
    return ()


def _write_entry(job: Job) -> Entry:
    return Entry(
        at=_time(job.created_at),
        kind=EntryKind.WRITE,
        store_id=job.store_id,
        ref=job.id,
        what=job.kind,
        status=job.status.value,
        attempts=job.attempts,
        request_id=job.platform_request_id,
        error_code=job.last_error_code,
        error_message=job.last_error_message,
    )


async def _writes_of(writes: WriteQueue, store_id: str, kind: Kind, object_id: str) -> list[Entry]:
    keys = resource_keys(kind, object_id)
    if not keys:
        return []
    found: list[Entry] = []
    before: int | None = None
    for _ in range(WRITE_PAGES):
        page = await writes.list_jobs([store_id], None, before, WRITE_PAGE)
        found.extend(
            _write_entry(j)
            for j in page
            if j.resource_key == keys[0] or any(j.resource_key.startswith(k) for k in keys[1:])
        )
        if len(page) < WRITE_PAGE:
            break
        before = page[-1].seq
    return found


async def _incoming(events: EventService, store_id: str, kind: Kind, object_id: str) -> list[Entry]:
    """Receipts, events and dead letters of one object."""
    ops = events.ops
    if ops is None:
        return []
    found = [
        Entry(
            _time(r.received_at),
            EntryKind.RECEIPT,
            r.store_id,
            f"receipt_{r.id}",
            r.topic,
            source="WEBHOOK",
            request_id=r.delivery_id,
        )
        for r in await ops.receipts_of(store_id, kind, object_id)
    ]
    found.extend(
        Entry(
            e.recorded_at,
            EntryKind.EVENT,
            e.store_id,
            e.event_id,
            e.type.value,
            source=e.source.value,
        )
        for e in await ops.events_of(store_id, kind, object_id)
    )
    for letter in await ops.letters_of(store_id, kind, object_id):
        request = None
        if letter.receipt_id is not None:
            receipt = await ops.receipt(letter.receipt_id)
            request = receipt.delivery_id if receipt is not None else None
        found.append(
            Entry(
                at=_time(letter.created_at),
                kind=EntryKind.DEAD_LETTER,
                store_id=letter.store_id,
                ref=f"dl_{letter.id}",
                what=letter.topic,
                source=letter.source.value,
                status=letter.status.value,
                attempts=letter.attempts,
                request_id=request,
                error_code=letter.error_code,
                error_message=letter.error_message,
            )
        )
    return found


async def object_history(
    events: EventService | None,
    writes: WriteQueue | None,
    store_id: str,
    kind: Kind,
    object_id: str,
) -> list[Entry]:
    """Receipts, poll observations, events, dead letters and writes of one object, oldest
    first (writes: among the store's newest WRITE_PAGE * WRITE_PAGES jobs)."""
    found: list[Entry] = []
    if events is not None:
        found.extend(await _incoming(events, store_id, kind, object_id))
    if writes is not None:
        found.extend(await _writes_of(writes, store_id, kind, object_id))
    order = {k: n for n, k in enumerate(EntryKind)}
    return sorted(found, key=lambda e: (e.at, order[e.kind], e.ref))
