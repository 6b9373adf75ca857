"""Admin queries for 2 a.m.: syncStatus, deadLetters and objectHistory (gateway.operability)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import strawberry
from strawberry.scalars import JSON

from gateway.auth.principal import Scope
from gateway.operability import history, letters, status
from platforms.errors import InvalidInputError
from platforms.ids import Kind, decode_id

if TYPE_CHECKING:
    from gateway.events.service import EventService
    from gateway.writes.queue import WriteQueue

MAX_LETTERS = 500
HISTORY_KINDS = (Kind.ORDER, Kind.PRODUCT, Kind.VARIANT)

DeadLetterKind = strawberry.enum(
    letters.LetterKind,
    name="DeadLetterKind",
    description="RECEIPT: a webhook delivery; POLL: a payload a poll read; WRITE: a write.",
)
HistoryEntryKind = strawberry.enum(
    history.EntryKind,
    name="HistoryEntryKind",
    description="RECEIPT, EVENT (source WEBHOOK or POLL), DEAD_LETTER or WRITE.",
)


def app_state(info: strawberry.Info) -> tuple[EventService | None, WriteQueue | None]:
    """The app's event service and write queue (either may be absent)."""
    state = getattr(getattr(info.context.request, "app", None), "state", None)
    return getattr(state, "events", None), getattr(state, "writes", None)


def sees_personal(info: strawberry.Info) -> bool:
    """Whether raw bodies may be shown whole: `read:customers`, and not switched off."""
    ctx = info.context
    return bool(ctx.principal.has(Scope.READ_CUSTOMERS) and ctx.limits.customer_raw)


@strawberry.type(description="One poller of a store and where it stands.")
class PollStatus:
    stream: str = strawberry.field(description="`orders`, or `inventory` (stock and catalogue).")
    interval_seconds: float = strawberry.field(description="Seconds between polls.")
    last_poll_at: datetime | None = strawberry.field(
        description="When this process last finished a poll (null: not yet, or another "
        "replica polls)."
    )
    last_error: str | None = strawberry.field(description="Why the last poll failed, if it did.")
    checkpoint: str | None = strawberry.field(
        description="The poller's checkpoint in the log (orders: newest `updated_at` seen)."
    )


@strawberry.type(description="Failed upstream attempts with one error code.")
class ErrorCount:
    code: str = strawberry.field(description="Error code, e.g. AUTHENTICATION_FAILED.")
    count: int = strawberry.field(description="Attempts that failed so (since process start).")


@strawberry.type(description="Write operations of a store in one status.")
class WriteCount:
    status: str = strawberry.field(description="QUEUED, RUNNING, RETRYING, SUCCEEDED, QUARANTINED.")
    count: int = strawberry.field(description="How many.")


@strawberry.type(description="How one store is syncing: feeds, checkpoints, lag, errors, budget.")
class SyncStatus:
    store_id: str = strawberry.field(description="The store.")
    platform: str = strawberry.field(description="The store's platform.")
    up: bool | None = strawberry.field(
        description="False when the store's last upstream attempt failed (auth, 5xx, timeout); "
        "null before any attempt or with metrics off."
    )
    webhooks: bool = strawberry.field(description="Whether the platform sends webhooks.")
    last_webhook_at: datetime | None = strawberry.field(
        description="When the last webhook of the store was received."
    )
    webhooks_last_hour: int = strawberry.field(description="Webhooks received in the last hour.")
    webhooks_quarantined_last_hour: int = strawberry.field(
        description="Of those, quarantined (see deadLetters)."
    )
    polls: list[PollStatus] = strawberry.field(description="The store's pollers.")
    last_event_at: datetime | None = strawberry.field(
        description="When the newest recorded change happened."
    )
    lag_seconds: float | None = strawberry.field(
        description="Now minus the newest recorded change."
    )
    upstream_requests: int = strawberry.field(
        description="Upstream attempts by this process since it started."
    )
    upstream_errors: list[ErrorCount] = strawberry.field(
        description="Failed upstream attempts by error code (this process, since start)."
    )
    error_rate: float | None = strawberry.field(
        description="Failed / all upstream attempts (null before any)."
    )
    rate_budget_used: float | None = strawberry.field(
        description="How full this process's rate bucket of the store is, 0 to 1."
    )
    dead_letters: int = strawberry.field(
        description="Quarantined receipts and polled payloads waiting for a replay."
    )
    writes: list[WriteCount] = strawberry.field(description="Write operations by status.")
    credential_expires_at: datetime | None = strawberry.field(
        description="When the store's credential expires, where the platform has an expiry "
        "(none of the current platforms' tokens do: null)."
    )

    @classmethod
    def of(cls, s: status.SyncStatus) -> SyncStatus:
        """From the gathered status."""
        return cls(
            store_id=s.store_id,
            platform=s.platform,
            up=s.up,
            webhooks=s.webhooks,
            last_webhook_at=s.last_webhook_at,
            webhooks_last_hour=s.webhooks_received,
            webhooks_quarantined_last_hour=s.webhooks_quarantined,
            polls=[PollStatus(**p.__dict__) for p in s.polls],
            last_event_at=s.last_event_at,
            lag_seconds=s.lag_seconds,
            upstream_requests=s.upstream_requests,
            upstream_errors=[
                ErrorCount(code=c, count=n) for c, n in sorted(s.upstream_errors.items())
            ],
            error_rate=s.error_rate,
            rate_budget_used=s.rate_budget_used,
            dead_letters=s.dead_letters,
            writes=[WriteCount(status=k, count=v) for k, v in s.writes.items()],
            credential_expires_at=s.credential_expires_at,
        )


