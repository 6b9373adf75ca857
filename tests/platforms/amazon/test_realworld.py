"""Acceptance 3: Amazon's own example payloads (tests/fixtures/realworld/amazon/, sources in
SOURCES.md there) map to canonical objects, with the values they state."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from platforms.adapter import StoreConnection
from platforms.amazon import remap_order
from platforms.amazon.classify import AmazonClassifier
from platforms.amazon.mapping.catalog import fba_level
from platforms.amazon.mapping.orders import map_order
from platforms.amazon.mapping.orders_v0 import map_v0_order, v0_items
from platforms.amazon.mapping.people import fulfillments_from_order
from platforms.canonical import FinancialStatus, FulfillmentStatus, OrderStatus, Platform
from platforms.errors import PayloadError, UpstreamValidationError
from platforms.http import CallContext, Response

CONNECTION = StoreConnection(store_id="s", platform=Platform.AMAZON, base_url="https://x", name="s")
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "realworld" / "amazon"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def reconciles(order: Any) -> bool:
    built = order.subtotal_price.amount + order.total_shipping.amount + order.total_tax.amount
    lines = sum((li.total.amount for li in order.line_items), Decimal(0))
    return built == order.total_price.amount and lines <= order.subtotal_price.amount


def test_search_orders_example_maps_with_its_tip_items_and_package() -> None:
    (payload,) = load("orders_2026-01-01_searchOrders.json")["orders"]
    order = map_order(payload, store_id="s", default_currency="EUR")
    assert (order.number, order.currency_code) == ("123-4567890-1234567", "USD")
    assert (order.status, order.financial_status, order.fulfillment_status) == (
        OrderStatus.CLOSED,
        FinancialStatus.PAID,
        FulfillmentStatus.FULFILLED,
    )
    assert [(li.sku, li.quantity, str(li.unit_price.amount)) for li in order.line_items] == [
        ("ECHO-DOT-4-CHARCOAL", 2, "49.99"),
        ("FIRE-TV-4K-2021", 1, "49.99"),
    ]
    assert str(order.subtotal_price.amount) == "154.97"  # lines 149.97 + the 5.00 delivery tip
    assert (str(order.total_tax.amount), str(order.total_price.amount)) == ("0.02", "154.99")
    assert reconciles(order)
    assert order.email == "buyer-email@marketplace.amazon.com"  # the RDT-read fields
    assert order.shipping_address is not None and order.shipping_address.city == "Seattle"
    assert order.shipping_address.last_name == "Smith"
    (shipment,) = fulfillments_from_order(order)
    assert shipment.tracking_numbers == ("1Z999AA1234567890",)
    assert [(x.line_item_external_id, x.quantity) for x in shipment.lines] == [
        ("12345678901234", 2),
        ("12345678901235", 1),
    ]
    fields = {f.key: f.value for f in order.custom_fields}
    assert fields["SELLER_ORDER_ID"] == "SELLER-ORDER-2024-001"


def test_get_order_example_maps_in_its_marketplaces_currency() -> None:
    order = map_order(
        load("order_2026-01-01_getOrder.json")["order"], store_id="s", default_currency="USD"
    )
    assert order.currency_code == "GBP"
    assert str(order.total_price.amount) == "103.97"
    assert (str(order.total_shipping.amount), str(order.total_tax.amount)) == ("10.00", "4.00")
    assert reconciles(order)


def test_fba_inventory_summaries_example_maps_every_row() -> None:
    payload = load("fba_inventory_summaries_v1.json")["payload"]
    market = payload["granularity"]["granularityId"]
    levels = [fba_level(r, market, store_id="s") for r in payload["inventorySummaries"]]
    assert len(levels) == len(payload["inventorySummaries"]) >= 2
    assert {lv.location_external_id for lv in levels} == {f"fba-{market}"}
    empty, _, silicon = levels
    assert (empty.available, empty.on_hand, empty.updated_at) == (0, 0, None)  # "" is never
    assert (silicon.inventory_item_id, silicon.available, silicon.incoming) == (
        "Silicon Power 32GB",
        66,
        21,
    )
    assert silicon.updated_at is not None and silicon.updated_at.year == 2018


def test_an_sp_api_error_body_becomes_a_validation_error_without_its_body() -> None:
    body = json.dumps(load("error_400_v0.json")).encode()
    headers = CIMultiDictProxy(CIMultiDict({"x-amzn-RequestId": "req-1"}))
    error = AmazonClassifier().classify(
        Response(400, headers, body, "https://x/orders"), CallContext("s", "amazon", "searchOrders")
    )
    assert isinstance(error, UpstreamValidationError)
    assert error.request_id == "req-1" and "InvalidInput" in error.message


def test_v0_get_orders_and_get_order_examples_map_as_pending_without_a_total() -> None:
    (listed,) = load("orders_v0_getOrders.json")["payload"]["Orders"]
    fetched = load("order_v0_getOrder.json")["payload"]
    for payload in (listed, fetched):
        order = map_v0_order(payload, store_id="s", default_currency="EUR")
        assert (order.number, order.currency_code) == ("902-3159896-1390916", "USD")
        assert (order.status, order.financial_status) == (OrderStatus.OPEN, FinancialStatus.PENDING)
        assert str(order.total_price.amount) == "0.00" or order.total_price.amount == 0
        assert order.line_items == () and reconciles(order)
        assert order.email == "user@example.com"
        assert order.shipping_address is not None
        assert (order.shipping_address.city, order.shipping_address.last_name) == (
            "Canton",
            "address",
        )
        fields = {f.key: f.value for f in order.custom_fields}
        assert (fields["marketplaceId"], fields["fulfilledBy"]) == ("ATVPDKIKX0DER", "MFN")
        assert remap_order(order.raw, CONNECTION) == order


def test_v0_order_items_example_maps_onto_its_order_leaving_foreign_money_aside() -> None:
    answer = load("order_items_v0_getOrderItems.json")
    order_id = answer["payload"]["AmazonOrderId"]
    # Amazon's examples name two orders: the items' order is given the header of the other,
    # shipped in the items' marketplace (Japan)
    header = {
        **load("order_v0_getOrder.json")["payload"],
        "AmazonOrderId": order_id,
        "OrderStatus": "Shipped",
        "MarketplaceId": "A1VC38T7YXB528",
    }
    order = map_v0_order(header, v0_items(answer, order_id), store_id="s", default_currency="USD")
    assert (order.currency_code, order.status) == ("JPY", OrderStatus.CLOSED)
    assert [(li.sku, li.quantity, str(li.unit_price.amount)) for li in order.line_items] == [
        ("CBA_OTF_1", 1, "25.99"),
        ("CBA_OTF_5", 2, "8.975"),  # ItemPrice is the whole quantity's
    ]
    # lines 43.94 + COD fee 10.00 - 1.00 + the JPY gift wrap 1.99; shipping 1.26
    assert (str(order.subtotal_price.amount), str(order.total_shipping.amount)) == ("54.93", "1.26")
    assert str(order.total_price.amount) == "56.19" and reconciles(order)
    fields = {f.key: f.value for f in order.custom_fields}
    # the first item's gift wrap is in GBP: not added to a JPY order, kept unconverted
    assert fields["foreignAmounts"] == [
        {"field": "GiftWrapPrice", "amount": "41.99", "currencyCode": "GBP"}
    ]
    assert remap_order(order.raw, CONNECTION) == order
    with pytest.raises(PayloadError):
        v0_items(answer, "902-3159896-1390916")
