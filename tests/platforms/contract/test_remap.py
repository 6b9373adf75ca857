"""Contract: `PlatformSpec.remap_order` re-maps the payload an order keeps (`raw`) into the
very order the client mapped, listed or fetched by id, on every API a store can select; so
`cartgraph events remap` corrects only what a mapping change changed (issue 16)."""

from __future__ import annotations

import pytest

from platforms.adapter import OrderQuery
from tests.platforms.contract.support import OpenStore

PAGE = 60  # every status the seeds make, across both read paths


async def test_stored_order_payloads_remap_to_the_same_orders(open_store: OpenStore) -> None:
    store = await open_store()
    remap = store.spec.remap_order
    if remap is None:  # optional: `events remap` lists such a platform's order events
        pytest.skip(f"{store.spec.display_name} registers no remap_order (skipped by remap)")
    page = await store.client.list_orders(OrderQuery(), cursor=None, limit=PAGE)
    fetched = await store.client.get_orders([o.external_id for o in page.items[:10]])
    orders = [*page.items, *fetched.values()]
    assert len(orders) > 10 and all(o.raw for o in orders)
    for order in orders:
        assert remap(order.raw, store.connection) == order, order.external_id