@strawberry.type(description="Data that could not be processed, kept with its error for a replay.")
class DeadLetter:
    id: strawberry.ID = strawberry.field(
        description="`dl_…` for receipts and polled payloads (replayReceipt), a write "
        "operation id for writes (replayWriteOperation)."
    )
    kind: DeadLetterKind = strawberry.field(description="What was quarantined.")  # type: ignore[valid-type]
    store_id: str = strawberry.field(description="The store it came from or went to.")
    topic: str = strawberry.field(
        description="Webhook topic, `poll/<stream>`, or the write's kind."
    )
    status: str = strawberry.field(description="QUARANTINED, or REPLAYED once replayed.")
    error_code: str = strawberry.field(description="Why it failed, as an error code.")
    error_message: str = strawberry.field(description="Why it failed (never a body or secret).")
    attempts: int = strawberry.field(description="Times it was tried (receipt: 1 + replays).")
    created_at: datetime = strawberry.field(description="When it was first quarantined.")
    updated_at: datetime = strawberry.field(description="When it last changed.")
    object_kind: str | None = strawberry.field(description="The kind of object it names, if known.")
    object_id: str | None = strawberry.field(
        description="The platform id of the object it names (writes: the resource key)."
    )
    body: JSON | None = strawberry.field(
        description="The raw body (JSON, or text), personal data removed unless the caller "
        "has `read:customers`; the write's input for writes; null for polled payloads."
    )
    body_redacted: bool = strawberry.field(description="Whether personal data was removed.")

    @classmethod
    def of(cls, letter: letters.Letter) -> DeadLetter:
        """From a gathered letter."""
        return cls(**{**letter.__dict__, "body": cast(JSON, letter.body)})


@strawberry.type(description="One thing that touched an object.")
class ObjectHistoryEntry:
    at: datetime = strawberry.field(description="When (received, recorded, quarantined, accepted).")
    kind: HistoryEntryKind = strawberry.field(description="What it is.")  # type: ignore[valid-type]
    store_id: str = strawberry.field(description="The store.")
    ref: str = strawberry.field(
        description="Its id: receipt_…, an event id, dl_…, or a write operation id."
    )
    what: str = strawberry.field(
        description="Webhook topic, event type, dead letter topic, or write kind."
    )
    source: str | None = strawberry.field(description="WEBHOOK or POLL, for incoming data.")
    status: str | None = strawberry.field(description="A dead letter's or a write's status.")
    attempts: int | None = strawberry.field(description="Attempts of a write or dead letter.")
    request_id: str | None = strawberry.field(
        description="The platform's request id of a write's last answer, or a webhook's "
        "delivery id."
    )
    error_code: str | None = strawberry.field(description="The last error's code, if any.")
    error_message: str | None = strawberry.field(description="The last error, if any.")


def _letter_kind(kind: Any) -> letters.LetterKind | None:
    return None if kind is None else letters.LetterKind(kind)


@strawberry.type
class OperabilityQueries:
    @strawberry.field(description="Sync status per visible store (admin).")
    async def sync_status(
        self, info: strawberry.Info, store_ids: list[strawberry.ID] | None = None
    ) -> list[SyncStatus]:
        events, writes = app_state(info)
        metrics = info.context.telemetry.metrics if info.context.telemetry else None
        requested = None if store_ids is None else [str(s) for s in store_ids]
        return [
            SyncStatus.of(await status.sync_status(h, events, writes, metrics))
            for h in info.context.stores(requested)
        ]

    @strawberry.field(
        description="Quarantined receipts, polled payloads and writes, newest first (admin)."
    )
    async def dead_letters(
        self,
        info: strawberry.Info,
        store_ids: list[strawberry.ID] | None = None,
        kind: DeadLetterKind | None = None,  # type: ignore[valid-type]
        first: int = 100,
    ) -> list[DeadLetter]:
        if not 1 <= first <= MAX_LETTERS:
            raise InvalidInputError(f"`first` must be between 1 and {MAX_LETTERS}, got {first}")
        events, writes = app_state(info)
        requested = None if store_ids is None else [str(s) for s in store_ids]
        stores = [h.connection.store_id for h in info.context.stores(requested)]
        found = await letters.dead_letters(
            events, writes, stores, _letter_kind(kind), personal=sees_personal(info), limit=first
        )
        return [DeadLetter.of(letter) for letter in found]

    @strawberry.field(
        description="Every receipt, poll observation, event, dead letter and write that touched "
        "an order, product or variant, oldest first (admin)."
    )
    async def object_history(
        self, info: strawberry.Info, id: strawberry.ID
    ) -> list[ObjectHistoryEntry]:
        gid = decode_id(str(id))
        if gid.kind not in HISTORY_KINDS:
            raise InvalidInputError("objectHistory takes an Order, Product or Variant id")
        info.context.store(gid.store_id)  # an unseen store looks unknown
        events, writes = app_state(info)
        entries = await history.object_history(
            events, writes, gid.store_id, gid.kind, gid.external_id
        )
        return [ObjectHistoryEntry(**e.__dict__) for e in entries]
