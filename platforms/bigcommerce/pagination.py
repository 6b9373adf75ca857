"""BigCommerce paging: V3 `page`/`limit` with `meta.pagination`; V2 orders by a modified-time
keyset, since V2 lists carry no totals and answer an empty page with 204."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from platforms.errors import InvalidInputError, UpstreamValidationError

MAX_LIMIT = 250  # V2 and V3 both refuse limit > 250
# a V2 orders page: one order fewer than the limit, so the extra one says "there is more"
MAX_ORDERS_PAGE = 200


def v3_params(cursor: str | None, limit: int) -> dict[str, str]:
    """`page`/`limit` for the V3 page the cursor names (None = the first)."""
    if cursor is None:
        page = 1
    elif cursor.isdigit() and int(cursor) >= 1:
        page = int(cursor)
    else:
        raise InvalidInputError(f"Invalid BigCommerce page cursor {cursor[:32]!r}")
    return {"page": str(page), "limit": str(max(1, min(int(limit), MAX_LIMIT)))}


def v3_next(params: Mapping[str, str], body: Any) -> str | None:
    """The next page's cursor from `meta.pagination` (total_pages), or None on the last."""
    meta = body.get("meta") if isinstance(body, dict) else None
    pagination = meta.get("pagination") if isinstance(meta, dict) else None
    if not isinstance(pagination, dict):
        return None
    page, total = int(params["page"]), pagination.get("total_pages")
    return str(page + 1) if isinstance(total, int) and page < total else None


@dataclass(frozen=True)
class OrdersCursor:
    """Where a V2 orders walk (newest modification first) stands: orders modified at or
    before `until`, less the `seen` ones modified exactly at `until` already returned.

    Each page asks `max_date_modified=until&limit=seen+size+1`: the first `seen` are the
    previous page's tail (the platform orders equal times by id, stably), the next `size` are
    the page, and one more says whether another page follows, without a probing call.
    """

    until: datetime | None = None
    seen: int = 0

    @classmethod
    def parse(cls, cursor: str | None) -> OrdersCursor:
        """The cursor's position; InvalidInputError for text no page of ours handed out."""
        if cursor is None:
            return cls()
        stamp, _, seen = cursor.partition(":")
        if not (stamp.isdigit() and seen.isdigit()):
            raise InvalidInputError(f"Invalid BigCommerce orders cursor {cursor[:32]!r}")
        return cls(datetime.fromtimestamp(int(stamp), UTC), int(seen))

    def size(self, wanted: int) -> int:
        """Orders this page may hold: `wanted`, within a V2 page of 250 that also carries the
        `seen` tail and the one extra order. More than 248 orders modified in one second
        cannot be walked this way (V2 has no finer sort key)."""
        room = MAX_LIMIT - self.seen - 1
        if room < 1:
            raise UpstreamValidationError(
                f"More than {MAX_LIMIT - 2} BigCommerce orders were modified in the same second"
            )
        return max(1, min(wanted, MAX_ORDERS_PAGE, room))

    def params(self, size: int) -> dict[str, str]:
        """Page 1 of the orders at or before `until`, one past the page: its query."""
        limit = self.seen + self.size(size) + 1
        params = {"sort": "date_modified:desc", "page": "1", "limit": str(limit)}
        if self.until is not None:
            params["max_date_modified"] = format_datetime(self.until, usegmt=False)
        return params

    def page(
        self, rows: Sequence[dict[str, Any]], size: int, stamp_of: Any
    ) -> tuple[list[dict[str, Any]], str | None]:
        """The page's rows and the next cursor: `stamp_of(row)` is a row's modified time
        (None when unreadable: such rows count with the readable one before them)."""
        size = self.size(size)
        rows = list(rows[self.seen :])
        page, more = rows[:size], len(rows) > size
        if not page or not more:
            return page, None
        stamps = [stamp_of(row) for row in page]
        readable = [n for n, stamp in enumerate(stamps) if stamp is not None]
        if not readable:
            raise UpstreamValidationError("A BigCommerce orders page had no readable date_modified")
        last = stamps[readable[-1]]
        first_of_tail = next(n for n in readable if stamps[n] == last)
        seen = len(page) - first_of_tail + (self.seen if self.until == last else 0)
        return page, f"{int(last.timestamp())}:{seen}"
