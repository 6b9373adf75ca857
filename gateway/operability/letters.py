"""Dead letters of every kind in one list: quarantined receipts, polled payloads and writes."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

from gateway.events.ops_store import DeadLetter, LetterSource, LetterStatus
from gateway.writes.model import Job, JobStatus
from resolvers.privacy import redact_personal

if TYPE_CHECKING:
    from gateway.events.service import EventService
    from gateway.writes.queue import WriteQueue

REDACTED = "[redacted: not JSON; needs read:customers]"


class LetterKind(enum.StrEnum):
    """What was quarantined."""

    RECEIPT = "RECEIPT"  # a webhook delivery
    POLL = "POLL"  # a payload a poll read
    WRITE = "WRITE"  # a write operation the platform refused


@dataclass(frozen=True)
class Letter:
    """One dead letter as operators see it (the body redacted unless they may see people)."""

    id: str
    kind: LetterKind
    store_id: str
    topic: str
    status: str
    error_code: str
    error_message: str
    attempts: int
    created_at: datetime
    updated_at: datetime
    object_kind: str | None
    object_id: str | None
    body: Any
    body_redacted: bool


def body_view(raw: bytes | None, personal: bool) -> tuple[Any, bool]:
    """The raw body as JSON (text when it is not JSON), personal data removed unless
    `personal`; (view, whether anything was withheld)."""
    if raw is None:
        return None, False
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return (raw.decode("utf-8", "replace"), False) if personal else (REDACTED, True)
    if personal:
        return parsed, False
    redacted = redact_personal(parsed)
    return redacted, redacted != parsed


def _time(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def from_dead_letter(letter: DeadLetter, body: bytes | None, personal: bool) -> Letter:
    """A receipt or poll letter (`body`: the receipt's raw bytes, or the letter's own)."""
    view, redacted = body_view(body, personal)
    kind = LetterKind.RECEIPT if letter.source is LetterSource.WEBHOOK else LetterKind.POLL
    return Letter(
        id=f"dl_{letter.id}",
        kind=kind,
        store_id=letter.store_id,
        topic=letter.topic,
        status=letter.status.value,
        error_code=letter.error_code,
        error_message=letter.error_message,
        attempts=letter.attempts,
        created_at=_time(letter.created_at),
        updated_at=_time(letter.updated_at),
        object_kind=letter.kind.value if letter.kind else None,
        object_id=letter.object_id,
        body=view,
        body_redacted=redacted,
    )


def from_job(job: Job) -> Letter:
    """A quarantined write (its input is ours, in platform ids: nothing personal to hide)."""
    return Letter(
        id=job.id,
        kind=LetterKind.WRITE,
        store_id=job.store_id,
        topic=job.kind,
        status=job.status.value,
        error_code=job.last_error_code or "",
        error_message=job.last_error_message or "",
        attempts=job.attempts,
        created_at=_time(job.created_at),
        updated_at=_time(job.updated_at),
        object_kind=None,
        object_id=job.resource_key,
        body=job.payload,
        body_redacted=False,
    )


async def letter_body(events: EventService, letter: DeadLetter) -> bytes | None:
    """A letter's raw body: its own, or its receipt's."""
    if letter.body is not None or letter.receipt_id is None or events.ops is None:
        return letter.body
    receipt = await events.ops.receipt(letter.receipt_id)
    return None if receipt is None else receipt.body


async def dead_letters(
    events: EventService | None,
    writes: WriteQueue | None,
    store_ids: Sequence[str],
    kind: LetterKind | None,
    *,
    personal: bool,
    limit: int,
) -> list[Letter]:
    """Quarantined letters of these stores, newest first (each kind newest first, merged)."""
    found: list[Letter] = []
    if events is not None and events.ops is not None and kind is not LetterKind.WRITE:
        source = {LetterKind.RECEIPT: LetterSource.WEBHOOK, LetterKind.POLL: LetterSource.POLL}
        wanted = source.get(kind) if kind is not None else None
        for letter in await events.ops.letters(store_ids, wanted, LetterStatus.QUARANTINED, limit):
            found.append(from_dead_letter(letter, await letter_body(events, letter), personal))
    if writes is not None and kind in (None, LetterKind.WRITE):
        jobs = await writes.list_jobs(list(store_ids), JobStatus.QUARANTINED, None, limit)
        found.extend(from_job(job) for job in jobs)
    found.sort(key=lambda letter: letter.updated_at, reverse=True)
    return found[:limit]


async def count_dead_letters(
    events: EventService | None, writes: WriteQueue | None, store_id: str, *, cap: int = 1000
) -> int:
    """How many letters one store has in quarantine, every kind (counted up to `cap` each:
    a status page needs "many", not an exact census)."""
    count = 0
    if events is not None and events.ops is not None:
        quarantined = await events.ops.letters([store_id], None, LetterStatus.QUARANTINED, cap)
        count += len(quarantined)
    if writes is not None:
        count += len(await writes.list_jobs([store_id], JobStatus.QUARANTINED, None, cap))
    return count
