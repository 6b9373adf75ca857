"""#14 item 5: a Shopify store above its `bulk_above` size polls its whole catalogue and stock
through bulk queries (started, polled, JSONL downloaded), not pages, and finds the same."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from gateway.app import create_app
from gateway.events.log import EventFilter
from gateway.server import running
from gateway.stores import CacheTTLs, StoreRegistry
from platforms.events import EventType
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import ShopifySandbox
from platforms.shopify.sandbox.writes_common import now as shopify_now
from tests.helpers.auth import admin_gate
from tests.helpers.postgres import Backend

HOUR = 3600.0  # polls run through poll_inventory_now only
BULK = "mutation bulkOperationRunQuery"


async def test_a_large_store_polls_stock_in_bulk(tmp_path: Path, backend: Backend) -> None:
    sandbox = ShopifySandbox(seed=1, orders=5, products=8, bucket=None)
    async with serve(sandbox.app) as url:
        base = replace(sandbox.connection("paged", url), options={"api": "graphql"})
        bulk = replace(base, store_id="bulk", options={"api": "graphql", "bulk_above": "5"})
        registry = StoreRegistry([base, bulk], ttls=CacheTTLs(products=0, locations=0))
        service = backend.event_service(
            registry,
            tmp_path / "data",
            poll_intervals={"paged": 0.0, "bulk": 0.0},
            inventory_poll_intervals={"paged": HOUR, "bulk": HOUR},
        )
        async with running(create_app(registry, events=service, auth=admin_gate())):
            # the baselines ran at start: each store's size asked once, then one bulk pair
            # (products, stock) for the large store
            assert sandbox.graphql.fields["query productVariantsCount"] == 2
            assert sandbox.graphql.fields[BULK] == 2
            assert await service.poll_inventory_now("bulk") == 0
            (item, location), level = sorted(sandbox.state.inventory_levels.items())[3]
            level["available"] = int(level["available"] or 0) + 7
            level["updated_at"] = shopify_now()
            sandbox.graphql.fields.clear()
            assert await service.poll_inventory_now("bulk") == 1
            by_bulk = dict(sandbox.graphql.fields)
            sandbox.graphql.fields.clear()
            assert await service.poll_inventory_now("paged") == 1
            by_pages = dict(sandbox.graphql.fields)
            stock = EventFilter(types=frozenset({EventType.INVENTORY_CHANGED}))
            events = await service.log.read_after(0, stock)
    # the large store: two bulk queries and their status polls, no pages (its size is known)
    assert by_bulk[BULK] == 2
    assert set(by_bulk) == {BULK, "query bulkOperation"}
    assert "query products" in by_pages and BULK not in by_pages
    found = sorted(
        (e.store_id, lv.inventory_item_id, lv.location_external_id, lv.available)
        for e in events
        for lv in [e.inventory_level()]
    )
    after = int(level["available"])
    assert found == [
        ("bulk", str(item), str(location), after),
        ("paged", str(item), str(location), after),
    ]
