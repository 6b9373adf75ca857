"""A write's progress made durable mid-flight, for a later `reconcile` to find its outcome."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar

from platforms.writes.commands import Checkpoint

ProgressSaver = Callable[[Checkpoint], Awaitable[None]]

_saver: ContextVar[ProgressSaver | None] = ContextVar("cartgraph_write_progress", default=None)


class StillProcessing(Exception):
    """The platform accepted the write and is still processing it (an Amazon feed): the queue
    gives the worker back and runs the write again after `retry_after` seconds, from its
    checkpoint, without counting an attempt."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


async def save_progress(update: Checkpoint) -> None:
    """Merge `update` into the running write's checkpoint, durably before returning.

    For writes that take several requests, some of which create something on the platform
    (an Amazon feed): the queue keeps what an attempt learnt (the feed's id), so an attempt
    that died or timed out after it is reconciled from there instead of sent again. Outside
    the queue (a writer called directly) nothing is kept."""
    saver = _saver.get()
    if saver is not None:
        await saver(update)


@contextlib.contextmanager
def progress_saved_by(saver: ProgressSaver) -> Iterator[None]:
    """Within this block, `save_progress` calls `saver` (the queue's runner sets it)."""
    token = _saver.set(saver)
    try:
        yield
    finally:
        _saver.reset(token)


async def wait_or_park(seconds: float, what: str) -> None:
    """Wait `seconds` for a write the platform is still processing: under the queue, by
    raising `StillProcessing` (the worker serves other writes meanwhile; the write must have
    saved what it needs to go on with `save_progress`); outside it, by sleeping."""
    if _saver.get() is None:
        await asyncio.sleep(seconds)
        return
    raise StillProcessing(what, seconds)
