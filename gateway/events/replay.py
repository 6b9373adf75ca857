"""Replay dead letters after a fix: each re-processed once, its events appended exactly once."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from gateway.events.ops_store import DeadLetter, LetterSource, LetterStatus, OpsStore
from platforms.errors import CartgraphError, NotFoundError, StoreNotFoundError
from platforms.events import EventSource, StoredEvent, candidate_of
from platforms.ids import Kind
from platforms.registry import get_spec

if TYPE_CHECKING:
    from gateway.events.service import EventService

log = logging.getLogger("cartgraph.events")

MAX_BULK = 1000  # letters one bulk replay takes on (run it again for more)


@dataclass(frozen=True)
class Replayed:
    """What one replay did: the letter as it stands now and the events it appended."""

    letter: DeadLetter
    events: tuple[StoredEvent, ...]


async def replay_letter(service: EventService, ops: OpsStore, letter: DeadLetter) -> Replayed:
    """Re-process one letter. A letter already replayed is left alone (its events exist), and
    a repeat of events is dropped by the log's dedupe, so replays never duplicate events."""
    if letter.status is LetterStatus.REPLAYED:
        return Replayed(letter, ())
    try:
        events = await _reprocess(service, ops, letter)
    except CartgraphError as exc:
        log.warning("replay of dead letter %s failed: %s", letter.id, exc)
        settled = await ops.settle(letter.id, (exc.code, str(exc)))
        return Replayed(settled or letter, ())
    settled = await ops.settle(letter.id, None)
    return Replayed(settled or letter, tuple(events))


async def replay_many(
    service: EventService,
    ops: OpsStore,
    store_ids: Sequence[str],
    source: LetterSource | None,
    limit: int = MAX_BULK,
) -> list[Replayed]:
    """Replay the stores' quarantined letters, oldest first, one at a time."""
    letters = await ops.letters(store_ids, source, LetterStatus.QUARANTINED, min(limit, MAX_BULK))
    return [await replay_letter(service, ops, letter) for letter in reversed(letters)]


async def _reprocess(service: EventService, ops: OpsStore, letter: DeadLetter) -> list[StoredEvent]:
    if letter.store_id not in service.registry.store_ids:
        raise StoreNotFoundError(f"Store {letter.store_id!r} is no longer configured")
    if letter.source is LetterSource.WEBHOOK and letter.receipt_id is not None:
        receipt = await ops.receipt(letter.receipt_id)
        if receipt is None:
            raise NotFoundError(f"receipt {letter.receipt_id} is gone", store_id=letter.store_id)
        return await service.processor.process(receipt)
    return await _refetch(service, letter)


async def _refetch(service: EventService, letter: DeadLetter) -> list[StoredEvent]:
    """A polled object: read it again through the store's (fixed) mapping."""
    handle = service.registry.get(letter.store_id)
    ident = letter.object_id
    if ident is None or letter.kind not in (Kind.ORDER, Kind.PRODUCT):
        raise NotFoundError(
            "the dead letter names no object to read again", store_id=letter.store_id
        )
    client = handle.client
    found = await (
        client.get_orders([ident]) if letter.kind is Kind.ORDER else client.get_products([ident])
    )
    errors = getattr(found, "errors", None) or {}
    if ident in errors:
        raise errors[ident]
    obj = found.get(ident)
    if obj is None:
        raise NotFoundError(
            f"{letter.kind.value} {ident} no longer exists", store_id=letter.store_id
        )
    spec = get_spec(handle.connection.platform)
    candidate = candidate_of(
        obj,
        EventSource.POLL,
        now=datetime.now(UTC),
        refunds=spec.refund_marker,
        mapping_version=spec.mapping_version,
    )
    return await service.sink.record([candidate])
