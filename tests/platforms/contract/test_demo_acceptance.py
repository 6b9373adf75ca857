"""Issue 3, acceptance 1: one `orders(first: 30)` over the demo's stores (one per registered
platform) returns orders of every store, merged by `updatedAt`, fully resolved for each."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.demo import demo_stores
from platforms.registry import all_specs

if TYPE_CHECKING:
    from tests.conftest import StartGateway

QUERY = """
{
  orders(first: 30) {
    edges { node {
      number storeId platform updatedAt
      totalPrice { amount currencyCode }
      lineItems { quantity
        variant { sku product { title } inventoryLevels { available location { name } } } }
    } }
    pageInfo { hasNextPage }
  }
}"""


def assert_interleaved(store_ids: list[str]) -> None:
    """No store's orders all come before another store's: the merge really interleaves."""
    positions: dict[str, list[int]] = {}
    for index, store_id in enumerate(store_ids):
        positions.setdefault(store_id, []).append(index)
    for first, mine in positions.items():
        for other, theirs in positions.items():
            if first != other:
                assert not max(mine) < min(theirs), (first, other, store_ids)


async def test_orders_first_30_spans_every_demo_store_merged_and_resolved(
    start_gateway: StartGateway,
) -> None:
    async with demo_stores() as (connections, _):
        gateway = await start_gateway(connections)
        data = await gateway.data(QUERY)

    orders = [edge["node"] for edge in data["orders"]["edges"]]
    assert len(orders) == 30
    assert data["orders"]["pageInfo"]["hasNextPage"] is True
    stores = {conn.store_id: conn.platform.value for conn in connections}
    assert {o["storeId"] for o in orders} == set(stores)
    assert {o["platform"] for o in orders} == {spec.platform.name for spec in all_specs()}
    stamps = [o["updatedAt"] for o in orders]
    assert stamps == sorted(stamps, reverse=True)
    assert len(set(stamps)) == len(stamps)  # the seeds spread updates: no ties at a cap
    assert_interleaved([o["storeId"] for o in orders])
    for order in orders:
        assert order["lineItems"], order["number"]
        for line in order["lineItems"]:
            variant = line["variant"]
            assert variant is not None, (order["storeId"], order["number"])
            assert variant["product"]["title"]
            assert variant["inventoryLevels"], (order["storeId"], variant["sku"])
            for level in variant["inventoryLevels"]:
                assert level["location"]["name"]


async def test_the_demo_serves_shopify_over_admin_graphql(start_gateway: StartGateway) -> None:
    """Issue 14, acceptance 1: with no `api` option the demo's Shopify store is read through
    the Admin GraphQL API only, the nested query in at most 3 requests."""
    async with demo_stores() as (connections, sandboxes):
        shopify = next(c for c in connections if c.platform.value == "shopify")
        assert "api" not in shopify.options
        gateway = await start_gateway([shopify])
        sandbox = sandboxes[shopify.store_id]
        sandbox.calls.reset()
        data = await gateway.data(QUERY.replace("first: 30", "first: 50"))

    assert len(data["orders"]["edges"]) == 50
    assert set(sandbox.calls.by_route) == {"POST /admin/api/{version}/graphql.json"}
    assert sandbox.calls.total <= 3
