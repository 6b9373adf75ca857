"""A terminal progress bar for long CLI work: counts, rate, and an ETA from the rate budget."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TextIO

from platforms.adapter import RateLimitSettings

WIDTH = 24  # bar characters
HEADROOM = 1.0  # the client stops one request short of the bucket's capacity


@dataclass(frozen=True)
class Budget:
    """What the store's rate limit allows: `burst` calls at once, then `per_second`."""

    burst: float
    per_second: float

    @classmethod
    def of(cls, limit: RateLimitSettings, available: float | None = None) -> Budget:
        """From the store's bucket settings; `available` is what the bucket grants now."""
        burst = limit.capacity - HEADROOM if available is None else available
        return cls(max(0.0, burst), limit.leak_per_second)

    def seconds_for(self, calls: float) -> float:
        """The least time `calls` more calls can take inside the budget."""
        return max(0.0, calls - self.burst) / self.per_second if self.per_second > 0 else 0.0


def estimate_total(
    done: int, since: datetime, top: datetime | None, reached: datetime | None
) -> int | None:
    """Items in the whole walk, from how much of [since, top] the newest-first walk covered
    (None until a page has shown how far back it reached)."""
    if top is None or reached is None or done == 0:
        return None
    span = (top - since).total_seconds()
    covered = (top - reached).total_seconds()
    if span <= 0 or covered <= 0:
        return None
    return max(done, math.ceil(done * span / covered))


@dataclass
class Progress:
    """One line, rewritten in place on a terminal (appended elsewhere, at most every
    `every` seconds), and a one-line summary at the end."""

    label: str
    budget: Budget
    page_size: int
    out: TextIO = field(default_factory=lambda: sys.stderr)
    clock: Callable[[], float] = time.monotonic
    every: float = 1.0
    done: int = 0
    calls: int = 0
    total: int | None = None
    pages: int = 0
    units: float = 0.0  # of the rate budget used: calls, or points on a GraphQL API
    fastest: float = math.inf  # seconds, the quickest page so far
    resumed: int = 0  # items an earlier run already did (a resumed walk starts there)
    _began: float = field(default=0.0, init=False)
    _shown: float = field(default=float("-inf"), init=False)

    def __post_init__(self) -> None:
        self._began = self.clock()

    def advance(
        self,
        items: int,
        calls: int = 1,
        total: int | None = None,
        *,
        units: float | None = None,
        seconds: float | None = None,
    ) -> None:
        """Count a page: its items, calls, the budget `units` it used (points on a GraphQL
        API; default its calls) and how long it took; redraw when due."""
        self.done += items
        self.calls += calls
        self.pages += 1
        self.units += calls if units is None else units
        if seconds is not None:
            self.fastest = min(self.fastest, seconds)
        self.total = total if total is not None else self.total
        now = self.clock()
        if self.out.isatty() or now - self._shown >= self.every:
            self._shown = now
            end = "\r" if self.out.isatty() else "\n"
            self.out.write(self.line() + end)
            self.out.flush()

    def eta(self) -> float | None:
        """Seconds left: the remaining pages at the rate budget's pace (after what the bucket
        grants at once), or at the fastest page seen when latency binds harder."""
        if self.total is None or self.pages == 0:
            return None
        pages = math.ceil(max(0, self.total - self.done) / max(1, self.page_size))
        budget = self.budget.seconds_for(pages * self.units / self.pages)
        latency = pages * (0.0 if self.fastest == math.inf else self.fastest)
        return max(budget, latency)

    def line(self) -> str:
        """`label [#####-----] 1,200/~10,000  240.0/s  ETA 36s`."""
        elapsed = max(1e-9, self.clock() - self._began)
        rate = (self.done - self.resumed) / elapsed
        if self.total:
            filled = min(WIDTH, int(WIDTH * self.done / self.total))
            bar = "#" * filled + "-" * (WIDTH - filled)
            count = f"{self.done:,}/~{self.total:,}"
        else:
            bar, count = "?" * WIDTH, f"{self.done:,}"
        eta = self.eta()
        left = "ETA ?" if eta is None else f"ETA {_duration(eta)}"
        return f"{self.label} [{bar}] {count}  {rate:,.1f}/s  {self.calls} calls  {left}"

    def summary(self, outcome: str) -> str:
        """The last line: what was done, how fast, and how it ended."""
        elapsed = self.clock() - self._began
        now = self.done - self.resumed
        rate = now / elapsed if elapsed > 0 else 0.0
        if self.out.isatty():
            self.out.write("\n")
        earlier = f" ({now:,} this run)" if self.resumed else ""
        return (
            f"{self.label}: {outcome}: {self.done:,}{earlier} in {_duration(elapsed)}"
            f" ({rate:,.1f}/s, {self.calls} upstream calls)"
        )

    def resume_at(self, done: int) -> None:
        """Start from what an earlier run of the same walk did."""
        self.done = self.resumed = done


def _duration(seconds: float) -> str:
    whole = round(seconds)
    if whole < 60:
        return f"{seconds:.1f}s" if seconds < 10 else f"{whole}s"
    minutes, secs = divmod(whole, 60)
    return f"{minutes}m{secs:02d}s" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}m"
