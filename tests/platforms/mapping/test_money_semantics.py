"""One meaning per canonical money field on every platform (issue 16, docs/money.md): each
test here names a defect found by feeding vendor-published payloads through the mappers."""

from __future__ import annotations

import copy
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from platforms.canonical import LineItem, Money, Order
from platforms.magento.mapping.orders import map_order as magento_order
from platforms.magento.mapping.people import map_creditmemo
from platforms.mapping.lines import refund_on_order_lines
from platforms.shopify.mapping.orders import map_order as shopify_order
from platforms.woocommerce.mapping.orders import map_order as woo_order
from resolvers.common import Money as GraphQLMoney

REAL = Path(__file__).parents[2] / "fixtures" / "realworld"


def real(platform: str, name: str) -> Any:
    return json.loads((REAL / platform / name).read_text())


def woo(payload: dict[str, Any]) -> Order:
    return woo_order(payload, store_id="w", default_currency="USD")


def line_total(line: LineItem) -> Decimal:
    discount = line.total_discount.amount if line.total_discount else Decimal(0)
    return line.unit_price.amount * line.quantity - discount


# --- money is a plain decimal with the currency's minor units --------------------------------


def test_woocommerce_unit_price_of_twenty_is_not_exponent_form() -> None:
    """A real line `{"subtotal": "20.00", "quantity": 1}` came out as "2E+1"."""
    payload = real("woocommerce", "order.json")
    payload["line_items"][1].update(subtotal="20.00", total="20.00", quantity=1, price=20)
    line = woo(payload).line_items[1]
    assert str(line.unit_price.amount) == "20.00"
    assert str(GraphQLMoney.of(line.unit_price).amount) == "20.00"


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        ("2E+1", "USD", "20.00"),
        ("20", "EUR", "20.00"),
        ("12.1000", "USD", "12.10"),
        ("3.3333", "USD", "3.3333"),  # a unit price derived by division keeps its digits
        ("1500.00", "JPY", "1500"),
        ("1.5", "KWD", "1.500"),
        ("0E-8", "USD", "0.00"),
        ("-7", "USD", "-7.00"),
    ],
)
def test_every_amount_serialises_plain_with_minor_units(
    amount: str, currency: str, text: str
) -> None:
    money = Money(amount=Decimal(amount), currency_code=currency)
    assert str(money.amount) == text
    assert str(GraphQLMoney.of(money).amount) == text
    assert money.model_dump(mode="json")["amount"] == text


def test_a_tiny_amount_never_serialises_in_exponent_form() -> None:
    money = Money(amount=Decimal("0.0000001"), currency_code="USD")
    assert str(GraphQLMoney.of(money).amount) == "0.0000001"


# --- TaxLine.rate is a fraction -----------------------------------------------------------------


def test_woocommerce_tax_rate_is_a_fraction_not_a_percentage() -> None:
    """WooCommerce ≥ 3.7 sends `rate_percent` (19.0); Shopify sends 0.0725: canonical is 0.19."""
    payload = real("woocommerce", "order.json")
    payload["tax_lines"][0]["rate_percent"] = 19
    (tax,) = woo(payload).tax_lines
    assert tax.rate == Decimal("0.19")


# --- subtotalPrice: after every discount allocated to lines, before shipping and tax ----------


def test_shopify_line_discounts_come_from_discount_allocations() -> None:
    """The real 2024-10 order: `total_discount` "0.00" on every line, TENOFF's 10.00
    allocated 3.34/3.33/3.33 in `discount_allocations` (the mapper read 0)."""
    order = shopify_order(
        real("shopify", "rest-2024-10_order_get.json")["order"],
        store_id="s",
        shop_currency="USD",
    )
    discounts = [li.total_discount.amount for li in order.line_items if li.total_discount]
    assert discounts == [Decimal("3.34"), Decimal("3.33"), Decimal("3.33")]
    assert order.subtotal_price.amount == Decimal("587.00")  # 597.00 of lines - 10.00
    assert order.total_discounts.amount == Decimal("10.00")
    built = order.subtotal_price.amount + order.total_shipping.amount + order.total_tax.amount
    assert built == order.total_price.amount == Decimal("598.94")


