"""V2 orders walk by a modified-time keyset: orders sharing one second across page boundaries
come once each, one call a page, and a walk that cannot be continued says so."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from platforms.adapter import OrderQuery
from platforms.bigcommerce import SPEC
from platforms.bigcommerce.client import BigCommerceClient
from platforms.bigcommerce.pagination import OrdersCursor
from platforms.bigcommerce.sandbox import BigCommerceSandbox
from platforms.bigcommerce.sandbox.seed import rfc2822
from platforms.errors import UpstreamValidationError
from platforms.sandbox.kit import serve

SAME_SECOND = datetime(2026, 7, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
async def tied() -> AsyncIterator[tuple[BigCommerceSandbox, BigCommerceClient]]:
    """40 orders, 25 of them modified in the same second (the newest)."""
    sandbox = BigCommerceSandbox(seed=4, orders=40, products=10)
    for oid in sorted(sandbox.state.orders)[:25]:
        sandbox.state.modified[oid] = SAME_SECOND
        sandbox.state.orders[oid]["date_modified"] = rfc2822(SAME_SECOND)
    async with serve(sandbox.app) as url:
        client = SPEC.create_client(sandbox.connection("p", url), None)
        assert isinstance(client, BigCommerceClient)
        try:
            yield sandbox, client
        finally:
            await client.aclose()


@pytest.mark.parametrize("limit", [7, 10, 25])
async def test_ties_across_pages_come_once_each(
    tied: tuple[BigCommerceSandbox, BigCommerceClient], limit: int
) -> None:
    sandbox, client = tied
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        page = await client.list_orders(OrderQuery(), cursor=cursor, limit=limit)
        pages += 1
        seen += [o.external_id for o in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(str(o) for o in sandbox.state.orders)
    assert len(seen) == len(set(seen)) == 40
    assert pages == -(-40 // limit) == sandbox.calls.total


def test_a_cursor_holding_249_ties_refuses_rather_than_skip() -> None:
    full = OrdersCursor(SAME_SECOND, 249)
    with pytest.raises(UpstreamValidationError, match="same second"):
        full.params(10)
    assert OrdersCursor(SAME_SECOND, 240).params(50)["limit"] == "250"  # the page shrinks
