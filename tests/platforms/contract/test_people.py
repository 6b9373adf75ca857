"""Contract: customers, fulfillments and refunds read consistently with the orders they belong to."""

from __future__ import annotations

from decimal import Decimal

import pytest

from platforms.adapter import CustomerQuery, OrderQuery
from platforms.canonical import FinancialStatus, FulfillmentStatus, Order
from tests.platforms.contract.support import MISSING_ID, Store, walk

# an absent_fields key: the order's financial status does not show its refunds (Amazon)
REFUNDS_APART = "Order.financial_status (refunds)"


def skip_absent(store: Store, field: str) -> None:
    """Skip what the platform states it has no source for (`PlatformSpec.absent_fields`)."""
    reason = store.spec.absent_fields.get(field)
    if reason is not None:
        pytest.skip(f"{store.spec.platform.value}: {reason}")


async def _orders(store: Store, count: int = 100) -> list[Order]:
    page = await store.client.list_orders(OrderQuery(), cursor=None, limit=count)
    return page.items


async def test_customers_referenced_by_orders_exist_and_missing_ones_are_absent(
    store: Store,
) -> None:
    skip_absent(store, "Customer.email")
    orders = await _orders(store)
    wanted = sorted({o.customer_external_id for o in orders if o.customer_external_id})
    assert len(wanted) >= 5

    found = await store.client.get_customers([*wanted, MISSING_ID, wanted[0], "not-an-id"])

    assert sorted(found) == wanted
    for external_id, customer in found.items():
        assert customer.external_id == external_id
        assert customer.store_id == store.store_id
        assert customer.email and "@" in customer.email
        assert customer.default_address is not None
        assert customer.created_at is not None and customer.updated_at is not None


async def test_customer_listing_walks_every_customer_once_and_filters_by_email(
    store: Store,
) -> None:
    skip_absent(store, "Customer.email")
    customers, pages = await walk(
        lambda cur: store.client.list_customers(CustomerQuery(), cursor=cur, limit=10)
    )
    ids = [c.external_id for c in customers]
    assert len(ids) == len(set(ids)) and pages >= 2

    target = customers[len(customers) // 2]
    assert target.email is not None
    only = await store.client.list_customers(
        CustomerQuery(email=target.email), cursor=None, limit=10
    )
    assert [c.external_id for c in only.items] == [target.external_id]

    cutoff = sorted(c.updated_at for c in customers if c.updated_at)[len(customers) // 2]
    recent, _ = await walk(
        lambda cur: store.client.list_customers(
            CustomerQuery(updated_after=cutoff), cursor=cur, limit=10
        )
    )
    expected = {c.external_id for c in customers if c.updated_at and c.updated_at > cutoff}
    assert {c.external_id for c in recent} == expected


async def test_fulfillments_match_the_orders_shipping_state(store: Store) -> None:
    orders = await _orders(store)
    ids = [o.external_id for o in orders]

    fetched = await store.client.get_fulfillments([*ids, MISSING_ID])

    assert set(ids) <= set(fetched) and fetched.get(MISSING_ID, []) == []
    for order in orders:
        shipments = fetched[order.external_id]
        embedded = store.client.embedded_fulfillments(order)
        if embedded is not None:
            assert embedded == shipments  # the payload and the batch read agree
        if order.fulfillment_status is FulfillmentStatus.FULFILLED:
            assert shipments, f"fulfilled order {order.external_id} has no fulfillment"
        if order.fulfillment_status is FulfillmentStatus.UNFULFILLED:
            assert not shipments
        line_ids = {li.external_id for li in order.line_items}
        for shipment in shipments:
            assert shipment.order_external_id == order.external_id
            assert {x.line_item_external_id for x in shipment.lines} <= line_ids
    assert any(f.tracking_numbers for fs in fetched.values() for f in fs)


async def test_refunds_reconcile_with_the_orders_they_refund(store: Store) -> None:
    skip_absent(store, "Refund.amount")
    orders = await _orders(store, 100)
    # what the loader asks for: orders whose payload does not settle it (WooCommerce pays one
    # call per such order), plus a few that it does, which must read the same either way
    money_back = (FinancialStatus.REFUNDED, FinancialStatus.PARTIALLY_REFUNDED)
    picked = [
        o
        for o in orders
        if store.client.embedded_refunds(o) is None or o.financial_status in money_back
    ]
    orders = picked + [o for o in orders if o not in picked][:5]
    ids = [o.external_id for o in orders]

    fetched = await store.client.get_refunds([*ids, MISSING_ID])

    refunded = [o for o in orders if fetched[o.external_id]]
    assert refunded, "no refunded order in the first 100"
    for order in orders:
        refunds = fetched[order.external_id]
        embedded = store.client.embedded_refunds(order)
        if embedded is not None:
            assert embedded == refunds
        total = sum((r.amount.amount for r in refunds), Decimal(0))
        if order.financial_status is FinancialStatus.REFUNDED:
            assert total == order.total_price.amount
        elif order.financial_status is FinancialStatus.PARTIALLY_REFUNDED:
            assert Decimal(0) < total < order.total_price.amount
        elif REFUNDS_APART in store.spec.absent_fields:  # refunds are read elsewhere
            assert total <= order.total_price.amount
        else:
            assert refunds == []
        for refund in refunds:
            assert refund.order_external_id == order.external_id
            assert refund.amount.currency_code == order.currency_code
            line_ids = {li.external_id for li in order.line_items}
            assert {x.line_item_external_id for x in refund.lines} <= line_ids
