"""Turns stored webhook receipts into canonical events, in arrival order, refetches batched."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

import orjson

from gateway.events.log import EventLog, Receipt
from gateway.events.mirror import OrderMirror
from gateway.events.ops_store import LetterSource, NewLetter, OpsStore
from gateway.events.sink import EventSink
from gateway.stores import StoreHandle
from platforms.canonical import Order, Product
from platforms.errors import CartgraphError, RetryableError
from platforms.events import (
    Candidate,
    EventSource,
    Observed,
    StoredEvent,
    candidate_of,
    deleted_candidate,
)
from platforms.ids import Kind
from platforms.mapping.kit import payload_id
from platforms.registry import get_spec
from platforms.webhooks import WebhookDelivery

log = logging.getLogger("cartgraph.events")

RETRY_SECONDS = 1.0
MAX_ATTEMPTS = 4
# thin deliveries (ids only) wait this long for more of their store before the refetch, so
# deliveries sent together cost one batched read; the wait restarts while more keep coming.
COALESCE_SECONDS = 0.05
MAX_COALESCE_SECONDS = 0.3
MAX_BATCH = 100


@dataclass
class _Parsed:
    """A receipt with its store and the delivery its body parsed into."""

    receipt: Receipt
    handle: StoreHandle
    delivery: WebhookDelivery


@dataclass
class _Refetched:
    """One batched read of every object a group of deliveries only names."""

    orders: Mapping[str, Order] = field(default_factory=dict)
    products: Mapping[str, Product] = field(default_factory=dict)


class ReceiptProcessor:
    """A single worker over a queue of receipt ids; start-up replays unprocessed receipts."""

    def __init__(
        self,
        event_log: EventLog,
        sink: EventSink,
        handle_of: Callable[[str], StoreHandle | None],
        ops: OpsStore | None = None,
        mirror_of: Callable[[str], OrderMirror | None] | None = None,
    ) -> None:
        self.log = event_log
        self.sink = sink
        self.handle_of = handle_of
        self.ops = ops
        # a mirrored store's orders (PlatformSpec.synced_mirror): what a delivery carries or
        # refetches is kept there too, so `orders(...)` does not wait for the next poll
        self.mirror_of = mirror_of
        self._queue: asyncio.Queue[Receipt] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.processed = 0

    async def start(self) -> None:
        """Queue every receipt left unprocessed by a previous run, then start working."""
        for receipt in await self.log.pending_receipts():
            self._queue.put_nowait(receipt)
        self._task = asyncio.create_task(self._work(), name="cartgraph-receipts")

    def submit(self, receipt: Receipt) -> None:
        """Process a freshly stored receipt (after it was acknowledged)."""
        self._queue.put_nowait(receipt)

    async def idle(self) -> None:
        """Wait until every queued receipt is processed (tests, shutdown)."""
        await self._queue.join()

    async def stop(self) -> None:
        """Stop working; unprocessed receipts stay in the log for the next start."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _work(self) -> None:
        while True:
            batch = [await self._queue.get()]
            try:
                await self._gather(batch)
                await self._process_batch(batch)
            except Exception:
                # a bug must not stop the worker: the receipts stay for the next start.
                log.exception("receipts %s could not be processed", [r.id for r in batch])
            finally:
                for _ in batch:
                    self._queue.task_done()

    async def _gather(self, batch: list[Receipt]) -> None:
        """Add what is queued behind the first receipt; a thin one waits for more of them
        while they keep coming (up to MAX_COALESCE_SECONDS)."""
        self._drain(batch)
        budget = MAX_COALESCE_SECONDS if self._is_thin(batch[0]) else 0.0
        while budget > 0 and len(batch) < MAX_BATCH:
            before = len(batch)
            await asyncio.sleep(COALESCE_SECONDS)
            budget -= COALESCE_SECONDS
            self._drain(batch)
            if len(batch) == before:
                return

    def _drain(self, batch: list[Receipt]) -> None:
        while not self._queue.empty() and len(batch) < MAX_BATCH:
            batch.append(self._queue.get_nowait())

    def _is_thin(self, receipt: Receipt) -> bool:
        """Whether the delivery needs a refetch (parse errors are left to processing)."""
        try:
            parsed = self._parse(receipt)
        except Exception:  # processing reports it; here it only decides a wait
            return False
        return parsed is not None and _needs_refetch(parsed.delivery)

    async def _process_batch(self, batch: list[Receipt]) -> None:
        """Receipts grouped by store (arrival order kept within each), one refetch a group."""
        groups: dict[str, list[_Parsed]] = {}
        for receipt in batch:
            try:
                parsed = self._parse(receipt)
            except CartgraphError as exc:
                await self.quarantine(receipt, exc)
                continue
            if parsed is None:
                await self.log.mark_processed(receipt.id)
            else:
                groups.setdefault(receipt.store_id, []).append(parsed)
        for group in groups.values():
            await self._process_group(group)

    async def _process_group(self, group: list[_Parsed]) -> None:
        fetched = await self._refetch_until_done(group)
        if fetched is None:
            return
        for item in group:
            try:
                await self._settle(item, fetched)
                self.processed += 1
            except CartgraphError as exc:
                await self.quarantine(item.receipt, exc)
            except Exception:
                log.exception("receipt %s could not be processed", item.receipt.id)

    async def _refetch_until_done(self, group: list[_Parsed]) -> _Refetched | None:
        """The group's batched refetch; None when it failed (each receipt settled as before:
        quarantined on a permanent error, left for the next start after transient ones)."""
        ids = [r.receipt.id for r in group]
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                return await _refetch(group[0].handle, [p.delivery for p in group])
            except RetryableError as exc:
                # one sick store must not stall every other one: after a few tries the
                # receipts stay unprocessed (the next start retries) and the poller still
                # finds the change.
                log.warning("receipts %s (attempt %d): %s", ids, attempt, exc)
                if attempt < MAX_ATTEMPTS:
                    await asyncio.sleep(RETRY_SECONDS * attempt)
            except CartgraphError as exc:
                for item in group:
                    await self.quarantine(item.receipt, exc)
                return None
        return None

    async def quarantine(self, receipt: Receipt, exc: CartgraphError) -> None:
        """Keep a receipt that cannot become events (a body that does not map, a store that
        refuses the refetch) with its error, for `replayReceipt` after the fix."""
        log.warning("receipt %s quarantined: %s", receipt.id, exc)
        if self.ops is None:  # a log kind without an ops store: the old behaviour
            await self.log.mark_processed(receipt.id)
            return
        kind, object_id = _named_object(receipt)
        await self.ops.quarantine(
            NewLetter(
                store_id=receipt.store_id,
                source=LetterSource.WEBHOOK,
                topic=receipt.topic,
                error_code=exc.code,
                error_message=str(exc),
                receipt_id=receipt.id,
                kind=kind,
                object_id=object_id,
            )
        )

    def _parse(self, receipt: Receipt) -> _Parsed | None:
        """The receipt's delivery; None when its store is no longer configured."""
        handle = self.handle_of(receipt.store_id)
        adapter = get_spec(handle.connection.platform).webhooks if handle else None
        if handle is None or adapter is None:
            log.warning("receipt %s: store %s no longer configured", receipt.id, receipt.store_id)
            return None
        delivery = adapter.parse(
            receipt.headers,
            receipt.body,
            store_id=handle.connection.store_id,
            currency=handle.connection.currency_code,
        )
        return _Parsed(receipt, handle, delivery)

    async def process(self, receipt: Receipt) -> list[StoredEvent]:
        """Parse, refetch what the body only names, and record the observed versions;
        returns the events this appended (none for repeats)."""
        parsed = self._parse(receipt)
        if parsed is None:
            await self.log.mark_processed(receipt.id)
            return []
        return await self._settle(parsed, await _refetch(parsed.handle, [parsed.delivery]))

    async def _settle(self, item: _Parsed, fetched: _Refetched) -> list[StoredEvent]:
        """Record one receipt's observed versions (its share of the group's refetch)."""
        receipt = item.receipt
        await self._mirror(item, fetched)  # before the events: a crash re-processes both
        candidates = await self._candidates(item.handle, item.delivery, fetched)
        events = await self.sink.record(candidates, receipt_id=receipt.id)
        if self.ops is not None and candidates:
            objects = [(c.kind, c.object_id) for c in candidates]
            await self.ops.link(receipt.id, receipt.store_id, objects)
        return events

    async def _mirror(self, item: _Parsed, fetched: _Refetched) -> None:
        mirror = self.mirror_of(item.receipt.store_id) if self.mirror_of else None
        delivery = item.delivery
        orders = [*delivery.orders, *_picked(fetched.orders, delivery.refetch_order_ids)]
        if mirror is not None and orders:
            await mirror.upsert(orders)

    async def _candidates(
        self, handle: StoreHandle, delivery: WebhookDelivery, fetched: _Refetched
    ) -> list[Candidate]:
        now = datetime.now(UTC)
        orders = _picked(fetched.orders, delivery.refetch_order_ids)
        products = _picked(fetched.products, delivery.refetch_product_ids)
        observed: list[Observed] = [
            *delivery.orders,
            *orders,
            *delivery.inventory_levels,
            *products,
        ]
        spec = get_spec(handle.connection.platform)
        found = [
            candidate_of(
                o,
                EventSource.WEBHOOK,
                now=now,
                refunds=spec.refund_marker,
                mapping_version=spec.mapping_version,
            )
            for o in observed
        ]
        store, platform = handle.connection.store_id, handle.connection.platform
        gone = []
        for ident in delivery.deleted_product_ids:
            after = await self.ops.version_of(store, Kind.PRODUCT, ident) if self.ops else None
            gone.append(
                deleted_candidate(store, platform, ident, EventSource.WEBHOOK, now=now, after=after)
            )
        return [*found, *gone]


