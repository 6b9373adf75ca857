"""Shopify mapping: vendor-published payloads and edge cases map to exact canonical types."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from platforms.canonical import (
    FinancialStatus,
    FulfillmentStatus,
    Order,
    OrderStatus,
    ProductStatus,
)
from platforms.errors import PayloadError
from platforms.shopify.mapping.catalog import (
    map_inventory_level,
    map_location,
    map_product,
    map_variant,
)
from platforms.shopify.mapping.orders import map_order

FIXTURES = Path(__file__).parents[3] / "fixtures" / "realworld" / "shopify"
STORE = "acme"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def items(name: str, key: str) -> list[dict[str, Any]]:
    """The objects of a fixture: `{"orders": [...]}`, `{"order": {...}}` or a bare list."""
    body = load(name)
    if isinstance(body, list):
        return body
    value = body[key + "s"] if key + "s" in body else body[key]
    return value if isinstance(value, list) else [value]


def order(name: str) -> Order:
    return map_order(items(name, "order")[0], store_id=STORE, shop_currency="USD")


def reconciles(o: Order) -> Decimal:
    """Line totals + shipping + tax - discounts, minus the order total (0 when it reconciles)."""
    lines = sum((li.unit_price.amount * li.quantity for li in o.line_items), Decimal(0))
    built = lines + o.total_shipping.amount + o.total_tax.amount - o.total_discounts.amount
    return built - o.total_price.amount


ORDER_FILES = [
    "order.json",
    "orders.json",
    "rest-2024-10_order_get.json",
    "rest-2024-10_orders_list_status_any.json",
    "rest-2024-10_orders_list_updated_at_min.json",
    "rest-2024-10_orders_list_ids.json",
    "rest-2024-10_order_cancel.json",
]
PRODUCT_FILES = [
    "product.json",
    "products.json",
    "rest-2024-10_product_get.json",
    "rest-2024-10_products_list_ids.json",
]
LEVEL_FILES = [
    "inventory_level.json",
    "inventory_levels.json",
    "location_inventory_levels.json",
    "rest-2024-10_inventory_levels_list.json",
    "rest-2024-10_location_inventory_levels.json",
    "rest-2024-10_inventory_levels_adjust.json",
    "rest-2024-10_inventory_levels_set.json",
    "rest-2024-10_inventory_levels_connect.json",
]


def assert_utc(value: datetime | None) -> None:
    assert value is not None
    assert value.utcoffset() == timedelta(0)


@pytest.mark.parametrize("name", ORDER_FILES)
def test_every_realworld_order_maps(name: str) -> None:
    for payload in items(name, "order"):
        o = map_order(payload, store_id=STORE, shop_currency="EUR")
        assert o.external_id == str(payload["id"])
        assert o.currency_code == "USD"  # the order's own currency wins over the shop fallback
        assert_utc(o.created_at)
        assert_utc(o.updated_at)
        assert isinstance(o.total_price.amount, Decimal)
        assert o.raw["id"] == payload["id"]


@pytest.mark.parametrize("name", PRODUCT_FILES)
def test_every_realworld_product_maps(name: str) -> None:
    for payload in items(name, "product"):
        p = map_product(payload, store_id=STORE, shop_currency="USD")
        assert p.external_id == str(payload["id"])
        assert len(p.variants) == len(payload["variants"])
        assert all(v.product_external_id == p.external_id for v in p.variants)
        assert all(isinstance(v.price.amount, Decimal) for v in p.variants)
        assert_utc(p.created_at)


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("variant.json", "632910392"),  # old SDK fixture lacks product_id: the caller knows it
        ("variants.json", "632910392"),
        ("rest-2024-10_variant_get.json", None),
        ("rest-2024-10_variants_list.json", None),
    ],
)
def test_every_realworld_variant_maps(name: str, hint: str | None) -> None:
    for payload in items(name, "variant"):
        v = map_variant(payload, store_id=STORE, shop_currency="USD", product_external_id=hint)
        assert v.external_id == str(payload["id"])
        assert v.product_external_id == "632910392"
        assert v.price.amount == Decimal("199.00")
        assert v.inline_inventory is None  # Shopify stock lives per location: ask for it
        assert_utc(v.updated_at)


@pytest.mark.parametrize("name", LEVEL_FILES)
def test_every_realworld_inventory_level_maps(name: str) -> None:
    for payload in items(name, "inventory_level"):
        level = map_inventory_level(payload, store_id=STORE)
        item, loc = str(payload["inventory_item_id"]), str(payload["location_id"])
        assert level.external_id == f"{item}:{loc}"
        assert (level.inventory_item_id, level.location_external_id) == (item, loc)
        assert level.available == payload["available"]
        assert_utc(level.updated_at)


@pytest.mark.parametrize(
    "name", ["location.json", "locations.json", "rest-2024-10_locations_list.json"]
)
def test_every_realworld_location_maps(name: str) -> None:
    for payload in items(name, "location"):
        loc = map_location(payload, store_id=STORE)
        assert loc.external_id == str(payload["id"])
        assert loc.name == payload["name"]
        assert loc.address is not None
        assert loc.address.country_code == payload["country_code"]


def test_modern_order_fields_and_totals_reconcile() -> None:
    o = order("rest-2024-10_order_get.json")
    assert o.external_id == "450789469"
    assert o.number == "1001"
    # 2008-01-10T11:00:00-05:00 is 16:00 UTC.
    assert o.created_at == datetime(2008, 1, 10, 16, 0, tzinfo=UTC)
    assert o.status is OrderStatus.OPEN
    assert o.financial_status is FinancialStatus.PARTIALLY_REFUNDED
    assert o.fulfillment_status is FulfillmentStatus.UNFULFILLED
    assert o.total_price.amount == Decimal("598.94")
    assert o.total_tax.amount == Decimal("11.94")
    assert o.total_discounts.amount == Decimal("10.00")
    assert o.total_shipping.amount == Decimal("0.00")
    assert {m.currency_code for m in (o.total_price, o.total_tax, o.subtotal_price)} == {"USD"}
    assert reconciles(o) == 0  # 597.00 + 0.00 + 11.94 - 10.00 = 598.94
    assert [li.sku for li in o.line_items] == ["IPOD2008GREEN", "IPOD2008RED", "IPOD2008BLACK"]
    assert o.line_items[0].variant_external_id == "39072856"
    assert o.line_items[0].product_external_id == "632910392"
    assert o.discounts[0].code == "TENOFF"
    assert o.discounts[0].amount.amount == Decimal("10.00")
    assert o.tax_lines[0].rate == Decimal("0.06")
    assert o.shipping_lines[0].title == "Free Shipping"
    assert o.customer_external_id == "207119551"
    assert o.shipping_address is not None
    assert o.shipping_address.postal_code == "40202"
    assert o.shipping_address.country_code == "US"
    assert [(f.namespace, f.key, f.value) for f in o.custom_fields] == [
        ("note_attributes", "custom engraving", "Happy Birthday"),
        ("note_attributes", "colour", "green"),
    ]


def test_order_by_ids_reconciles_and_has_no_customer() -> None:
    o = order("rest-2024-10_orders_list_ids.json")
    assert (o.external_id, o.number) == ("1073459972", "1002")
    assert o.financial_status is FinancialStatus.PAID
    assert o.customer_external_id is None
    assert o.email is None  # Shopify sends "" for no email
    assert o.created_at == datetime(2024, 10, 2, 14, 4, 18, tzinfo=UTC)
    assert reconciles(o) == 0


def test_old_sdk_order_does_not_reconcile_from_lines() -> None:
    o = order("order.json")
    assert o.financial_status is FinancialStatus.AUTHORIZED
    # No *_set bags here: plain money strings and shipping from shipping_lines.
    assert o.total_shipping.amount == Decimal("0.00")
    assert o.discounts[0].code == "TENOFF"
    # The vendor example is inconsistent: three 199.00 lines (597.00) but subtotal 398.00
    # and total_discounts 0.00 despite a TENOFF code, so lines overshoot the total by one
    # line (199.00). The canonical subtotal is the lines' (docs/money.md), not the payload's.
    assert reconciles(o) == Decimal("199.00")
    assert o.subtotal_price.amount == Decimal("597.00")


def test_old_sdk_orders_list_without_line_items() -> None:
    o = order("orders.json")
    assert o.line_items == ()
    assert o.total_price.amount == Decimal("598.94")
    assert o.financial_status is FinancialStatus.PARTIALLY_REFUNDED


def test_modern_product_fields() -> None:
    p = map_product(
        items("rest-2024-10_product_get.json", "product")[0], store_id=STORE, shop_currency="USD"
    )
    assert (p.external_id, p.handle, p.status) == ("632910392", "ipod-nano", ProductStatus.ACTIVE)
    assert p.tags == ("Emotive", "Flash Memory", "MP3", "Music")
    assert p.options[0].name == "Color"
    assert p.options[0].values == ("Pink", "Red", "Green", "Black")
    pink = p.variants[0]
    assert (pink.external_id, pink.sku, pink.barcode) == ("808950810", "IPOD2008PINK", "1234_pink")
    assert pink.inventory_item_id == "808950810"
    assert pink.option_values == ("Pink",)
    assert pink.compare_at_price is None
    assert p.updated_at == datetime(2024, 10, 2, 13, 59, 11, tzinfo=UTC)


def test_old_sdk_product_has_unknown_status_and_valueless_options() -> None:
    p = map_product(items("product.json", "product")[0], store_id=STORE, shop_currency="USD")
    assert p.status is ProductStatus.UNKNOWN  # the field did not exist then
    assert p.options[0].values == ()


def test_variant_without_product_id_or_hint_is_a_payload_error() -> None:
    with pytest.raises(PayloadError, match="product_id"):
        map_variant(items("variant.json", "variant")[0], store_id=STORE, shop_currency="USD")


def test_location_inactive_when_deleted() -> None:
    loc = map_location(
        {"id": 1, "name": "Gone", "deleted_at": "2020-01-01T00:00:00Z"}, store_id=STORE
    )
    assert loc.active is False
    assert map_location({"id": 2, "name": "Off", "active": False}, store_id=STORE).active is False


# --- tolerance on input, strictness on output ------------------------------------------


def minimal_order(**fields: Any) -> dict[str, Any]:
    return {"id": 1, "created_at": "2026-06-30T00:00:00+02:00", **fields}


def test_minimal_order_gets_sane_defaults() -> None:
    o = map_order(minimal_order(), store_id=STORE, shop_currency="CAD")
    assert o.currency_code == "CAD"
    assert o.number == "1"
    assert o.created_at == o.updated_at == datetime(2026, 6, 29, 22, 0, tzinfo=UTC)
    assert o.total_price.amount == Decimal(0)
    assert o.fulfillment_status is FulfillmentStatus.UNFULFILLED
    assert o.financial_status is FinancialStatus.UNKNOWN


def test_int64_ids_stay_exact() -> None:
    big = 820982911946154508  # a real Shopify test-notification id, above 2**53
    o = map_order(
        minimal_order(id=big, customer={"id": big + 1}), store_id=STORE, shop_currency="USD"
    )
    assert o.external_id == "820982911946154508"
    assert o.customer_external_id == "820982911946154509"


def test_money_numbers_and_strings_become_exact_decimals() -> None:
    o = map_order(
        minimal_order(
            total_price=10.1,
            total_tax="1.10",
            shipping_lines=[{"title": "A", "price": "2.50"}, {"title": "B", "price": 1.25}],
        ),
        store_id=STORE,
        shop_currency="USD",
    )
    assert o.total_price.amount == Decimal("10.1")
    assert o.total_tax.amount == Decimal("1.10")
    assert o.total_shipping.amount == Decimal("3.75")  # no total_shipping_price_set: sum of lines


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({}, OrderStatus.OPEN),
        ({"closed_at": "2026-06-30T01:00:00Z"}, OrderStatus.CLOSED),
        (
            {"cancelled_at": "2026-06-30T01:00:00Z", "closed_at": "2026-06-30T01:00:00Z"},
            OrderStatus.CANCELLED,
        ),
    ],
)
def test_order_status(fields: dict[str, Any], expected: OrderStatus) -> None:
    o = map_order(minimal_order(**fields), store_id=STORE, shop_currency="USD")
    assert o.status is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, FulfillmentStatus.UNFULFILLED),
        ("partial", FulfillmentStatus.PARTIALLY_FULFILLED),
        ("fulfilled", FulfillmentStatus.FULFILLED),
        ("restocked", FulfillmentStatus.RESTOCKED),
        ("teleported", FulfillmentStatus.UNKNOWN),
    ],
)
def test_fulfillment_status(value: str | None, expected: FulfillmentStatus) -> None:
    o = map_order(minimal_order(fulfillment_status=value), store_id=STORE, shop_currency="USD")
    assert o.fulfillment_status is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("pending", FinancialStatus.PENDING),
        ("authorized", FinancialStatus.AUTHORIZED),
        ("partially_paid", FinancialStatus.PARTIALLY_PAID),
        ("paid", FinancialStatus.PAID),
        ("partially_refunded", FinancialStatus.PARTIALLY_REFUNDED),
        ("refunded", FinancialStatus.REFUNDED),
        ("voided", FinancialStatus.VOIDED),
        ("expired", FinancialStatus.UNKNOWN),
        (None, FinancialStatus.UNKNOWN),
    ],
)
def test_financial_status(value: str | None, expected: FinancialStatus) -> None:
    o = map_order(minimal_order(financial_status=value), store_id=STORE, shop_currency="USD")
    assert o.financial_status is expected


def test_metafields_and_tags() -> None:
    p = map_product(
        {
            "id": 5,
            "title": "T",
            "tags": " a, ,b ",
            "metafields": [{"namespace": "custom", "key": "care", "value": "wash cold"}, "junk"],
        },
        store_id=STORE,
        shop_currency="USD",
    )
    assert p.tags == ("a", "b")
    assert [(f.namespace, f.key, f.value) for f in p.custom_fields] == [
        ("custom", "care", "wash cold")
    ]


def test_naive_timestamp_is_taken_as_utc() -> None:
    o = map_order(
        {"id": 1, "created_at": "2026-06-30 12:00:00"}, store_id=STORE, shop_currency="USD"
    )
    assert o.created_at == datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"created_at": "2026-06-30T00:00:00Z"}, "'id'"),
        ({"id": 1}, "'created_at'"),
        ({"id": 1, "created_at": "yesterday"}, "'created_at'"),
        ({"id": 1, "created_at": "2026-06-30T00:00:00Z", "total_price": "ten"}, "'total_price'"),
        (
            {"id": 1, "created_at": "2026-06-30T00:00:00Z", "line_items": [{"title": "x"}]},
            "line_items",
        ),
        ([1, 2], "<root>"),
    ],
)
def test_unmappable_payload_names_the_field(payload: Any, field: str) -> None:
    with pytest.raises(PayloadError, match=field) as info:
        map_order(payload, store_id=STORE, shop_currency="USD")
    assert info.value.platform == "shopify"


def test_embedded_variant_belongs_to_its_enclosing_product() -> None:
    # The old SDK products.json embeds in product 3 a variant claiming product_id 2.
    third = items("products.json", "product")[2]
    assert third["variants"][0]["product_id"] == 2
    p = map_product(third, store_id=STORE, shop_currency="USD")
    assert p.variants[0].product_external_id == "3"
