"""Admin GraphQL payload conversions the GraphQL mappers share (global ids, money, addresses)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from platforms.canonical import Address, CustomField, Money
from platforms.shopify.documents import Field, conn, listed, numeric_id, obj, scalars
from platforms.shopify.mapping import common as m

Payload = Mapping[str, Any]

# Metafields read per owner: the first page is free of the cost of paging for almost every
# owner; an owner with more has them cut there (stated on `custom_fields` in the README).
METAFIELDS_PER_OWNER = 10
ADDRESS = scalars(
    "firstName lastName company address1 address2 city province provinceCode zip country "
    "countryCodeV2 phone"
)


def metafields(first: int = METAFIELDS_PER_OWNER) -> Field:
    """An owner's metafields (namespace, key, value)."""
    return conn("metafields", first, *scalars("namespace key value type"))


CUSTOM_ATTRIBUTES = listed("customAttributes", *scalars("key value"))


def ident(value: Any, entity: str, field: str) -> str:
    """The numeric REST id of a global id (ids stay the same whichever API read them)."""
    found = numeric_id(value)
    if found is None:
        raise m.fail(entity, field, "is not a Shopify global id" if value else "is missing")
    return found


def opt_ident(value: Any, entity: str, field: str) -> str | None:
    return None if value in (None, "") else ident(value, entity, field)


def ref_ident(value: Any, entity: str, field: str) -> str | None:
    """The id of a referenced object (`variant { id }`), None when the reference is null."""
    return opt_ident(value.get("id"), entity, field) if isinstance(value, Mapping) else None


SHOP, PRESENTED = "shopMoney", "presentmentMoney"


def bag(name: str, side: str = PRESENTED) -> Field:
    """One side of the `…Set` MoneyBag of `name`, its amount only (2 points)."""
    return obj(f"{name}Set", obj(side, *scalars("amount")))


def amount_of(data: Payload, key: str, entity: str) -> Decimal:
    """An amount read either way: the `…Set` bag if the document read it (the side it read),
    else the deprecated `Money` scalar `key` (shop money, 0 points)."""
    found = data.get(f"{key}Set")
    if isinstance(found, Mapping):
        side = found.get(PRESENTED) or found.get(SHOP)
        value = side.get("amount") if isinstance(side, Mapping) else None
        return m.decimal(value, entity, f"{key}Set")
    return m.decimal(data.get(key), entity, key)


def is_presented(order: Payload) -> bool:
    """Whether an order payload was read in presentment money (`totalPriceSet`), the
    customer's currency, rather than in the shop's `Money` scalars."""
    return isinstance(order.get("totalPriceSet"), Mapping)


def order_currency(order: Payload, shop_currency: str) -> str:
    """The currency an order payload's amounts are in: the customer's when read in
    presentment money, else the shop's."""
    shop = m.currency_code(order.get("currencyCode"), shop_currency)
    if is_presented(order):
        return m.currency_code(order.get("presentmentCurrencyCode"), shop)
    return shop


def foreign_currency(order: Payload) -> bool:
    """Whether the customer paid in another currency than the shop's: the free `Money`
    scalars are then in the wrong one (docs/money.md) and the order is read again."""
    presented = m.text(order.get("presentmentCurrencyCode"))
    return bool(presented) and presented != m.text(order.get("currencyCode"))


def money(value: Any, currency: str, entity: str, field: str) -> Money:
    """A `Money` scalar ("19.99") in `currency`."""
    return Money(amount=m.decimal(value, entity, field), currency_code=currency)


def money_v2(value: Any, fallback: str, entity: str, field: str) -> Money | None:
    """A `MoneyV2` object ({amount, currencyCode}); None when absent."""
    if not isinstance(value, Mapping):
        return None
    return Money(
        amount=m.decimal(value.get("amount"), entity, field),
        currency_code=m.currency_code(value.get("currencyCode"), fallback),
    )


def nodes_of(value: Any) -> list[Payload]:
    """The objects of a connection (`nodes` or `edges { node }`) or of a plain list."""
    if isinstance(value, Mapping):
        found = value.get("nodes")
        if not isinstance(found, list):
            edges = m.dicts(value.get("edges"))
            found = [e.get("node") for e in edges]
        return m.dicts(found)
    return m.dicts(value)


def has_next_page(value: Any) -> bool:
    """Whether a connection says it has more than this page."""
    info = value.get("pageInfo") if isinstance(value, Mapping) else None
    return bool(info.get("hasNextPage")) if isinstance(info, Mapping) else False


def end_cursor(value: Any) -> str | None:
    """A connection's `pageInfo.endCursor`."""
    info = value.get("pageInfo") if isinstance(value, Mapping) else None
    cursor = info.get("endCursor") if isinstance(info, Mapping) else None
    return cursor if isinstance(cursor, str) and cursor else None


def address(value: Any) -> Address | None:
    """A `MailingAddress` (or a location's `LocationAddress`)."""
    if not isinstance(value, Mapping):
        return None
    return Address(
        first_name=m.text(value.get("firstName")),
        last_name=m.text(value.get("lastName")),
        company=m.text(value.get("company")),
        address1=m.text(value.get("address1")),
        address2=m.text(value.get("address2")),
        city=m.text(value.get("city")),
        province=m.text(value.get("province")),
        province_code=m.text(value.get("provinceCode")),
        postal_code=m.text(value.get("zip")),
        country=m.text(value.get("country")),
        country_code=m.text(value.get("countryCodeV2") or value.get("countryCode")),
        phone=m.text(value.get("phone")),
    )


def custom_fields(payload: Payload) -> tuple[CustomField, ...]:
    """Metafields, and an order's note attributes (`customAttributes`) as REST maps them."""
    fields = [
        CustomField(namespace=m.text(f.get("namespace")), key=str(f["key"]), value=f.get("value"))
        for f in nodes_of(payload.get("metafields"))
        if f.get("key") is not None
    ]
    fields += [
        CustomField(namespace="note_attributes", key=str(a["key"]), value=a.get("value"))
        for a in m.dicts(payload.get("customAttributes"))
        if a.get("key") is not None
    ]
    return tuple(fields)


def lower(value: Any) -> str | None:
    """An enum value as REST spells it ("PARTIALLY_REFUNDED" -> "partially_refunded")."""
    text = m.nonempty(value)
    return text.lower() if text else None
