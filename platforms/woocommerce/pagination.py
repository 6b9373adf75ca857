"""WooCommerce page-number pagination: X-WP-TotalPages and the Link header decide the next page."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit

from platforms.errors import InvalidInputError

MAX_PER_PAGE = 100  # WordPress core rejects per_page > 100 with 400 rest_invalid_param.

_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([^",;]+)"?')


def parse_link(header: str | None) -> dict[str, str]:
    """`<url>; rel="next", <url>; rel="last"` -> {"next": url, "last": url}."""
    if not header:
        return {}
    return {rel.strip(): url for url, rel in _LINK.findall(header)}


class PagePaginator:
    """Turns our opaque cursor into `page`/`per_page` and reads the next page off a response.

    The cursor is the 1-based page number as text: WooCommerce has no keyset cursor, so a
    row inserted while a caller walks pages can shift one row between pages (as in WP itself).
    """

    def params(self, cursor: str | None, limit: int) -> dict[str, str]:
        """Query params for the page named by `cursor` (None = first page)."""
        if cursor is None:
            page = 1
        elif cursor.isdigit() and int(cursor) >= 1:
            page = int(cursor)
        else:
            raise InvalidInputError(f"Invalid WooCommerce page cursor {cursor[:32]!r}")
        per_page = max(1, min(int(limit), MAX_PER_PAGE))
        return {"page": str(page), "per_page": str(per_page)}

    def next_cursor(self, params: Mapping[str, str], headers: Mapping[str, str]) -> str | None:
        """The next page's cursor, or None on the last page.

        `X-WP-TotalPages` is authoritative; the Link header's rel="next" is the fallback
        (some caching proxies strip custom X-* headers but keep Link).
        """
        page = int(params["page"])
        total_pages = headers.get("X-WP-TotalPages")
        if total_pages is not None and total_pages.strip().isdigit():
            return str(page + 1) if page < int(total_pages) else None
        nxt = parse_link(headers.get("Link")).get("next")
        if nxt is None:
            return None
        pages = parse_qs(urlsplit(nxt).query).get("page")
        return pages[0] if pages and pages[0].isdigit() else str(page + 1)
