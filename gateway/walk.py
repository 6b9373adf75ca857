"""A resumable newest-first walk over a store's orders, products or customers since a time."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any, Literal

import orjson

from gateway.progress import Budget, Progress, estimate_total
from platforms.adapter import (
    CustomerQuery,
    OrderQuery,
    Page,
    PlatformClient,
    ProductQuery,
    RateLimitSettings,
)
from platforms.canonical import Customer, Order, Product

Kind = Literal["orders", "products", "customers"]
KINDS: tuple[Kind, ...] = ("orders", "products", "customers")
Item = Order | Product | Customer
INTERRUPTED_EXIT = 130  # the shell's code for a command stopped by SIGINT


@dataclass(frozen=True)
class Position:
    """Where a walk stands: the platform cursor of the next page, items so far, the newest
    `updated_at` it started from and the oldest it reached (for the ETA), whether it ended.
    Stored as JSON in a checkpoint; `extra` carries what the caller needs (a file offset)."""

    cursor: str | None = None
    done: int = 0
    top: str | None = None
    reached: str | None = None
    finished: bool = False
    extra: int = 0

    def to_text(self) -> str:
        """The checkpoint's text."""
        return orjson.dumps(asdict(self)).decode()

    @classmethod
    def from_text(cls, text: str | None) -> Position:
        """A stored checkpoint (a fresh start for none)."""
        return cls(**orjson.loads(text)) if text else cls()

    def after(self, page: Page[Any], extra: int = 0) -> Position:
        """The position once `page` is safely stored."""
        stamps = [i.updated_at for i in page.items if i.updated_at is not None]
        return replace(
            self,
            cursor=page.next_cursor,
            done=self.done + len(page.items),
            top=self.top or (max(stamps).isoformat() if stamps else None),
            reached=min(stamps).isoformat() if stamps else self.reached,
            finished=page.next_cursor is None,
            extra=extra,
        )

    def estimate(self, since: datetime) -> int | None:
        """The walk's estimated total items."""
        top = datetime.fromisoformat(self.top) if self.top else None
        reached = datetime.fromisoformat(self.reached) if self.reached else None
        return estimate_total(self.done, since, top, reached)


async def fetch(
    client: PlatformClient, kind: Kind, since: datetime, cursor: str | None, limit: int
) -> Page[Any]:
    """One page of `kind` updated since `since`, newest first."""
    if kind == "orders":
        return await client.list_orders(OrderQuery(updated_after=since), cursor=cursor, limit=limit)
    if kind == "products":
        query = ProductQuery(updated_after=since)
        return await client.list_products(query, cursor=cursor, limit=limit)
    customers = CustomerQuery(updated_after=since)
    return await client.list_customers(customers, cursor=cursor, limit=limit)


def progress_for(label: str, client: PlatformClient, page_size: int) -> Progress:
    """A progress bar paced by the store's rate budget (what its bucket grants now, then
    its leak rate)."""
    transport = getattr(client, "transport", None)
    bucket = getattr(transport, "bucket", None)
    limit = getattr(bucket, "settings", None) or client.connection.rate_limit
    if not isinstance(limit, RateLimitSettings):
        limit = RateLimitSettings(1.0, 1.0)
    level = getattr(bucket, "level", None)
    available = limit.capacity - level - 1.0 if isinstance(level, float) else None
    return Progress(label, Budget.of(limit, available), page_size)


def calls_of(client: PlatformClient) -> int:
    """Upstream requests the client has sent (0 for a client that does not count)."""
    calls = getattr(client, "calls", 0)
    return calls if isinstance(calls, int) else 0


def units_of(client: PlatformClient) -> float:
    """The rate budget the client has used: the points its documents cost on a GraphQL API
    (its `spent` log: actual cost, requested where the answer gave none), else its calls."""
    spent = getattr(client, "spent", None)
    if isinstance(spent, list):
        return points(spent)
    return float(calls_of(client))


def points(spent: list[Any]) -> float:
    """What documents cost: actual points, requested where the answer said none."""
    return float(sum(s.actual if s.actual is not None else s.requested or 0 for s in spent))


async def timed_fetch(
    client: PlatformClient, kind: Kind, since: datetime, cursor: str | None, limit: int
) -> tuple[Page[Any], dict[str, Any]]:
    """A page, and what it cost: calls, budget units and seconds (for `Progress.advance`)."""
    calls, units, began = calls_of(client), units_of(client), time.monotonic()
    page = await fetch(client, kind, since, cursor, limit)
    cost = {
        "calls": calls_of(client) - calls,
        "units": units_of(client) - units,
        "seconds": time.monotonic() - began,
    }
    return page, cost


@contextlib.contextmanager
def stop_on_sigint() -> Iterator[asyncio.Event]:
    """An event set by the first Ctrl-C (the walk stops after the page in hand is stored);
    a second Ctrl-C interrupts at once."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def first() -> None:
        stop.set()
        print("\nstopping after the page in hand (Ctrl-C again: at once)", file=sys.stderr)
        loop.remove_signal_handler(signal.SIGINT)  # the next one raises KeyboardInterrupt

    loop.add_signal_handler(signal.SIGINT, first)
    try:
        yield stop
    finally:
        loop.remove_signal_handler(signal.SIGINT)