def _needs_refetch(delivery: WebhookDelivery) -> bool:
    return bool(delivery.refetch_order_ids or delivery.refetch_product_ids)


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


async def _refetch(handle: StoreHandle, deliveries: list[WebhookDelivery]) -> _Refetched:
    """Every object the deliveries only name, in one batched read per kind."""
    order_ids = _unique(i for d in deliveries for i in d.refetch_order_ids)
    product_ids = _unique(i for d in deliveries for i in d.refetch_product_ids)
    fetched = _Refetched()
    if order_ids:
        fetched.orders = await handle.client.get_orders(order_ids)
    if product_ids:
        fetched.products = await handle.client.get_products(product_ids)
    return fetched


V = TypeVar("V", Order, Product)


def _picked(found: Mapping[str, V], ids: Iterable[str]) -> list[V]:
    """The named objects that were read; one that does not map fails only the receipts
    naming it (quarantined, replayable)."""
    errors = getattr(found, "errors", None) or {}  # platforms.mapping.kit.Found
    picked = []
    for ident in _unique(ids):
        if ident in errors:
            raise errors[ident]
        if ident in found:
            picked.append(found[ident])
    return picked


_TOPIC_KINDS = (("order", Kind.ORDER), ("refund", Kind.ORDER), ("product", Kind.PRODUCT))


def _named_object(receipt: Receipt) -> tuple[Kind | None, str | None]:
    """The object a receipt's body names, as far as it can be told without mapping it."""
    kind = next((k for prefix, k in _TOPIC_KINDS if receipt.topic.startswith(prefix)), None)
    if kind is None:
        return None, None
    try:
        body = orjson.loads(receipt.body)
    except orjson.JSONDecodeError:
        return kind, None
    field = "order_id" if receipt.topic.startswith("refund") else "id"
    return kind, payload_id({"id": body.get(field)} if isinstance(body, dict) else None)
