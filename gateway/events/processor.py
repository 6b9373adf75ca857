"""Turns stored webhook receipts into canonical events, in arrival order, one at a time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from gateway.events.log import EventLog, Receipt
from gateway.events.sink import EventSink
from gateway.stores import StoreHandle
from platforms.canonical import Order
from platforms.errors import CartgraphError, RetryableError
from platforms.events import Candidate, EventSource, Observed, candidate_of
from platforms.registry import get_spec
from platforms.webhooks import WebhookDelivery

log = logging.getLogger("cartgraph.events")

RETRY_SECONDS = 1.0
MAX_ATTEMPTS = 4


class ReceiptProcessor:
    """A single worker over a queue of receipt ids; start-up replays unprocessed receipts."""

    def __init__(
        self, event_log: EventLog, sink: EventSink, handle_of: Callable[[str], StoreHandle | None]
    ) -> None:
        self.log = event_log
        self.sink = sink
        self.handle_of = handle_of
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
            receipt = await self._queue.get()
            try:
                await self._process_until_done(receipt)
            except Exception:
                # a bug must not stop the worker: the receipt stays for the next start.
                log.exception("receipt %s could not be processed", receipt.id)
            finally:
                self._queue.task_done()

    async def _process_until_done(self, receipt: Receipt) -> None:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                await self.process(receipt)
                self.processed += 1
                return
            except RetryableError as exc:
                # e.g. a refund's order could not be refetched. After a few tries the
                # receipt is left unprocessed (the next start retries it) and the poller
                # still finds the change; one sick store must not stall every other one.
                log.warning("receipt %s (attempt %d): %s", receipt.id, attempt, exc)
                if attempt < MAX_ATTEMPTS:
                    await asyncio.sleep(RETRY_SECONDS * attempt)
            except CartgraphError as exc:
                log.error("receipt %s dropped: %s", receipt.id, exc)
                await self.log.mark_processed(receipt.id)
                return

    async def process(self, receipt: Receipt) -> None:
        """Parse, refetch what the body only names, and record the observed versions."""
        handle = self.handle_of(receipt.store_id)
        adapter = get_spec(handle.connection.platform).webhooks if handle else None
        if handle is None or adapter is None:
            log.warning("receipt %s: store %s no longer configured", receipt.id, receipt.store_id)
            await self.log.mark_processed(receipt.id)
            return
        delivery = adapter.parse(
            receipt.headers,
            receipt.body,
            store_id=handle.connection.store_id,
            currency=handle.connection.currency_code,
        )
        candidates = await self._candidates(handle, delivery)
        await self.sink.record(candidates, receipt_id=receipt.id)

    async def _candidates(self, handle: StoreHandle, delivery: WebhookDelivery) -> list[Candidate]:
        now = datetime.now(UTC)
        orders: list[Order] = list(delivery.orders)
        if delivery.refetch_order_ids:
            fetched = await handle.client.get_orders(list(delivery.refetch_order_ids))
            orders.extend(fetched.values())
        observed: list[Observed] = [*orders, *delivery.inventory_levels]
        spec = get_spec(handle.connection.platform)
        return [
            candidate_of(
                o,
                EventSource.WEBHOOK,
                now=now,
                refunds=spec.refund_marker,
                mapping_version=spec.mapping_version,
            )
            for o in observed
        ]
