"""Magento behind the gateway over HTTP: shipments (order/{id}/ship) and offline credit memos
(order/{id}/refund) land in the sandbox, show up in reads and advance the order; invalid ones
are quarantined with Magento's message; a lost answer is reconciled by the tagged comment;
stores without MSI write stock through the legacy stock item."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import pytest

from platforms.ids import Kind, encode_id
from platforms.magento.sandbox.app import MagentoSandbox
from platforms.magento.sandbox.writes_orders import top_rows
from platforms.sandbox.kit import serve
from tests.gateway.writes.conftest import StartWrites, WriteGateway

STORE = "mage"
FULFIL = """mutation($input: CreateFulfillmentInput!, $key: String) {
  createFulfillment(input: $input, idempotencyKey: $key) { __typename
    ... on CreateFulfillmentSuccess { fulfillmentId trackingNumber lines { lineItemId quantity }
      fulfillment { externalId orderExternalId status trackingCompany trackingNumbers
        locationExternalId lines { lineItemExternalId quantity } } }
    ... on WriteFailed { code message operation { status } } } }"""
REFUND = """mutation($input: CreateRefundInput!, $key: String) {
  createRefund(input: $input, idempotencyKey: $key) { __typename
    ... on CreateRefundSuccess { refundId amount lines { lineItemId quantity }
      refund { externalId note amount { amount currencyCode }
        lines { lineItemExternalId quantity } } }
    ... on WriteFailed { code message operation { status } } } }"""
ORDER = """query($id: ID!) { order(id: $id) { fulfillmentStatus
  fulfillments { externalId trackingNumbers locationExternalId lines { quantity } }
  refunds { externalId note amount { amount } } } }"""
SET = """mutation($input: SetInventoryInput!) { setInventory(input: $input) { __typename
  ... on SetInventorySuccess { inventoryLevel { available } }
  ... on WriteFailed { code message } ... on UnsupportedOnPlatform { message } } }"""
ADJUST = """mutation($input: AdjustInventoryInput!) { adjustInventory(input: $input) { __typename
  ... on AdjustInventorySuccess { inventoryLevel { available } }
  ... on WriteFailed { code message } ... on UnsupportedOnPlatform { message } } }"""
LEVEL = """query($v: [ID!]!, $l: [ID!]) {
  inventoryLevels(variantIds: $v, locationIds: $l) { available } }"""


Magento = tuple[MagentoSandbox, WriteGateway]


@pytest.fixture
async def magento_sandbox() -> AsyncIterator[tuple[MagentoSandbox, str]]:
    sandbox = MagentoSandbox(seed=4, orders=40, products=20)
    async with serve(sandbox.app) as url:
        yield sandbox, url


@pytest.fixture
async def magento(
    magento_sandbox: tuple[MagentoSandbox, str], start_writes: StartWrites
) -> Magento:
    """The served sandbox and a gateway over it as store `STORE`."""
    sandbox, url = magento_sandbox
    return sandbox, await _gateway(start_writes, sandbox, url)


def _processing(sandbox: MagentoSandbox, rows: int = 2) -> dict[str, Any]:
    """An invoiced, unshipped order with at least `rows` item rows a document can name."""
    return next(
        o
        for o in sandbox.state.orders.values()
        if o["state"] == "processing" and len(top_rows(o)) >= rows
    )


def _order_gid(order: dict[str, Any]) -> str:
    return encode_id(STORE, Kind.ORDER, str(order["entity_id"]))


def _one_row(
    order: dict[str, Any], row: dict[str, Any], quantity: int = 1, **line: Any
) -> dict[str, Any]:
    """A shipment's or credit memo's input naming `quantity` of one item row of the order."""
    lines = [{"lineItemId": str(row["item_id"]), "quantity": quantity, **line}]
    return {"orderId": _order_gid(order), "lines": lines}


async def _gateway(start_writes: StartWrites, sandbox: MagentoSandbox, url: str) -> WriteGateway:
    return await start_writes([sandbox.connection(STORE, url)])


async def test_partial_shipment_from_a_source_with_tracking(magento: Magento) -> None:
    sandbox, gw = magento
    order = _processing(sandbox)
    row = top_rows(order)[0]
    variables = {
        "input": {
            **_one_row(order, row),
            "trackingCompany": "UPS",
            "trackingNumber": "1Z-MAGE-1",
            "locationId": encode_id(STORE, Kind.LOCATION, "us_east"),
            "notify": True,
        },
        "key": "ship-mage-1",
    }
    first = (await gw.data(FULFIL, variables))["createFulfillment"]
    assert first["__typename"] == "CreateFulfillmentSuccess", first
    shipment = first["fulfillment"]
    assert shipment["orderExternalId"] == str(order["entity_id"])
    assert shipment["status"] == "SUCCESS"
    assert shipment["trackingNumbers"] == ["1Z-MAGE-1"]
    assert shipment["trackingCompany"] == "UPS"
    assert shipment["locationExternalId"] == "us_east"
    assert shipment["lines"] == [{"lineItemExternalId": str(row["item_id"]), "quantity": 1}]
    assert (await gw.data(FULFIL, variables))["createFulfillment"] == first  # same key: once
    assert sandbox.writes.count(f"ship:{order['entity_id']}") == 1

    read = (await gw.data(ORDER, {"id": _order_gid(order)}))["order"]
    assert read["fulfillmentStatus"] == "PARTIALLY_FULFILLED"
    assert [f["externalId"] for f in read["fulfillments"]] == [shipment["externalId"]]
    assert read["fulfillments"][0]["trackingNumbers"] == ["1Z-MAGE-1"]
    assert read["fulfillments"][0]["locationExternalId"] == "us_east"
    assert sandbox.state.orders[order["entity_id"]]["state"] == "processing"  # not all shipped


async def test_shipping_everything_completes_the_order(magento: Magento) -> None:
    sandbox, gw = magento
    order = _processing(sandbox, rows=1)
    result = await gw.data(FULFIL, {"input": {"orderId": _order_gid(order)}})
    assert result["createFulfillment"]["__typename"] == "CreateFulfillmentSuccess", result
    shipped = {
        li["lineItemExternalId"]: li["quantity"]
        for li in result["createFulfillment"]["fulfillment"]["lines"]
    }
    assert shipped == {str(r["item_id"]): int(r["qty_ordered"]) for r in top_rows(order)}
    assert sandbox.state.orders[order["entity_id"]]["state"] == "complete"
    read = (await gw.data(ORDER, {"id": _order_gid(order)}))["order"]
    assert read["fulfillmentStatus"] == "FULFILLED"


async def test_shipping_more_than_ordered_is_quarantined_with_magentos_message(
    magento: Magento,
) -> None:
    sandbox, gw = magento
    order = _processing(sandbox, rows=1)
    row = top_rows(order)[0]
    too_many = int(row["qty_ordered"]) + 5
    variables = {"input": _one_row(order, row, too_many)}
    result = (await gw.data(FULFIL, variables))["createFulfillment"]
    assert result["__typename"] == "WriteFailed", result
    assert result["operation"]["status"] == "QUARANTINED"
    assert "must not be greater than the unshipped quantity" in result["message"]
    assert row["sku"] in result["message"]
    assert sandbox.writes.count("ship:") == 0
    assert sandbox.state.shipments == []


async def test_lost_ship_answer_is_reconciled_by_the_tagged_comment(magento: Magento) -> None:
    sandbox, gw = magento
    order = _processing(sandbox)
    row = top_rows(order)[0]
    sandbox.writes.fail_after_apply.append(503)  # shipment created, the answer lost
    variables = {"input": _one_row(order, row), "key": "ship-lost"}
    result = (await gw.data(FULFIL, variables))["createFulfillment"]
    assert result["__typename"] == "CreateFulfillmentSuccess", result
    assert sandbox.writes.count(f"ship:{order['entity_id']}") == 1  # found, not re-sent
    assert len(sandbox.state.shipments) == 1
    assert "cartgraph-op:ship-lost" in sandbox.state.shipments[0]["comments"][0]["comment"]


async def test_offline_credit_memo_with_lines_shipping_and_amount(magento: Magento) -> None:
    sandbox, gw = magento
    order = _processing(sandbox)
    row = top_rows(order)[0]
    variables = {
        "input": {
            **_one_row(order, row, restock=True),
            "amount": "7.50",
            "reason": "damaged in transit",
        },
        "key": "memo-1",
    }
    sandbox.writes.fail_after_apply.append(502)  # applied, answer lost: reconcile finds it
    result = (await gw.data(REFUND, variables))["createRefund"]
    assert result["__typename"] == "CreateRefundSuccess", result
    assert Decimal(result["amount"]) == Decimal("7.50")
    memo = result["refund"]
    assert Decimal(memo["amount"]["amount"]) == Decimal("7.50")
    assert memo["amount"]["currencyCode"] == "USD"
    assert memo["lines"] == [{"lineItemExternalId": str(row["item_id"]), "quantity": 1}]
    assert memo["note"].startswith("damaged in transit [cartgraph-op:memo-1]")
    assert sandbox.writes.count(f"refund:{order['entity_id']}") == 1
    assert sandbox.state.orders[order["entity_id"]]["total_refunded"] == 7.5

    read = (await gw.data(ORDER, {"id": _order_gid(order)}))["order"]
    assert [Decimal(r["amount"]["amount"]) for r in read["refunds"]] == [Decimal("7.50")]


async def test_refunding_everything_closes_the_order_and_more_is_refused(magento: Magento) -> None:
    sandbox, gw = magento
    order = _processing(sandbox, rows=1)
    lines = [
        {"lineItemId": str(r["item_id"]), "quantity": int(r["qty_ordered"])}
        for r in top_rows(order)
    ]
    shipping = str(order["shipping_amount"])
    full = {"input": {"orderId": _order_gid(order), "lines": lines, "shippingAmount": shipping}}
    result = (await gw.data(REFUND, full))["createRefund"]
    assert result["__typename"] == "CreateRefundSuccess", result
    assert Decimal(result["amount"]) == Decimal(str(order["grand_total"]))
    assert sandbox.state.orders[order["entity_id"]]["state"] == "closed"

    again = await gw.data(REFUND, {"input": {"orderId": _order_gid(order), "amount": "1"}})
    refused = again["createRefund"]
    assert refused["__typename"] == "WriteFailed", refused
    assert "does not allow a creditmemo" in refused["message"]
    assert len(sandbox.state.creditmemos) == 1


async def test_stock_without_msi_goes_through_the_legacy_stock_item(
    start_writes: StartWrites,
) -> None:
    sandbox = MagentoSandbox(seed=4, orders=10, products=20, msi=False)
    async with serve(sandbox.app) as url:
        gw = await _gateway(start_writes, sandbox, url)
        product = next(
            p
            for p in sandbox.state.products.values()
            if p["type_id"] == "simple" and p["extension_attributes"]["stock_item"]["qty"] > 3
        )
        stock = product["extension_attributes"]["stock_item"]
        before = int(stock["qty"])
        ids = {
            "variantId": encode_id(STORE, Kind.VARIANT, str(product["id"])),
            "locationId": encode_id(STORE, Kind.LOCATION, "default"),
        }
        done = (await gw.data(ADJUST, {"input": {**ids, "delta": -3}}))["adjustInventory"]
        assert done["__typename"] == "AdjustInventorySuccess", done
        assert done["inventoryLevel"]["available"] == before - 3
        assert stock["qty"] == before - 3
        assert sandbox.writes.count(f"stock-item:{product['sku']}") == 1
        msi_writes = [r for r in sandbox.calls.by_route if r.startswith("POST") and "source" in r]
        assert msi_writes == []  # no MSI route was written to
        level = await gw.data(LEVEL, {"v": [ids["variantId"]], "l": [ids["locationId"]]})
        assert level["inventoryLevels"][0]["available"] == before - 3

        done = (await gw.data(SET, {"input": {**ids, "available": 0}}))["setInventory"]
        assert done["__typename"] == "SetInventorySuccess", done
        assert stock["qty"] == 0 and stock["is_in_stock"] is False

        elsewhere = {**ids, "locationId": encode_id(STORE, Kind.LOCATION, "us_east")}
        refused = (await gw.data(SET, {"input": {**elsewhere, "available": 1}}))["setInventory"]
        assert refused["__typename"] == "UnsupportedOnPlatform", refused
        assert "no MSI" in refused["message"]
