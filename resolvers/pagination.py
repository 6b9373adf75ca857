"""Relay-style pages merged across stores; the cursor holds each store's own page position."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar

import orjson

from platforms.adapter import Page
from platforms.errors import CartgraphError, InvalidInputError

T = TypeVar("T")

# fetch(store_id, platform_cursor, limit) -> one upstream page
PageFetcher = Callable[[str, str | None, int], Awaitable[Page[T]]]
SortKey = Callable[[T], datetime | None]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class StorePosition:
    """Where one store stands: the page holding its next item, and how far into it."""

    page: str | None = None
    offset: int = 0
    done: bool = False


@dataclass
class _StoreStream(Generic[T]):
    store_id: str
    position: StorePosition
    buffer: deque[T] = field(default_factory=deque)
    next_page: str | None = None
    fetched: bool = False
    failed: bool = False


@dataclass
class MergedPage(Generic[T]):
    """Items newest first, each with the cursor that resumes right after it."""

    items: list[tuple[T, str]]
    has_next_page: bool
    end_cursor: str | None
    errors: dict[str, CartgraphError]
    # payloads of the pages read that could not be mapped (skipped, reported alongside).
    item_errors: list[CartgraphError] = field(default_factory=list)


def encode_cursor(positions: dict[str, StorePosition], fingerprint: str) -> str:
    """Opaque cursor: per store (page, offset, done), bound to the query's filters."""
    data = {"f": fingerprint, "p": {s: [p.page, p.offset, p.done] for s, p in positions.items()}}
    return base64.urlsafe_b64encode(orjson.dumps(data)).decode().rstrip("=")


def decode_cursor(cursor: str, fingerprint: str, store_ids: list[str]) -> dict[str, StorePosition]:
    """Positions from a cursor; InvalidInputError when it is foreign or made for other filters."""
    try:
        data = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        positions = {s: _position(v) for s, v in data["p"].items()}
        same_query = data["f"] == fingerprint
    except (binascii.Error, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        raise InvalidInputError("Malformed cursor in `after`") from None
    except AttributeError:  # "p" is not an object: a forged cursor (found by fuzzing)
        raise InvalidInputError("Malformed cursor in `after`") from None
    if not same_query or set(positions) != set(store_ids):
        raise InvalidInputError("Cursor in `after` was made for other stores or filters")
    return positions


def _position(value: object) -> StorePosition:
    """One store's [page, offset, done], exactly as encode_cursor wrote it: a cursor is
    client input, and a page token of another type would reach the platform client."""
    match value:
        case [str() | None as page, int() as offset, bool() as done] if (
            not isinstance(offset, bool) and offset >= 0
        ):
            return StorePosition(page=page, offset=offset, done=done)
    raise ValueError("not a store position")


def fingerprint(*parts: object) -> str:
    """A short hash of what a cursor is valid for."""
    return hashlib.sha256(orjson.dumps([str(p) for p in parts])).hexdigest()[:16]


async def merged_page(
    store_ids: list[str],
    first: int,
    after: str | None,
    fetch: PageFetcher[T],
    sort_key: SortKey[T],
    page_size: Callable[[str], int],
    fp: str,
) -> MergedPage[T]:
    """Take `first` items newest-first across stores, fetching only pages that are needed.

    Each store is read in its own order (newest `updated_at` first); a store's next page is
    only fetched once its buffer runs dry, so a single-store walk costs one call per page.
    A store that fails keeps its position (a later page retries it) and is reported.
    """
    positions = (
        decode_cursor(after, fp, store_ids) if after else {s: StorePosition() for s in store_ids}
    )
    streams = [_StoreStream[T](s, positions[s]) for s in store_ids if not positions[s].done]
    errors: dict[str, CartgraphError] = {}
    item_errors: list[CartgraphError] = []

    async def refill(stream: _StoreStream[T]) -> None:
        pos = stream.position
        if stream.fetched:  # the current page ran dry: move to the next one
            stream.position = pos = StorePosition(page=stream.next_page, offset=0)
        try:
            page = await fetch(stream.store_id, pos.page, page_size(stream.store_id))
        except CartgraphError as exc:
            errors[stream.store_id] = exc
            stream.failed = True
            return
        stream.fetched = True
        item_errors.extend(page.errors)
        stream.buffer.extend(page.items[pos.offset :])
        stream.next_page = page.next_cursor
        if not stream.buffer and page.next_cursor is None:
            stream.position = StorePosition(done=True)

    await asyncio.gather(*(refill(s) for s in streams))
    items: list[tuple[T, str]] = []
    while len(items) < first:
        dry = [s for s in streams if not s.buffer and not s.failed and s.fetched and s.next_page]
        if dry:
            await asyncio.gather(*(refill(s) for s in dry))
        live = [s for s in streams if s.buffer]
        if not live:
            break
        best = max(live, key=lambda s: (sort_key(s.buffer[0]) or _EPOCH, s.store_id))
        item = best.buffer.popleft()
        best.position = StorePosition(best.position.page, best.position.offset + 1)
        if not best.buffer and best.next_page is None:
            best.position = StorePosition(done=True)
        items.append((item, encode_cursor(_snapshot(positions, streams), fp)))
    snapshot = _snapshot(positions, streams)
    has_next = any(not p.done for p in snapshot.values())
    # no items but more to come (e.g. every store failed): a cursor that resumes right here,
    # so `hasNextPage: true` always comes with an `endCursor` to continue (retry) from.
    resume = after or (encode_cursor(snapshot, fp) if has_next else None)
    end_cursor = items[-1][1] if items else resume
    return MergedPage(items, has_next, end_cursor, errors, item_errors)


def _snapshot(
    positions: dict[str, StorePosition], streams: list[_StoreStream[T]]
) -> dict[str, StorePosition]:
    current = dict(positions)
    for s in streams:
        pos = s.position
        if not s.buffer and s.fetched and not s.failed and not pos.done:
            # everything fetched was consumed: resume at the next page without refetching this one
            pos = StorePosition(page=s.next_page, offset=0, done=s.next_page is None)
        current[s.store_id] = pos
    return current
