"""Faithfulness of the sandboxes' write endpoints against vendor examples: a real client's
request body (ids swapped for the sandbox's) is accepted, over a real socket, and the
sandbox's transactions have the fields Shopify's do."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp

from platforms.magento.sandbox.app import MagentoSandbox
from platforms.magento.sandbox.writes_orders import top_rows
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import DEFAULT_TOKEN, DEFAULT_VERSION, ShopifySandbox
from platforms.shopify.sandbox.transactions import transactions_of

FIXTURES = Path(__file__).parents[2] / "fixtures" / "realworld"
# fields of Shopify's example transactions the sandbox does not render (multi-currency and
# card details it has no data for).
NOT_RENDERED = {"total_unsettled_set", "payment_details"}


def _fixture(platform: str, name: str) -> Any:
    return json.loads((FIXTURES / platform / name).read_text())


def test_sandbox_transactions_have_shopifys_fields() -> None:
    sandbox = ShopifySandbox(seed=3, orders=20, products=5, bucket=None)
    order = next(o for o in sandbox.state.orders if o["financial_status"] == "paid")
    [sale] = transactions_of(order)
    for example in _fixture("shopify", "rest-2024-10_transactions_list.json")["transactions"]:
        assert set(example) - set(sale) <= NOT_RENDERED, example["kind"]
        assert isinstance(example["amount"], str) and isinstance(sale["amount"], str)


async def test_shopify_refund_request_with_parent_id_is_accepted() -> None:
    sandbox = ShopifySandbox(seed=3, orders=20, products=5, bucket=None)
    order = next(o for o in sandbox.state.orders if o["financial_status"] == "paid")
    [sale] = transactions_of(order)
    body = _fixture("shopify", "rest-2024-10_refund_create.request.json")
    refund = body["refund"]
    line = refund["refund_line_items"][0]
    line.update(line_item_id=order["line_items"][0]["id"], quantity=1)
    line["location_id"] = sandbox.state.locations[0]["id"]
    refund["transactions"][0].update(parent_id=sale["id"], amount=1.5)
    async with serve(sandbox.app) as url, aiohttp.ClientSession() as http:
        api = f"{url}/admin/api/{DEFAULT_VERSION}/orders/{order['id']}/refunds.json"
        headers = {"X-Shopify-Access-Token": DEFAULT_TOKEN}
        async with http.post(api, json=body, headers=headers) as resp:
            assert resp.status == 201, await resp.text()
            saved = (await resp.json())["refund"]
    assert saved["note"] == "wrong size"
    assert saved["transactions"][0]["parent_id"] == sale["id"]
    assert saved["transactions"][0]["amount"] == "1.50"
    assert saved["refund_line_items"][0]["restock_type"] == "return"


async def _post(sandbox: MagentoSandbox, path: str, body: Any) -> tuple[int, Any]:
    async with serve(sandbox.app) as url, aiohttp.ClientSession() as http:
        headers = {"Authorization": f"Bearer {sandbox.access_token}"}
        async with http.post(f"{url}/rest/default/V1/{path}", json=body, headers=headers) as r:
            return r.status, await r.json()


async def test_magento_ship_requests_are_accepted() -> None:
    sandbox = MagentoSandbox(seed=3, orders=40, products=20)
    orders = [o for o in sandbox.state.orders.values() if o["state"] == "processing"]
    for name, order in zip(
        ("order_ship.request.json", "order_ship_msi_source.request.json"), orders, strict=False
    ):
        body = _fixture("magento", name)
        body["items"] = [{"order_item_id": r["item_id"], "qty": 1} for r in top_rows(order)]
        if "arguments" in body:
            body["arguments"]["extension_attributes"]["source_code"] = "us_east"
        status, answer = await _post(sandbox, f"order/{order['entity_id']}/ship", body)
        assert status == 200, answer
        shipment = next(s for s in sandbox.state.shipments if s["entity_id"] == int(answer))
        assert shipment["order_id"] == order["entity_id"]
        assert shipment["total_qty"] == len(top_rows(order))
    [tracked, from_source] = sandbox.state.shipments
    assert tracked["tracks"][0]["track_number"] == "1Y-9876543210"
    assert tracked["tracks"][0]["carrier_code"] == "ups"
    assert from_source["extension_attributes"]["source_code"] == "us_east"
    assert from_source["comments"][0]["comment"] == "Shipment from the Northeast warehouse"


async def test_magento_credit_memo_request_is_accepted() -> None:
    sandbox = MagentoSandbox(seed=3, orders=40, products=20)
    order = next(o for o in sandbox.state.orders.values() if o["state"] == "processing")
    row = top_rows(order)[0]
    body = _fixture("magento", "invoice_refund.request.json")
    body["items"] = [{"order_item_id": row["item_id"], "qty": 1}]
    body["arguments"]["extension_attributes"]["return_to_stock_items"] = [row["item_id"]]
    before = next(
        i["quantity"]
        for i in sandbox.state.source_items
        if i["sku"] == row["sku"] and i["source_code"] == "default"
    )
    status, answer = await _post(sandbox, f"order/{order['entity_id']}/refund", body)
    assert status == 200, answer
    [memo] = sandbox.state.creditmemos
    assert memo["entity_id"] == int(answer)
    assert memo["items"][0]["qty"] == 1
    after = next(
        i["quantity"]
        for i in sandbox.state.source_items
        if i["sku"] == row["sku"] and i["source_code"] == "default"
    )
    assert after == before + 1  # returned to stock, as return_to_stock_items asked
