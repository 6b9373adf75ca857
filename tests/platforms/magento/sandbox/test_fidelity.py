"""The Magento sandbox's payloads have the shape of Adobe's published ones (issue 16): every
key a real order carries, invoice/refund totals, custom attribute types."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from platforms.magento.mapping.catalog import map_product
from platforms.magento.sandbox.app import MagentoSandbox

REAL = Path(__file__).parents[3] / "fixtures" / "realworld" / "magento"
INVOICED = [
    "base_discount_invoiced",
    "base_shipping_invoiced",
    "base_subtotal_invoiced",
    "base_tax_invoiced",
    "base_total_invoiced",
    "base_total_paid",
    "discount_invoiced",
    "shipping_invoiced",
    "subtotal_invoiced",
    "tax_invoiced",
    "total_invoiced",
    "total_paid",
]
REFUNDED = [
    "base_discount_refunded",
    "base_shipping_refunded",
    "base_subtotal_refunded",
    "base_tax_refunded",
    "base_total_refunded",
    "base_total_offline_refunded",
    "discount_refunded",
    "shipping_refunded",
    "subtotal_refunded",
    "tax_refunded",
    "total_refunded",
    "total_offline_refunded",
]
ITEM_REFUNDED = ["amount_refunded", "base_amount_refunded", "tax_refunded", "discount_refunded"]


def _real(name: str) -> Any:
    return json.loads((REAL / name).read_text())


def key_paths(value: Any, prefix: str = "") -> set[str]:
    """Every key path of a JSON value; list items share one `[]` path."""
    out: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            out.add(prefix + key)
            out |= key_paths(inner, f"{prefix}{key}.")
    elif isinstance(value, list):
        for inner in value:
            out |= key_paths(inner, prefix.rstrip(".") + "[].")
    return out


@pytest.fixture(scope="module")
def store() -> MagentoSandbox:
    return MagentoSandbox(seed=1)


def _pick(store: MagentoSandbox, state: str) -> dict[str, Any]:
    """A seeded order in `state` with a coupon, tax and a configurable (parent + child) line."""
    return next(
        o
        for o in store.state.orders.values()
        if o["state"] == state
        and o.get("coupon_code")
        and o["tax_amount"]
        and any("parent_item_id" in i for i in o["items"])
    )


@pytest.mark.parametrize("state", ["processing", "complete", "closed"])
def test_seeded_orders_carry_every_key_of_the_published_order(
    store: MagentoSandbox, state: str
) -> None:
    """Tax-inclusive and base-currency amounts, item `parent_item`, payment and address keys:
    the sandbox used to lack ~100 of the real order's keys."""
    missing = key_paths(_real("order.json")) - key_paths(_pick(store, state))
    assert sorted(missing) == []


@pytest.mark.parametrize("state", ["processing", "complete", "closed"])
def test_invoiced_orders_carry_the_invoice_totals(store: MagentoSandbox, state: str) -> None:
    order = _pick(store, state)
    assert set(INVOICED) <= order.keys()
    assert Decimal(str(order["total_invoiced"])) == Decimal(str(order["grand_total"]))
    child = next(i for i in order["items"] if "parent_item_id" in i)
    assert child["parent_item"]["item_id"] == child["parent_item_id"]


def test_refunded_orders_carry_the_refund_totals(store: MagentoSandbox) -> None:
    order = _pick(store, "closed")
    assert set(REFUNDED) <= order.keys()
    assert Decimal(str(order["total_refunded"])) == Decimal(str(order["grand_total"]))
    top = next(i for i in order["items"] if "parent_item_id" not in i)
    assert set(ITEM_REFUNDED) <= top.keys()


def test_taxed_amounts_include_tax_where_magento_says_incl_tax(store: MagentoSandbox) -> None:
    order = _pick(store, "complete")
    amount = lambda key: Decimal(str(order[key]))  # noqa: E731
    assert amount("subtotal_incl_tax") > amount("subtotal")
    assert amount("shipping_incl_tax") == amount("shipping_amount") + amount("shipping_tax_amount")
    for item in (i for i in order["items"] if "parent_item_id" not in i):
        # before the discount, like row_total (tax_amount is after it)
        rate = 1 + Decimal(str(item["tax_percent"])) / 100
        gross = (Decimal(str(item["price"])) * rate).quantize(Decimal("0.01"))
        assert Decimal(str(item["price_incl_tax"])) == gross
        assert Decimal(str(item["row_total_incl_tax"])) == gross * item["qty_ordered"]


def test_custom_attribute_values_are_typed_as_magento_types_them(store: MagentoSandbox) -> None:
    """Real products send `category_ids` as an array of strings and the rest as strings; the
    sandbox sent strings only. The mapper hands the value over with its type."""
    real = {
        a["attribute_code"]: a["value"]
        for a in _real("simple_product_create_response.json")["custom_attributes"]
    }
    product = next(p for p in store.state.products.values() if p["type_id"] == "simple")
    served = {a["attribute_code"]: a["value"] for a in product["custom_attributes"]}
    assert isinstance(served["category_ids"], list)
    assert all(isinstance(c, str) for c in served["category_ids"])
    for code in real.keys() & served.keys():
        assert type(served[code]) is type(real[code]), code
    mapped = map_product(product, "mg", "USD")
    fields = {f.key: f.value for f in mapped.custom_fields}
    assert fields["category_ids"] == served["category_ids"]