def _discounted_magento() -> dict[str, Any]:
    """The published order with a 10% coupon on its simple line, totals updated to match."""
    payload = real("magento", "order.json")
    simple = next(i for i in payload["items"] if i["item_id"] == 3)
    simple.update(discount_amount=2.2, base_discount_amount=2.2, discount_percent=10)
    payload.update(
        discount_amount=-2.2, base_discount_amount=-2.2, grand_total=162.8, base_grand_total=162.8
    )
    return payload


def test_subtotal_means_the_same_on_all_three_platforms() -> None:
    """Magento's `subtotal` is before discounts, Shopify's and WooCommerce's after: the
    canonical subtotal is the sum of line totals after discounts, everywhere."""
    mage = magento_order(_discounted_magento(), "m")
    assert mage.subtotal_price.amount == Decimal("157.80")  # 160 - 2.20
    shop = shopify_order(
        real("shopify", "rest-2024-10_order_get.json")["order"], store_id="s", shop_currency="USD"
    )
    wpayload = real("woocommerce", "order.json")
    wpayload["line_items"][0].update(total="5.00")  # a 1.00 coupon on the first line
    wpayload.update(discount_total="1.00", total="28.35")
    wc = woo(wpayload)
    for order in (mage, shop, wc):
        lines = sum((line_total(li) for li in order.line_items), Decimal(0))
        assert order.subtotal_price.amount == lines, order.platform
        built = order.subtotal_price.amount + order.total_shipping.amount
        assert built + order.total_tax.amount == order.total_price.amount, order.platform
    assert wc.subtotal_price.amount == Decimal("17.00")


# --- Magento refund lines name only lines of the mapped order ------------------------------


def _memo(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "entity_id": 9,
        "order_id": 3,
        "order_currency_code": "USD",
        "grand_total": 120,
        "created_at": "2022-06-22 10:00:00",
        "items": items,
    }


def test_magento_refund_child_rows_are_attributed_to_their_parent_line() -> None:
    """A credit memo of the bundle (children 6-9 priced, parent 5 at 0) and the configurable
    (parent 10 priced, child 11 at 0): rows 6-9 and 11 are not lines of the order."""
    order = magento_order(real("magento", "order.json"), "m")
    memo = map_creditmemo(
        _memo(
            [
                {"order_item_id": 5, "qty": 1, "row_total": 0},
                *(
                    {"order_item_id": i, "qty": 1, "row_total": p}
                    for i, p in ((6, 27), (7, 5), (8, 17), (9, 19))
                ),
                {"order_item_id": 10, "qty": 1, "row_total": 52},
                {"order_item_id": 11, "qty": 1, "row_total": 0},
            ]
        ),
        store_id="m",
        default_currency="USD",
    )
    refund = refund_on_order_lines(memo, order)
    lines = {li.line_item_external_id: li for li in refund.lines}
    assert set(lines) == {"5", "10"} <= {li.external_id for li in order.line_items}
    assert lines["5"].quantity == 1 and lines["10"].quantity == 1
    assert lines["5"].subtotal == Money(amount=Decimal(68), currency_code="USD")
    assert lines["10"].subtotal == Money(amount=Decimal(52), currency_code="USD")


def test_magento_refund_of_children_only_counts_whole_parent_units() -> None:
    """Only the bundle's children named (2 of each for a bundle of 1 per unit): 2 bundles."""
    payload = copy.deepcopy(real("magento", "order.json"))
    for item in payload["items"]:
        if item["item_id"] in (5, 6, 7, 8, 9):
            item["qty_ordered"] = 2
    order = magento_order(payload, "m")
    memo = map_creditmemo(
        _memo([{"order_item_id": i, "qty": 2, "row_total": 10} for i in (6, 7, 8, 9)]),
        store_id="m",
        default_currency="USD",
    )
    (line,) = refund_on_order_lines(memo, order).lines
    assert (line.line_item_external_id, line.quantity) == ("5", 2)
    assert line.subtotal == Money(amount=Decimal(40), currency_code="USD")


def test_refund_lines_naming_nothing_of_the_order_are_dropped() -> None:
    order = magento_order(real("magento", "order.json"), "m")
    memo = map_creditmemo(
        _memo([{"order_item_id": 999, "qty": 1, "row_total": 5}]),
        store_id="m",
        default_currency="USD",
    )
    assert refund_on_order_lines(memo, order).lines == ()
