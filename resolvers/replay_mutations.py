"""Admin mutations that re-process dead letters: replayReceipt and replayReceipts."""

from __future__ import annotations

import strawberry

from gateway.events.ops_store import LetterSource, OpsStore
from gateway.events.replay import Replayed, replay_letter, replay_many
from gateway.operability.letters import LetterKind, from_dead_letter, letter_body
from platforms.errors import InvalidInputError
from resolvers.operability import DeadLetter, DeadLetterKind, app_state, sees_personal
from resolvers.subscriptions import EventsDisabledError

MAX_BULK = 1000
_PREFIX = "dl_"


@strawberry.type(description="What one replay did.")
class ReceiptReplay:
    dead_letter: DeadLetter = strawberry.field(
        description="The letter after the replay: REPLAYED, or still QUARANTINED with the "
        "replay's error."
    )
    event_ids: list[strawberry.ID] = strawberry.field(
        description="Events this replay appended (empty when they already existed: replays "
        "never duplicate an event)."
    )


def _letter_id(value: strawberry.ID) -> int:
    text = str(value)
    digits = text[len(_PREFIX) :]
    if not text.startswith(_PREFIX) or not digits.isascii() or not digits.isdigit():
        raise InvalidInputError(f"{text[:64]!r} is not a dead letter id (dl_…)")
    if int(digits) >= 2**63:
        raise InvalidInputError(f"{text[:64]!r} is not a dead letter id (dl_…)")
    return int(digits)


def _ops(info: strawberry.Info) -> OpsStore:
    events, _ = app_state(info)
    if events is None or events.ops is None:
        raise EventsDisabledError("the event feed is not enabled on this gateway")
    return events.ops


async def _view(info: strawberry.Info, done: Replayed) -> ReceiptReplay:
    events, _ = app_state(info)
    assert events is not None
    body = await letter_body(events, done.letter)
    letter = from_dead_letter(done.letter, body, sees_personal(info))
    return ReceiptReplay(
        dead_letter=DeadLetter.of(letter),
        event_ids=[strawberry.ID(e.event_id) for e in done.events],
    )


@strawberry.type
class ReplayMutations:
    @strawberry.mutation(
        description="Process a quarantined receipt (or polled payload) again, after a mapping "
        "fix: its events are appended exactly once (admin)."
    )
    async def replay_receipt(self, info: strawberry.Info, id: strawberry.ID) -> ReceiptReplay:
        ops = _ops(info)
        letter = await ops.letter(_letter_id(id))
        visible = set(info.context.visible_store_ids)
        if letter is None or letter.store_id not in visible:
            raise InvalidInputError(f"No dead letter {str(id)[:64]!r}")
        events, _ = app_state(info)
        assert events is not None
        return await _view(info, await replay_letter(events, ops, letter))

    @strawberry.mutation(
        description="Replay every quarantined receipt and/or polled payload of these stores "
        "(all visible when null), oldest first, at most `first` (admin)."
    )
    async def replay_receipts(
        self,
        info: strawberry.Info,
        store_ids: list[strawberry.ID] | None = None,
        kind: DeadLetterKind | None = None,  # type: ignore[valid-type]
        first: int = 100,
    ) -> list[ReceiptReplay]:
        if not 1 <= first <= MAX_BULK:
            raise InvalidInputError(f"`first` must be between 1 and {MAX_BULK}, got {first}")
        if kind == LetterKind.WRITE:
            raise InvalidInputError("writes are replayed with replayWriteOperation")
        ops = _ops(info)
        events, _ = app_state(info)
        assert events is not None
        requested = None if store_ids is None else [str(s) for s in store_ids]
        stores = [h.connection.store_id for h in info.context.stores(requested)]
        source = {LetterKind.RECEIPT: LetterSource.WEBHOOK, LetterKind.POLL: LetterSource.POLL}
        wanted = None if kind is None else source[LetterKind(kind)]
        return [await _view(info, r) for r in await replay_many(events, ops, stores, wanted, first)]
