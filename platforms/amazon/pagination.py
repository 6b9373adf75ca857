"""SP-API paging: `nextToken` cursors as Amazon hands them out, and the listing cursor that
also remembers how far into a page of listings a product page stopped."""

from __future__ import annotations

from platforms.errors import InvalidInputError

MAX_ORDERS_PAGE = 100  # searchOrders maxResultsPerPage
LISTINGS_PAGE = 20  # searchListingsItems pageSize maximum
IDENTIFIERS = 20  # searchListingsItems identifiers per call
SUMMARY_SKUS = 50  # getInventorySummaries sellerSkus per call
EPOCH = "2000-01-01T00:00:00Z"  # lastUpdatedAfter for "every order" (one date is required)


def page_size(limit: int, most: int) -> int:
    """`limit` within 1..`most`."""
    return max(1, min(int(limit), most))


def listing_cursor(token: str | None, skip: int) -> str:
    """A products cursor: the listings page (`token`, "" for the first) and how many of its
    products were handed out already."""
    return f"{skip}|{token or ''}"


def parse_listing_cursor(cursor: str | None) -> tuple[str | None, int]:
    """(listings page token or None, products of that page to skip)."""
    if cursor is None:
        return None, 0
    skip, sep, token = cursor.partition("|")
    if not sep or not skip.isdigit():
        raise InvalidInputError(f"Invalid Amazon listings cursor {cursor[:32]!r}")
    return token or None, int(skip)
