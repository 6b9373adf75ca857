"""What every poller shares: its store, a poll every interval, a bounded first poll, stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import ClassVar

from gateway.events.log import EventLog
from gateway.events.ops_store import LetterSource, NewLetter, OpsStore
from gateway.stores import StoreHandle
from platforms.errors import CartgraphError, PayloadError
from platforms.ids import Kind

log = logging.getLogger("cartgraph.poller")

FIRST_POLL_TIMEOUT = 15.0  # start-up does not wait longer for an unreachable store


class PollLoop:
    """Runs `poll()` for one store every `interval` seconds until stopped. A failed poll is
    recorded in `last_error` and tried again next interval: a safety net never stops."""

    what: ClassVar[str] = "poll"  # names the loop's task and its log lines
    stream: ClassVar[str] = "poll"  # its checkpoint stream; names its lease across replicas

    def __init__(self, handle: StoreHandle, interval: float, event_log: EventLog) -> None:
        self.handle = handle
        self.log = event_log
        self.interval = interval
        self.last_poll_at: datetime | None = None
        self.last_error: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # one poll of a store at a time (loop, poll_now)
        self.ops: OpsStore | None = None  # set by the service: where unmappable payloads go

    @property
    def store_id(self) -> str:
        """The polled store."""
        return self.handle.connection.store_id

    async def poll(self) -> int:
        """One poll; returns how many events it appended."""
        raise NotImplementedError

    def start(self) -> None:
        """Poll every `interval` seconds until stopped (`first_poll` runs before this)."""
        name = f"cartgraph-{self.what}-{self.store_id}"
        self._task = asyncio.create_task(self._loop(), name=name)

    async def stop(self) -> None:
        """Stop polling (a poll in flight is cancelled; nothing of it was recorded)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def leased(self) -> bool:
        """Whether this process is the one that polls the store's stream across replicas.
        The lease dies with its holder; the next replica to ask (within one interval)
        takes it over. Polls run only under it, `poll()` itself (ops, tests) does not ask."""
        return await self.log.poll_lease(self.store_id, self.stream)

    async def first_poll(self) -> None:
        """The first poll, run before the gateway reports started (errors only logged)."""
        try:
            async with asyncio.timeout(FIRST_POLL_TIMEOUT):
                if await self.leased():
                    await self.poll()
        except TimeoutError:
            self._failed(f"first {self.what} timed out")
        except CartgraphError as exc:
            self._failed(str(exc) or type(exc).__name__)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                if await self.leased():
                    await self.poll()
            except CartgraphError as exc:
                self._failed(str(exc) or type(exc).__name__)
            except Exception:  # a bug: keep the net up, keep the traceback for whoever fixes it
                log.exception("%s of %s failed unexpectedly", self.what, self.store_id)
                self.last_error = "internal error"

    async def quarantine(self, errors: list[PayloadError], kind: Kind) -> None:
        """Payloads of a poll that did not map: skipped (the rest still counts) and kept as
        dead letters naming the object, so a replay after the fix reads them again."""
        for error in errors:
            log.warning("%s of %s skipped a payload: %s", self.what, self.store_id, error)
            if self.ops is None:
                continue
            letter = NewLetter(
                store_id=self.store_id,
                source=LetterSource.POLL,
                topic=f"poll/{self.stream}",
                error_code=error.code,
                error_message=str(error),
                kind=kind,
                object_id=error.external_id,
            )
            await self.ops.quarantine(letter)

    def _failed(self, message: str) -> None:
        # CartgraphError messages carry no credentials (the clients redact them).
        self.last_error = message
        log.warning("%s of %s failed: %s", self.what, self.store_id, message)
