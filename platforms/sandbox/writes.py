"""Shared bookkeeping for sandbox write routes: a log of applied writes and write-only faults."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# (topic, payload) of a webhook the platform would send for an applied write.
Listener = Callable[[str, Any], None]


@dataclass
class WriteLog:
    """Every write a sandbox applied, in order: the ground truth for exactly-once tests.

    Write-only faults (reads are untouched, unlike `Faults`): `fail_next` refuses the next
    writes with these statuses before applying them; `fail_after_apply` applies the next
    writes and then answers with these statuses (the "5xx after the platform did it" case);
    `hold`, while cleared, keeps answers of applied writes back, which is how a test makes a
    worker die between "the platform applied it" and "the worker recorded it".
    """

    applied: list[str] = field(default_factory=list)
    fail_next: list[int] = field(default_factory=list)
    fail_after_apply: list[int] = field(default_factory=list)
    hold: asyncio.Event | None = None
    listeners: list[Listener] = field(default_factory=list)
    _recorded: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def refusal(self) -> int | None:
        """The status to refuse the current write with, if one is scripted."""
        return self.fail_next.pop(0) if self.fail_next else None

    def announce(self, topic: str, payload: Any) -> None:
        """Tell every listener about a webhook topic this write triggers."""
        for listener in self.listeners:
            listener(topic, payload)

    async def record(self, what: str) -> int | None:
        """Note an applied write, wait while held; a scripted status to answer with instead."""
        self.applied.append(what)
        self._recorded.set()
        if self.hold is not None:
            await self.hold.wait()
        return self.fail_after_apply.pop(0) if self.fail_after_apply else None

    async def wait_for(self, prefix: str, count: int = 1) -> None:
        """Return once at least `count` applied writes start with `prefix`."""
        while self.count(prefix) < count:
            self._recorded.clear()
            await self._recorded.wait()

    def count(self, prefix: str) -> int:
        """How many applied writes start with `prefix` ("adjust:4610..." for one item)."""
        return sum(1 for entry in self.applied if entry.startswith(prefix))
