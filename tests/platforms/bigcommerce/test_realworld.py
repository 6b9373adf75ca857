"""Every BigCommerce payload the vendor publishes (tests/fixtures/realworld/bigcommerce) maps,
or, for webhooks and requests, parses into what the gateway acts on."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from platforms.bigcommerce.classify import error_text
from platforms.bigcommerce.mapping.catalog import map_product
from platforms.bigcommerce.mapping.common import address
from platforms.bigcommerce.mapping.orders import STATUS_BY_ID, map_line, map_order, map_taxes
from platforms.bigcommerce.mapping.people import map_refund, map_shipment
from platforms.bigcommerce.webhooks import delivery
from platforms.canonical import FinancialStatus, FulfillmentStatus, OrderStatus
from platforms.errors import PayloadError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "realworld" / "bigcommerce"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def with_lines(order: dict[str, Any], products: list[dict[str, Any]]) -> dict[str, Any]:
    """The order as `include=consignments.line_items&consignment_structure=object` sends it."""
    shipping = {
        "id": 1,
        "shipping_method": "Free Shipping",
        "cost_ex_tax": "0.0000",
        "line_items": products,
    }
    return {**order, "consignments": {"pickups": [], "shipping": [shipping], "downloads": []}}


def all_orders() -> list[dict[str, Any]]:
    return [load("order_v2.json"), *load("orders_v2.json")]


@pytest.mark.parametrize("payload", all_orders(), ids=lambda p: f"order-{p['id']}")
def test_every_vendor_order_maps_with_utc_times_and_exact_money(payload: dict[str, Any]) -> None:
    order = map_order(payload, store_id="s1", default_currency="EUR")
    assert order.external_id == order.number == str(payload["id"])
    assert order.currency_code == payload["currency_code"]
    assert order.created_at.utcoffset() == order.updated_at.utcoffset() == timedelta(0)
    assert order.total_price.amount == Decimal(payload["total_inc_tax"])
    assert order.status is STATUS_BY_ID[payload["status_id"]]
    assert order.line_items == ()  # the lines come with `include=consignments.line_items`


def test_the_vendor_order_reads_rfc2822_and_4_decimal_strings_exactly() -> None:
    order = map_order(load("orders_v2.json")[0], store_id="s1", default_currency="EUR")
    assert order.created_at == datetime(2018, 1, 10, 21, 5, 30, tzinfo=UTC)
    assert str(order.total_price.amount) == "361.95"  # "361.9500"
    assert order.status is OrderStatus.OPEN  # 11 Awaiting Fulfillment
    assert order.financial_status is FinancialStatus.AUTHORIZED
    assert order.fulfillment_status is FulfillmentStatus.UNFULFILLED
    assert order.billing_address is not None and order.billing_address.city == "Austin"
    assert order.email == "janedoe@example.com"


def test_vendor_order_products_are_the_orders_lines() -> None:
    products = load("order_products_v2.json")
    order = map_order(
        with_lines(load("order_v2.json"), products), store_id="s1", default_currency="USD"
    )
    assert [li.external_id for li in order.line_items] == sorted(str(p["id"]) for p in products)
    first = next(li for li in order.line_items if li.external_id == "65")
    assert first.unit_price.amount == Decimal("55.99")  # price_ex_tax, never the inc-tax 65.23
    assert first.total_discount is not None and first.total_discount.amount == Decimal("1.59")
    assert (first.sku, first.product_external_id, first.quantity) == ("S-ORAN", "77", 1)
    for row in products:
        assert map_line(row, "USD").title == row["name"]


def test_vendor_statuses_are_all_known() -> None:
    ids = [row["id"] for row in load("order_statuses_v2.json")]
    assert set(ids) <= set(STATUS_BY_ID)
    assert STATUS_BY_ID[5] is OrderStatus.CANCELLED and STATUS_BY_ID[10] is OrderStatus.CLOSED


def test_vendor_shipments_map_to_fulfillments_of_order_products() -> None:
    shipments = [map_shipment(row, store_id="s1") for row in load("order_shipments_v2.json")]
    first = shipments[0]
    assert (first.external_id, first.order_external_id) == ("6", "225")
    assert first.tracking_numbers == ("EJ958083578US",)
    assert first.tracking_company == "USPS"
    assert [(x.line_item_external_id, x.quantity) for x in first.lines] == [("188", 1)]
    assert first.created_at == datetime(2019, 3, 11, 17, 22, 8, tzinfo=UTC)


def test_vendor_refund_maps_with_its_product_lines() -> None:
    refund = map_refund(load("refund_v3.json")["data"], store_id="s1", currency="USD")
    assert (refund.external_id, refund.order_external_id) == ("12", "180")
    assert refund.amount.amount == Decimal("50.00")
    assert [(x.line_item_external_id, x.quantity) for x in refund.lines] == [("87", 1)]
    assert refund.shipping is not None and refund.shipping.amount == 0  # no SHIPPING item
    assert refund.transactions[0].gateway == "storecredit"


def test_vendor_taxes_map_to_fractional_rates() -> None:
    taxes = map_taxes(load("order_taxes_v2.json"), "USD")
    assert taxes and all(t.rate is not None and t.rate < 1 for t in taxes)
    assert taxes[0].rate == Decimal("0.08")


def test_vendor_addresses_map() -> None:
    for row in load("order_shipping_addresses_v2.json"):
        found = address(row)
        assert found is not None and found.country_code == "US" and found.address1
    request = load("order_create_variants_v2.request.json")
    assert address(request["billing_address"]) is not None


def test_vendor_product_maps_only_with_its_variants() -> None:
    product = load("product_v3.json")["data"]
    with pytest.raises(PayloadError, match="include=variants"):
        map_product(product, store_id="s1", currency="USD")
    variants = load("product_variants_v3.json")["data"]
    whole = {**product, "id": variants[0]["product_id"], "variants": variants}
    mapped = map_product(whole, store_id="s1", currency="USD")
    assert [v.sku for v in mapped.variants] == [v["sku"] for v in variants]
    first = mapped.variants[0]
    assert first.price.amount == Decimal("8.00") and first.compare_at_price is not None
    assert first.compare_at_price.amount == Decimal("10.00")  # on sale: 8 instead of 10
    assert first.inventory_item_id == first.external_id == "382"
    assert mapped.options[0].name == "Color"
    assert mapped.updated_at == datetime(2018, 9, 5, 20, 42, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("error_404_v2.json", "The requested resource was not found."),
        ("error_422_v3.json", "JSON data is missing or invalid"),
        ("inventory_adjust_error_422_v3.json", "requires absolute adjustment before relative"),
    ],
)
def test_vendor_errors_give_their_short_text_only(name: str, text: str) -> None:
    found = error_text((FIXTURES / name).read_bytes())
    assert found is not None and text in found
    assert "jsstring" not in found  # V3 `errors` (which may echo input) is never read


@pytest.mark.parametrize("kind", ["absolute", "relative"])
def test_vendor_adjustment_requests_have_the_shape_the_writer_sends(kind: str) -> None:
    request = load(f"inventory_adjust_{kind}_v3.request.json")
    assert set(request) == {"reason", "items"}
    by_variant = [i for i in request["items"] if "variant_id" in i]
    assert by_variant and all(
        set(i) == {"location_id", "variant_id", "quantity"} for i in by_variant
    )


WEBHOOKS = {
    "webhook_store_order_created.json": ("order", "250"),
    "webhook_store_order_updated.json": ("order", None),
    "webhook_store_order_statusUpdated.json": ("order", None),
    "webhook_store_order_refund_created.json": ("order", "250"),
    "webhook_store_shipment_created.json": ("order", "251"),
    "webhook_store_product_updated.json": ("product", "205"),
    "webhook_store_product_inventory_updated.json": ("product", "167"),
    "webhook_store_product_inventory_order_updated.json": ("product", None),
    "webhook_store_sku_inventory_updated.json": ("product", "206"),
    "webhook_store_sku_inventory_order_updated.json": ("product", "206"),
    "webhook_store_customer_updated.json": ("none", None),
}


@pytest.mark.parametrize("name", sorted(WEBHOOKS))
def test_vendor_webhooks_name_what_to_read(name: str) -> None:
    body = load(name)
    kind, ident = WEBHOOKS[name]
    found = delivery(body["scope"], body["hash"], body["data"])
    assert found.topic == body["scope"] and found.delivery_id == body["hash"]
    if kind == "order":
        assert found.refetch_order_ids == ((ident or str(body["data"]["id"])),)
    elif kind == "product":
        assert found.refetch_product_ids == ((ident or str(body["data"]["id"])),)
    else:
        assert not found.refetch_order_ids and not found.refetch_product_ids
