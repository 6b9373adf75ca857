"""Admin GraphQL customers, fulfillments and refunds: the fields read and their mapping."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from platforms.canonical import (
    Customer,
    Fulfillment,
    FulfillmentLine,
    Money,
    Order,
    Refund,
    RefundLine,
    RefundTransaction,
    ShipmentStatus,
)
from platforms.shopify.documents import Field, conn, listed, numeric_id, obj, scalars
from platforms.shopify.mapping import common as m
from platforms.shopify.mapping import graphql_common as g

LINES_PER_SHIPMENT = 10  # fulfillment and refund lines read with it; more are cut there
TRANSACTIONS_PER_REFUND = 5
ADDRESSES_PER_CUSTOMER = 5
_ID = scalars("id")

FULFILLMENT = (
    *scalars("id status createdAt updatedAt"),
    listed("trackingInfo", *scalars("company number url")),
    obj("location", *_ID),
    conn(
        "fulfillmentLineItems",
        LINES_PER_SHIPMENT,
        *scalars("quantity"),
        obj("lineItem", *_ID),
    ),
)


def refund_fields(presented: bool = False) -> tuple[Field, ...]:
    """One refund: its amounts as `Money` scalars (shop money, free), or presented (the
    customer's currency, 2 points an amount: read only for orders in another currency)."""
    if presented:
        line_money: tuple[Field, ...] = (g.bag("subtotal"), g.bag("totalTax"))
        paid: tuple[Field, ...] = (g.bag("amount"),)
    else:
        line_money, paid = scalars("subtotal totalTax"), scalars("amount")
    side = g.PRESENTED if presented else g.SHOP
    return (
        *scalars("id createdAt note"),
        conn(
            "refundLineItems",
            LINES_PER_SHIPMENT,
            *scalars("quantity restockType restocked"),
            *line_money,
            obj("lineItem", *_ID),
        ),
        conn("transactions", TRANSACTIONS_PER_REFUND, *scalars("id kind status gateway"), *paid),
        conn("refundShippingLines", 2, g.bag("subtotalAmount", side)),
    )


REFUND = refund_fields()
CUSTOMER = (
    *scalars("id firstName lastName numberOfOrders createdAt updatedAt tags"),
    obj("defaultEmailAddress", *scalars("emailAddress marketingState")),
    obj("defaultPhoneNumber", *scalars("phoneNumber")),
    obj("defaultAddress", *g.ADDRESS),
    conn("addressesV2", ADDRESSES_PER_CUSTOMER, *g.ADDRESS),
    obj("amountSpent", *scalars("amount currencyCode")),
    g.metafields(),
)
_SHIPMENT = {s.value: s for s in ShipmentStatus}
_RESTOCKING = {"cancel", "return", "legacy_restock"}


def map_customer(payload: Any, *, store_id: str, shop_currency: str, raw: bool = True) -> Customer:
    """Map an Admin GraphQL `Customer` (as `CUSTOMER` reads it); `raw=False` drops the payload."""
    data = m.require_dict(payload, "customer")
    email = data.get("defaultEmailAddress")
    email = email if isinstance(email, dict) else {}
    phone = data.get("defaultPhoneNumber")
    state = m.text(email.get("marketingState"))
    return m.build(
        "customer",
        lambda: Customer(
            store_id=store_id,
            platform=m.PLATFORM,
            external_id=g.ident(data.get("id"), "customer", "id"),
            first_name=m.nonempty(data.get("firstName")),
            last_name=m.nonempty(data.get("lastName")),
            email=m.nonempty(email.get("emailAddress")),
            phone=m.nonempty(phone.get("phoneNumber")) if isinstance(phone, dict) else None,
            default_address=g.address(data.get("defaultAddress")),
            addresses=tuple(
                a for a in (g.address(x) for x in g.nodes_of(data.get("addressesV2"))) if a
            ),
            accepts_marketing=None if state is None else state == "SUBSCRIBED",
            orders_count=m.integer(data.get("numberOfOrders")),
            total_spent=g.money_v2(data.get("amountSpent"), shop_currency, "customer", "spent"),
            created_at=m.timestamp(data.get("createdAt"), "customer", "createdAt"),
            updated_at=m.timestamp(data.get("updatedAt"), "customer", "updatedAt"),
            tags=m.tags(data.get("tags")),
            custom_fields=g.custom_fields(data),
            raw=dict(data) if raw else {},
        ),
    )


def _tracking(data: g.Payload, key: str) -> tuple[str, ...]:
    return tuple(
        str(t[key]) for t in m.dicts(data.get("trackingInfo")) if t.get(key) not in (None, "")
    )


def map_fulfillment(payload: Any, *, store_id: str, order_external_id: str) -> Fulfillment:
    """Map an Admin GraphQL `Fulfillment` of the order `order_external_id`."""
    data = m.require_dict(payload, "fulfillment")
    lines = tuple(
        FulfillmentLine(
            line_item_external_id=g.ident(
                (i.get("lineItem") or {}).get("id"), "fulfillment", "lineItem.id"
            ),
            quantity=m.integer(i.get("quantity"), 0) or 0,
        )
        for i in g.nodes_of(data.get("fulfillmentLineItems"))
    )
    companies = _tracking(data, "company")
    return m.build(
        "fulfillment",
        lambda: Fulfillment(
            store_id=store_id,
            platform=m.PLATFORM,
            external_id=g.ident(data.get("id"), "fulfillment", "id"),
            order_external_id=order_external_id,
            status=_SHIPMENT.get(m.text(data.get("status")) or "", ShipmentStatus.UNKNOWN),
            created_at=m.timestamp(data.get("createdAt"), "fulfillment", "createdAt"),
            updated_at=m.timestamp(data.get("updatedAt"), "fulfillment", "updatedAt"),
            tracking_company=companies[0] if companies else None,
            tracking_numbers=_tracking(data, "number"),
            tracking_urls=_tracking(data, "url"),
            lines=lines,
            location_external_id=g.ref_ident(data.get("location"), "fulfillment", "location.id"),
            raw=dict(data),
        ),
    )


def _refund_line(item: g.Payload, currency: str, included: bool) -> RefundLine:
    """A refunded line; its subtotal excludes tax (docs/money.md): in a tax-inclusive order
    Shopify's `subtotal` holds the tax, which its `totalTax` names."""
    restock_type = g.lower(item.get("restockType"))
    restocked = item.get("restocked")
    subtotal = g.amount_of(item, "subtotal", "refund line")
    if included:
        subtotal -= g.amount_of(item, "totalTax", "refund line")
    return RefundLine(
        line_item_external_id=g.ident(
            (item.get("lineItem") or {}).get("id"), "refund", "lineItem.id"
        ),
        quantity=m.integer(item.get("quantity"), 0) or 0,
        restock_type=restock_type,
        restocked=restocked if isinstance(restocked, bool) else restock_type in _RESTOCKING,
        subtotal=Money(amount=subtotal, currency_code=currency),
    )


def _transaction(item: g.Payload, currency: str) -> RefundTransaction:
    return RefundTransaction(
        external_id=g.opt_ident(item.get("id"), "refund", "transactions.id"),
        kind=g.lower(item.get("kind")) or "refund",
        amount=Money(amount=g.amount_of(item, "amount", "refund"), currency_code=currency),
        gateway=m.nonempty(item.get("gateway")),
        status=g.lower(item.get("status")),
    )


def _shipping(data: g.Payload, currency: str) -> Money | None:
    """Shipping given back: its lines' subtotals (none read: 0); None when not read."""
    shipping = data.get("refundShippingLines")
    if not isinstance(shipping, Mapping):
        return None
    lines = g.nodes_of(shipping)
    total = sum((g.amount_of(s, "subtotalAmount", "refund") for s in lines), Decimal(0))
    return Money(amount=total, currency_code=currency)


def map_refund(
    payload: Any,
    *,
    store_id: str,
    order_external_id: str,
    currency: str,
    taxes_included: bool = False,
) -> Refund:
    """Map an Admin GraphQL `Refund` of an order in `currency` (`taxes_included`: the
    order's prices hold their tax); its amount is what its successful refund transactions
    gave back, as for REST."""
    data = m.require_dict(payload, "refund")
    txs = tuple(_transaction(t, currency) for t in g.nodes_of(data.get("transactions")))
    refunded = sum(
        (t.amount.amount for t in txs if t.kind == "refund" and t.status in (None, "success")),
        Decimal(0),
    )
    return m.build(
        "refund",
        lambda: Refund(
            store_id=store_id,
            platform=m.PLATFORM,
            external_id=g.ident(data.get("id"), "refund", "id"),
            order_external_id=order_external_id,
            created_at=m.timestamp(data.get("createdAt"), "refund", "createdAt"),
            note=m.nonempty(data.get("note")),
            amount=Money(amount=refunded, currency_code=currency),
            lines=tuple(
                _refund_line(i, currency, taxes_included)
                for i in g.nodes_of(data.get("refundLineItems"))
            ),
            shipping=_shipping(data, currency),
            transactions=txs,
            raw=dict(data),
        ),
    )


def refund_marker(order: Order) -> str | None:
    """The ids of the refunds the order payload shows, sorted ("" = none; None = it shows
    none): a new refund always changes it (REFUND_CREATED). Either API's payload: REST's
    `refunds`, GraphQL's `refunds` or `refundIds`, numeric ids either way."""
    refunds = order.raw.get("refunds", order.raw.get("refundIds"))
    if not isinstance(refunds, list):
        return None
    ids = {numeric_id(r.get("id")) for r in refunds if isinstance(r, dict)}
    return ",".join(sorted(i for i in ids if i))
