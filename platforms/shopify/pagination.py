"""Shopify REST cursor pagination: the `page_info` of the `Link` header's `rel="next"` URL."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qs, urlsplit

from platforms.errors import InvalidInputError

MAX_LIMIT = 250
# the same pattern Shopify's own JS library uses: <url>; rel="next", <url>; rel="previous"
_LINK = re.compile(r'<([^<>]+)>;\s*rel="([^"]+)"')


def parse_link_header(value: str | None) -> dict[str, str]:
    """`rel` -> URL for every link in a `Link` header."""
    return {rel: url for url, rel in _LINK.findall(value or "")}


def page_info_of(url: str) -> str | None:
    """The opaque `page_info` of a pagination URL, unmodified."""
    values = parse_qs(urlsplit(url).query).get("page_info")
    return values[0] if values else None


def clamp_limit(limit: int) -> int:
    """A page size Shopify accepts (1..250)."""
    if limit < 1:
        raise InvalidInputError(f"Page size must be at least 1, got {limit}")
    return min(limit, MAX_LIMIT)


class LinkPaginator:
    """Builds page requests and reads the next cursor from responses.

    The cursor is Shopify's `page_info`. We rebuild the next request against our own base
    URL rather than fetching the Link URL as given, so the token never follows a header
    to another host.
    """

    def params(
        self, filters: Mapping[str, str], *, cursor: str | None, limit: int
    ) -> dict[str, str]:
        """First page: filters + limit; later pages: limit + page_info only, as Shopify requires."""
        if cursor is not None:
            return {"limit": str(clamp_limit(limit)), "page_info": cursor}
        return {**filters, "limit": str(clamp_limit(limit))}

    def next_cursor(self, headers: Mapping[str, str]) -> str | None:
        """The next page's `page_info`; None on the last page (no `rel="next"` link)."""
        url = parse_link_header(headers.get("Link")).get("next")
        return page_info_of(url) if url else None
