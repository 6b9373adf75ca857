"""`expectedAvailable` over REST (Shopify with `api = "rest"`, WooCommerce, Magento): the stock
is read just before writing; a mismatch is StockChanged and nothing is sent."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from platforms.ids import Kind, encode_id
from platforms.magento.sandbox.app import MagentoSandbox
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import ShopifySandbox
from platforms.woocommerce.sandbox.app import WooCommerceSandbox
from tests.gateway.writes.conftest import StartWrites, WriteGateway

SET = """mutation($input: SetInventoryInput!) { setInventory(input: $input) { __typename
  ... on StockChanged { expectedAvailable available operation { status lastError { code } } }
  ... on SetInventorySuccess { inventoryLevel { available } } } }"""
ADJUST = """mutation($input: AdjustInventoryInput!) { adjustInventory(input: $input) {
  __typename ... on StockChanged { available }
  ... on AdjustInventorySuccess { inventoryLevel { available } } } }"""
LEVEL = """query($v: [ID!]!, $l: [ID!]) {
  inventoryLevels(variantIds: $v, locationIds: $l) { available } }"""
SANDBOXES = {
    "shopify": lambda: ShopifySandbox(seed=7, orders=5, products=6, bucket=None),
    "woocommerce": lambda: WooCommerceSandbox(seed=2, orders=5, products=8),
    "magento": lambda: MagentoSandbox(seed=4, orders=5, products=8),
}


async def _stocked(gw: WriteGateway, sandbox: Any, store: str) -> tuple[dict[str, str], int]:
    """A (variant, location) with a stock figure, and that figure as the gateway reads it."""
    facts = sandbox.facts()
    for variant, item in sorted(facts.inventory_items.items()):
        for location in sorted(facts.levels.get(item, ())):
            target = {
                "variantId": encode_id(store, Kind.VARIANT, variant),
                "locationId": encode_id(store, Kind.LOCATION, location),
            }
            data = await gw.data(LEVEL, {"v": [target["variantId"]], "l": [target["locationId"]]})
            levels = data["inventoryLevels"]
            if levels and levels[0]["available"] is not None:
                return target, int(levels[0]["available"])
    raise AssertionError("no stocked variant")


def _writes(sandbox: Any) -> list[str]:
    return [r for r in sandbox.calls.by_route if not r.startswith("GET ")]


@pytest.mark.parametrize("platform", sorted(SANDBOXES))
async def test_a_stale_expectation_writes_nothing(platform: str, start_writes: StartWrites) -> None:
    sandbox = SANDBOXES[platform]()
    async with serve(sandbox.app) as url:
        connection = sandbox.connection("cas", url)
        if platform == "shopify":  # its GraphQL API checks `changeFromQuantity` itself
            connection = replace(connection, options={"api": "rest"})
        gw = await start_writes([connection])
        target, now = await _stocked(gw, sandbox, "cas")
        sandbox.calls.reset()
        stale = {**target, "available": now + 5, "expectedAvailable": now + 1}
        refused = (await gw.data(SET, {"input": stale}))["setInventory"]
        assert refused == {
            "__typename": "StockChanged",
            "expectedAvailable": now + 1,
            "available": now,
            "operation": {"status": "QUARANTINED", "lastError": {"code": "STOCK_CHANGED"}},
        }
        assert _writes(sandbox) == []  # checked before sending: no write request at all
        fresh = {**target, "available": now + 5, "expectedAvailable": now}
        done = (await gw.data(SET, {"input": fresh}))["setInventory"]
        assert done == {
            "__typename": "SetInventorySuccess",
            "inventoryLevel": {"available": now + 5},
        }
        moved = {**target, "delta": -1, "expectedAvailable": now}  # stale again: now + 5
        assert (await gw.data(ADJUST, {"input": moved}))["adjustInventory"] == {
            "__typename": "StockChanged",
            "available": now + 5,
        }
