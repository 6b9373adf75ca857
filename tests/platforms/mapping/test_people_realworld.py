"""Vendor payloads of customers, fulfillments and refunds map without error and reconcile."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from platforms.canonical import ShipmentStatus
from platforms.errors import PayloadError
from platforms.magento.mapping.people import map_creditmemo
from platforms.magento.mapping.people import map_customer as magento_customer
from platforms.shopify.mapping.orders import map_order as shopify_order
from platforms.shopify.mapping.people import map_customer, map_fulfillment, map_refund
from platforms.woocommerce.mapping.people import (
    fulfillments_from_order,
)
from platforms.woocommerce.mapping.people import (
    map_customer as woo_customer,
)
from platforms.woocommerce.mapping.people import (
    map_refund as woo_refund,
)

FIXTURES = Path(__file__).parents[2] / "fixtures" / "realworld"


def load(platform: str, name: str) -> Any:
    return json.loads((FIXTURES / platform / name).read_text())


# --- Shopify ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["rest-2024-10_customers_list_ids.json", "rest-2024-10_customers_list_updated_at_min.json"],
)
def test_shopify_customer_lists_map(name: str) -> None:
    for payload in load("shopify", name)["customers"]:
        customer = map_customer(payload, store_id="s", shop_currency="USD")
        assert customer.email and customer.default_address is not None
        assert customer.accepts_marketing is False  # email_marketing_consent: not_subscribed


def test_shopify_customer_fields() -> None:
    bob = next(
        c
        for c in load("shopify", "rest-2024-10_customers_list_ids.json")["customers"]
        if c["id"] == 207119551
    )
    customer = map_customer(bob, store_id="s", shop_currency="USD")
    assert customer.global_id and customer.external_id == "207119551"
    assert customer.tags == ("Léon", "Noël")
    assert customer.orders_count == 1 and customer.total_spent is not None
    assert customer.total_spent.amount == Decimal("199.65")
    assert customer.default_address.postal_code == "40202"  # type: ignore[union-attr]
    private = map_customer(bob, store_id="s", shop_currency="USD", raw=False)
    assert private.raw == {} and private.email == customer.email
    legacy = map_customer(
        load("shopify", "customer.json")["customer"], store_id="s", shop_currency="USD"
    )
    assert legacy.accepts_marketing is False and legacy.orders_count == 1


def test_shopify_fulfillments_map_with_tracking_and_lines() -> None:
    (listed,) = load("shopify", "rest-2024-10_fulfillments_list.json")["fulfillments"]
    f = map_fulfillment(listed, store_id="s")
    assert f.status is ShipmentStatus.FAILURE
    assert f.tracking_company == "USPS" and f.tracking_numbers == ("1Z2345",)
    assert f.tracking_urls[0].startswith("https://tools.usps.com/")
    assert [(x.line_item_external_id, x.quantity) for x in f.lines] == [("466157049", 1)]
    assert f.location_external_id == "655441491" and f.order_external_id == "450789469"
    legacy = map_fulfillment(load("shopify", "fulfillment.json")["fulfillment"], store_id="s")
    assert legacy.tracking_numbers and legacy.order_external_id == "450789469"


def test_shopify_refunds_reconcile_with_their_order() -> None:
    order = shopify_order(
        load("shopify", "rest-2024-10_order_get.json")["order"], store_id="s", shop_currency="USD"
    )
    (listed,) = load("shopify", "rest-2024-10_refunds_list.json")["refunds"]
    refund = map_refund(listed, store_id="s", currency="USD")
    assert refund.order_external_id == order.external_id
    assert refund.note == "it broke during shipping"
    assert refund.amount.amount == Decimal("209.00")  # the successful refund transaction
    assert [t.gateway for t in refund.transactions] == ["bogus"]
    assert {x.line_item_external_id for x in refund.lines} <= {
        li.external_id for li in order.line_items
    }
    assert all(x.restock_type == "legacy_restock" and x.restocked for x in refund.lines)
    # the order's total minus its current total is exactly the refunded lines with their tax
    tax = sum(
        Decimal(x["total_tax_set"]["shop_money"]["amount"]) for x in listed["refund_line_items"]
    )
    lines = sum((x.subtotal.amount for x in refund.lines if x.subtotal), Decimal(0))
    raw = order.raw
    assert lines + tax == Decimal(raw["total_price"]) - Decimal(raw["current_total_price"])
    single = map_refund(
        load("shopify", "rest-2024-10_refund_get.json")["refund"], store_id="s", currency="USD"
    )
    assert single == refund
    old = map_refund(load("shopify", "refund.json")["refund"], store_id="s", currency="USD")
    assert old.amount.amount == Decimal("209.00") and old.shipping is None
    assert all(x.restocked is True for x in old.lines)  # pre-2019: the refund-wide flag


def test_shopify_embedded_order_payload_maps_fulfillments_and_refunds() -> None:
    payload = load("shopify", "rest-2024-10_order_get.json")["order"]
    shipments = [map_fulfillment(f, store_id="s") for f in payload["fulfillments"]]
    refunds = [map_refund(r, store_id="s", currency="USD") for r in payload["refunds"]]
    assert [f.external_id for f in shipments] == ["255858046"]
    assert [r.external_id for r in refunds] == ["509562969"]


def test_shopify_bad_refund_names_the_problem() -> None:
    with pytest.raises(PayloadError, match="refund"):
        map_refund({"id": 1, "order_id": 2, "refund_line_items": "x"}, store_id="s", currency="USD")
    with pytest.raises(PayloadError, match="customer"):
        map_customer(["not", "an", "object"], store_id="s", shop_currency="USD")


# --- WooCommerce -------------------------------------------------------------------------


def test_woocommerce_customer_maps() -> None:
    customer = woo_customer(
        load("woocommerce", "customer.json"), store_id="w", default_currency="EUR"
    )
    assert customer.email == "john.doe@example.com" and customer.phone == "(555) 555-5555"
    assert customer.default_address is not None and customer.default_address.city == "San Francisco"
    assert len(customer.addresses) == 2 and customer.tags == ("customer",)
    assert customer.accepts_marketing is None and customer.orders_count is None
    assert (
        customer.updated_at is not None
        and customer.updated_at.isoformat() == "2017-03-21T19:09:30+00:00"
    )


def test_woocommerce_refunds_map_and_lines_reconcile_with_amounts() -> None:
    refunds = [
        woo_refund(r, store_id="w", order_id="723", currency="USD")
        for r in load("woocommerce", "refunds.json")
    ]
    assert [r.amount.amount for r in refunds] == [Decimal("10.00"), Decimal("9.00")]
    money_only, with_line = refunds
    assert money_only.lines == () and money_only.transactions == ()  # refunded_payment false
    (line,) = with_line.lines
    assert line.line_item_external_id == "311"  # the order line, via _refunded_item_id
    assert line.quantity == 1 and line.subtotal is not None
    assert line.subtotal.amount == with_line.amount.amount
    single = woo_refund(
        load("woocommerce", "refund.json"), store_id="w", order_id="723", currency="USD"
    )
    assert single == money_only


def test_woocommerce_order_without_tracking_or_completion_has_no_fulfillment() -> None:
    order = load("woocommerce", "order.json")
    assert order["status"] == "processing"
    assert fulfillments_from_order(order, store_id="w") == []
    completed = {**order, "status": "completed", "date_completed_gmt": "2017-03-23T10:00:00"}
    (shipped,) = fulfillments_from_order(completed, store_id="w")
    assert shipped.tracking_numbers == () and sum(x.quantity for x in shipped.lines) == 3


# --- Magento -----------------------------------------------------------------------------


def test_magento_customer_search_maps_with_nested_regions() -> None:
    (item,) = load("magento", "customers_search_response.json")["items"]
    customer = magento_customer(item, store_id="m", default_currency="USD")
    assert customer.email == "roni_cost@example.com" and customer.tags == ("group:1",)
    assert customer.default_address is not None
    assert customer.default_address.province_code == "MI"
    assert customer.phone == "(555) 229-3326" and len(customer.addresses) == 2
    assert customer.accepts_marketing is None


def test_magento_creditmemo_without_transaction_is_offline() -> None:
    memo = map_creditmemo(
        {
            "entity_id": 7,
            "order_id": 3,
            "grand_total": 12.5,
            "state": 2,
            "items": [{"order_item_id": 3, "qty": 1, "row_total": 12.5}],
        },
        store_id="m",
        default_currency="USD",
    )
    assert memo.amount.amount == Decimal("12.5") and memo.transactions == ()
    assert [(x.line_item_external_id, x.quantity) for x in memo.lines] == [("3", 1)]
