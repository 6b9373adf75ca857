"""Mapping of Adobe's published Magento payloads and of odd inputs to the canonical model."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from platforms.canonical import (
    FinancialStatus,
    FulfillmentStatus,
    OrderStatus,
    ProductStatus,
)
from platforms.errors import PayloadError
from platforms.magento.mapping.catalog import (
    map_product,
    map_source,
    map_source_item,
    map_variant,
    option_values,
)
from platforms.magento.mapping.orders import map_order
from platforms.magento.sandbox.app import MagentoSandbox

REAL = Path(__file__).resolve().parents[3] / "fixtures" / "realworld" / "magento"


def load(name: str) -> Any:
    """A copied vendor payload from tests/fixtures/realworld/magento."""
    return json.loads((REAL / name).read_text())


def test_tutorial_order() -> None:
    order = map_order(load("order.json"), "mg")
    assert order.external_id == "3" and order.number == "000000003"
    assert order.created_at == datetime(2017, 8, 21, 22, 22, 19, tzinfo=UTC)
    assert order.updated_at == datetime(2017, 8, 21, 22, 22, 20, tzinfo=UTC)
    assert order.status is OrderStatus.OPEN  # state "new", status "pending"
    assert order.financial_status is FinancialStatus.PENDING
    assert order.fulfillment_status is FulfillmentStatus.UNFULFILLED
    assert order.currency_code == "USD" and order.email == "jdoe@example.com"
    assert order.customer_external_id == "3"
    # 9 rows: 4 bundle children and 1 configurable child hang off their parents.
    assert [line.external_id for line in order.line_items] == ["3", "4", "5", "10"]
    hoodie = order.line_items[3]
    assert (hoodie.product_external_id, hoodie.variant_external_id) == ("67", "56")
    assert hoodie.sku == "MH01-S-Gray" and hoodie.unit_price.amount == Decimal(52)
    assert order.billing_address is not None and order.billing_address.province_code == "NY"
    assert order.shipping_address is not None and order.shipping_address.address1 == "123 Oak Ave"
    assert [s.code for s in order.shipping_lines] == ["tablerate_bestway"]
    assert order.tax_lines == () and order.discounts == ()


def test_tutorial_order_reconciles() -> None:
    # This sample does reconcile at order level (22 + 18 + 68 + 52 + 5 shipping = 165);
    # the bundle children (27 + 5 + 17 + 19 = 68) would double count if mapped as lines.
    order = map_order(load("order.json"), "mg")
    lines = sum(line.unit_price.amount * line.quantity for line in order.line_items)
    assert lines == order.subtotal_price.amount == Decimal(160)
    total = (
        lines + order.total_shipping.amount + order.total_tax.amount - order.total_discounts.amount
    )
    assert total == order.total_price.amount == Decimal(165)
    assert all(type(m.amount) is Decimal for m in (order.total_price, order.subtotal_price))


def test_field_limited_search_rows_are_not_orders() -> None:
    rows = load("orders_search_fields_response.json")["items"]
    with pytest.raises(PayloadError, match="created_at"):
        map_order(rows[0], "mg")


def test_simple_product_is_its_own_variant_with_legacy_stock() -> None:
    product = map_product(
        load("simple_product_create_response.json"), "mg", "USD", inline_stock=True
    )
    assert product.external_id == "2079" and product.title == "Champ Tee Small"
    assert product.status is ProductStatus.ACTIVE and product.handle == "champ-tee-small"
    assert product.created_at == datetime(2017, 11, 29, 20, 40, 7, tzinfo=UTC)
    (variant,) = product.variants
    assert variant.external_id == variant.product_external_id == "2079"
    assert variant.sku == variant.inventory_item_id == "MS-Champ-S"
    assert variant.price.amount == Decimal(25) and variant.price.currency_code == "USD"
    assert variant.inline_inventory is not None
    assert [(lv.location_external_id, lv.available) for lv in variant.inline_inventory] == [
        ("default", 10)
    ]
    assert {f.key for f in product.custom_fields} >= {"url_key", "size", "color"}


def test_configurable_product_without_children_yet() -> None:
    product = map_product(load("configurable_product_create_response.json"), "mg", "USD")
    assert product.external_id == "2078" and product.product_type == "configurable"
    assert product.variants == () and product.options == ()


def test_configurable_with_real_child() -> None:
    parent = load("configurable_product_create_response.json")
    child = dict(load("simple_product_create_response.json"))
    parent["extension_attributes"]["configurable_product_links"] = [2079]
    parent["extension_attributes"]["configurable_product_options"] = [
        {"attribute_id": "93", "label": "Color", "position": 1, "values": [{"value_index": 52}]},
        {"attribute_id": "141", "label": "Size", "position": 0, "values": [{"value_index": 168}]},
    ]
    product = map_product(parent, "mg", "USD", children={"2079": child})
    assert [o.name for o in product.options] == ["Size", "Color"]
    (variant,) = product.variants
    assert variant.product_external_id == "2078" and variant.position == 1
    assert variant.option_values == ("168", "52")
    # the docs' "simplified" children excerpt carries just the attributes that select it.
    assert option_values(load("configurable_children_simplified.json"), parent) == ("168", "52")


def test_source_items_and_sources() -> None:
    rows = load("source_items_search_response.json")["items"]
    levels = [map_source_item(row, "mg") for row in rows]
    assert [(lv.external_id, lv.available) for lv in levels] == [
        ("new_product2:central", 500),
        ("new_product2:east", 250),
    ]
    sources = [map_source(row, "mg") for row in load("sources_search_response.json")["items"]]
    assert [s.external_id for s in sources] == ["central", "default", "east"]
    central = sources[0]
    assert central.name == "Central Shipping Center" and central.active
    assert central.address is not None and central.address.city == "St. Louis"


def _order(**changes: Any) -> dict[str, Any]:
    """A small hand-written order with odd but legal field types."""
    base: dict[str, Any] = {
        "entity_id": 9,
        "increment_id": "000000009",
        "created_at": "2026-06-01 10:00:00",
        "state": "processing",
        "order_currency_code": "usd",
        "subtotal": "20.00",
        "discount_amount": -2.5,
        "tax_amount": 1.49,
        "shipping_amount": None,
        "grand_total": "18.99",
        "total_paid": 18.99,
        "items": [
            {"item_id": 1, "name": "A", "qty_ordered": "2.0000", "price": "10", "qty_shipped": 1},
        ],
    }
    base.update(changes)
    return base


def test_tolerant_inputs_strict_outputs() -> None:
    order = map_order(_order(), "mg")
    assert order.currency_code == "USD"
    assert order.updated_at == order.created_at  # missing updated_at falls back
    assert order.total_discounts.amount == Decimal("2.5")
    assert order.total_tax.amount == Decimal("1.49")
    assert order.total_shipping.amount == Decimal(0)
    assert order.line_items[0].quantity == 2
    assert order.financial_status is FinancialStatus.PAID
    assert order.fulfillment_status is FulfillmentStatus.PARTIALLY_FULFILLED
    assert [d.amount.amount for d in order.discounts] == [Decimal("2.5")]


@pytest.mark.parametrize(
    ("state", "status", "financial"),
    [
        ("complete", OrderStatus.CLOSED, FinancialStatus.PAID),
        ("closed", OrderStatus.CLOSED, FinancialStatus.REFUNDED),
        ("canceled", OrderStatus.CANCELLED, FinancialStatus.VOIDED),
        ("holded", OrderStatus.OPEN, FinancialStatus.UNKNOWN),
        ("weird", OrderStatus.UNKNOWN, FinancialStatus.UNKNOWN),
    ],
)
def test_states(state: str, status: OrderStatus, financial: FinancialStatus) -> None:
    order = map_order(_order(state=state, total_paid=None), "mg")
    assert (order.status, order.financial_status) == (status, financial)
    if status is OrderStatus.CANCELLED:
        assert order.cancelled_at == order.updated_at


def test_iso_timestamps_become_utc() -> None:
    order = map_order(_order(created_at="2026-06-01T12:00:00+02:00"), "mg")
    assert order.created_at == datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("missing", ["entity_id", "created_at"])
def test_unmappable_orders_name_the_field(missing: str) -> None:
    with pytest.raises(PayloadError, match=missing):
        map_order(_order(**{missing: None}), "mg")


def test_unmappable_product_names_the_field() -> None:
    with pytest.raises(PayloadError, match="'id'"):
        map_variant({"sku": "X"}, "mg", "USD")


def test_every_seeded_order_maps_and_reconciles() -> None:
    sandbox = MagentoSandbox(seed=3)
    for payload in sandbox.state.orders.values():
        order = map_order(payload, "mg")
        # docs/money.md: the subtotal is the lines after their discounts
        lines = sum(line.total.amount for line in order.line_items)
        assert lines == order.subtotal_price.amount
        assert (
            lines + order.total_shipping.amount + order.total_tax.amount
        ) == order.total_price.amount
        assert sum(t.amount.amount for t in order.tax_lines) == order.total_tax.amount
        children = [i for i in payload["items"] if "parent_item_id" in i]
        assert len(order.line_items) == len(payload["items"]) - len(children)
