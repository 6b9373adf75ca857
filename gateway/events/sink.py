"""The one path every change takes: dedupe + append to the log; live fan-out tails the log."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from gateway.events.bus import EventBus
from gateway.events.log import Checkpoint, EventFilter, EventLog
from platforms.events import Candidate, StoredEvent

log = logging.getLogger("cartgraph.events")

TAIL_PAGE = 500


class Wakeups(Protocol):
    """Cross-replica wake-ups besides the log's own (Redis pub/sub: `gateway.shared.wake`)."""

    async def announce(self, sequence: int) -> None:
        """Tell every replica the log grew (failures are logged, never raised)."""
        ...

    def watch(self, wake: Callable[[], None]) -> None:
        """Call `wake` whenever any replica announces."""
        ...

    async def aclose(self) -> None:
        """Stop watching."""
        ...


class EventSink:
    """Appends candidates to the log and publishes what the log holds, in sequence order.

    Publishing reads the log rather than the append's result: appends from webhook
    processing, pollers and other processes then reach subscribers strictly in sequence
    order, which is what lets a subscriber drop `sequence <= last seen` as repeats.
    """

    def __init__(self, event_log: EventLog, bus: EventBus, wakeups: Wakeups | None = None) -> None:
        self.log = event_log
        self.bus = bus
        self.wakeups = wakeups
        self.position = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Publish from the current end of the log onwards."""
        self.position = await self.log.last_sequence()
        # own appends wake the tail at once; other processes' via the log (or its re-read).
        self.log.watch(self._wake.set)
        if self.wakeups is not None:
            self.wakeups.watch(self._wake.set)
        self._task = asyncio.create_task(self._tail(), name="cartgraph-log-tail")

    async def stop(self) -> None:
        """Stop publishing."""
        if self.wakeups is not None:
            await self.wakeups.aclose()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def record(
        self,
        candidates: Sequence[Candidate],
        *,
        receipt_id: int | None = None,
        checkpoint: Checkpoint | None = None,
    ) -> list[StoredEvent]:
        """Durably append what is new (oldest version first); subscribers get it next."""
        ordered = sorted(candidates, key=lambda c: (c.version, c.kind.value, c.object_id))
        events = await self.log.append(ordered, receipt_id=receipt_id, checkpoint=checkpoint)
        if events:
            self._wake.set()
            if self.wakeups is not None:
                await self.wakeups.announce(events[-1].sequence)
        return events

    async def publish_pending(self) -> None:
        """Publish every event appended since the last publish."""
        while True:
            events = await self.log.read_after(self.position, EventFilter(), TAIL_PAGE)
            if not events:
                return
            self.position = events[-1].sequence
            self.bus.publish(events)

    async def _tail(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.log.tail_seconds)
            self._wake.clear()
            try:
                await self.publish_pending()
            except Exception:
                log.exception("publishing events failed; retrying")
