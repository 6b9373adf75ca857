"""A write's progress made durable mid-flight, for a later `reconcile` to find its outcome."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator
from contextvars import ContextVar

from platforms.writes.commands import Checkpoint

ProgressSaver = Callable[[Checkpoint], Awaitable[None]]

_saver: ContextVar[ProgressSaver | None] = ContextVar("cartgraph_write_progress", default=None)


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
