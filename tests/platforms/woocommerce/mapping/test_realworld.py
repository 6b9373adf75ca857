"""Vendor-published WooCommerce payloads map to exact canonical values."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from platforms.canonical import FinancialStatus, FulfillmentStatus, Order, OrderStatus
from platforms.errors import PayloadError
from platforms.woocommerce.mapping.catalog import map_product, map_variation
from platforms.woocommerce.mapping.orders import map_order

FIXTURES = Path(__file__).parents[3] / "fixtures" / "realworld" / "woocommerce"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def all_orders() -> list[dict[str, Any]]:
    batch = load("orders_batch.json")
    return [
        load("order.json"),
        *load("orders.json"),
        load("order_update_status.json"),
        *batch["create"],
        *batch["update"],
        *batch["delete"],
    ]


def reconciles(order: Order) -> bool:
    lines = sum(
        (
            li.unit_price.amount * li.quantity
            - (li.total_discount.amount if li.total_discount else 0)
            for li in order.line_items
        ),
        Decimal(0),
    )
    expected = lines + order.total_shipping.amount + order.total_tax.amount
    return abs(expected - order.total_price.amount) <= Decimal("0.01")


@pytest.mark.parametrize("payload", all_orders(), ids=lambda p: f"order-{p['id']}-{p['status']}")
def test_every_vendor_order_maps_and_reconciles(payload: dict[str, Any]) -> None:
    order = map_order(payload, store_id="s1", default_currency="EUR")
    assert order.external_id == str(payload["id"])
    assert order.currency_code == "USD"
    assert order.created_at.utcoffset() == timedelta(0)
    # these docs examples do reconcile: line totals + shipping + tax = total
    assert reconciles(order)
    assert order.subtotal_price.amount + order.total_shipping.amount + order.total_tax.amount == (
        order.total_price.amount
    )


def test_order_727_field_by_field() -> None:
    order = map_order(load("order.json"), store_id="s1", default_currency="EUR")
    assert order.number == "727"
    # date_created_gmt "2017-03-22T19:28:02" is UTC (date_created is site-local 16:28)
    assert order.created_at == datetime(2017, 3, 22, 19, 28, 2, tzinfo=UTC)
    assert order.updated_at == datetime(2017, 3, 22, 19, 28, 8, tzinfo=UTC)
    assert (order.status, order.financial_status, order.fulfillment_status) == (
        OrderStatus.OPEN,
        FinancialStatus.PAID,
        FulfillmentStatus.UNFULFILLED,
    )
    assert order.total_price.amount == Decimal("29.35")
    assert order.total_tax.amount == Decimal("1.35")
    assert order.total_shipping.amount == Decimal("10.00")
    assert order.email == "john.doe@example.com"
    assert order.customer_external_id is None  # customer_id 0 = guest
    simple, variation = order.line_items
    # variation_id 0: the product is its own variant
    assert (simple.product_external_id, simple.variant_external_id) == ("93", "93")
    assert (variation.product_external_id, variation.variant_external_id) == ("22", "23")
    assert simple.unit_price.amount == Decimal("3") and simple.quantity == 2
    assert simple.sku is None and variation.sku == "Bar3"
    assert order.tax_lines[0].title == "State Tax"
    assert order.tax_lines[0].amount.amount == Decimal("1.35")
    assert order.shipping_lines[0].code == "flat_rate"
    assert order.billing_address is not None
    assert order.billing_address.province_code == "CA"
    assert order.billing_address.country_code == "US"
    assert order.billing_address.company is None  # "" -> None
    assert order.custom_fields[0].key == "_download_permissions_granted"
    assert order.raw["order_key"] == "wc_order_58d2d042d1d"


def test_completed_order_is_closed_and_fulfilled() -> None:
    order = map_order(load("order_update_status.json"), store_id="s1", default_currency="EUR")
    assert order.status is OrderStatus.CLOSED
    assert order.fulfillment_status is FulfillmentStatus.FULFILLED


def test_simple_product_is_its_own_variant() -> None:
    product = map_product(load("product.json"), store_id="s1", currency="USD")
    assert product.external_id == "794" and product.handle == "premium-quality-19"
    assert product.product_type == "Clothing"
    assert product.created_at == datetime(2017, 3, 23, 20, 1, 14, tzinfo=UTC)
    (variant,) = product.variants
    assert variant.external_id == "794" and variant.product_external_id == "794"
    assert variant.price.amount == Decimal("21.99") and variant.price.currency_code == "USD"
    (level,) = variant.inline_inventory or ()
    assert level.inventory_item_id == "794" and level.location_external_id == "default"
    assert level.available is None  # manage_stock false: not tracked


def test_variable_product_with_its_variations() -> None:
    variations = load("variations.json")
    variable = next(p for p in load("products.json") if p["type"] == "variable")
    product = map_product(variable, store_id="s1", currency="USD", variations=variations)
    assert [o.name for o in product.options] == ["Color", "Size"]
    assert product.options[0].values == ("Black", "Green")
    assert [v.external_id for v in product.variants] == ["733", "732"]
    assert all(v.product_external_id == "799" for v in product.variants)
    created = map_product(load("product_create_variable.json"), store_id="s1", currency="USD")
    assert created.variants == ()  # the products endpoint lists variation ids only


@pytest.mark.parametrize("name", ["variation.json", "variation_update.json"])
def test_variation_maps_with_parent_hint(name: str) -> None:
    variant = map_variation(load(name), store_id="s1", currency="USD", product_id="22")
    assert variant.product_external_id == "22"
    assert variant.title == variant.option_values[0]
    assert variant.price.amount in (Decimal("9.00"), Decimal("10.00"))
    assert variant.inline_inventory is not None
    assert variant.updated_at is not None and variant.updated_at.tzinfo is not None


def test_variation_without_parent_is_a_payload_error() -> None:
    with pytest.raises(PayloadError, match="parent_id"):
        map_variation(load("variation.json"), store_id="s1", currency="USD")


def test_tolerant_input_strict_output() -> None:
    payload = {
        "id": 9,
        "date_created_gmt": "2026-01-02T03:04:05",
        "total": 12.5,
        "line_items": [{"id": 1, "quantity": "x", "price": 1.1, "total": None}],
        "billing": None,
        "meta_data": [{"key": ""}, "junk"],
    }
    order = map_order(payload, store_id="s1", default_currency="EUR")
    assert order.total_price.amount == Decimal("12.5")
    assert order.currency_code == "EUR" and order.status is OrderStatus.UNKNOWN
    assert order.line_items[0].unit_price.amount == Decimal("1.1")
    assert order.custom_fields == () and order.billing_address is None
    with pytest.raises(PayloadError, match="date_created"):
        map_order({"id": 1}, store_id="s1", default_currency="EUR")
    with pytest.raises(PayloadError, match="id"):
        map_order(
            {"date_created_gmt": "2026-01-01T00:00:00"}, store_id="s1", default_currency="EUR"
        )
