"""Pure mapping from Shopify Admin REST payloads to the canonical model."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import ValidationError

from platforms.canonical import (
    Address,
    CustomField,
    DiscountLine,
    FinancialStatus,
    FulfillmentStatus,
    InventoryLevel,
    LineItem,
    Location,
    Money,
    Order,
    OrderStatus,
    Platform,
    Product,
    ProductOption,
    ProductStatus,
    ShippingLine,
    TaxLine,
    Variant,
)
from platforms.errors import PayloadError

Payload = Mapping[str, Any]
M = TypeVar("M")

_PLATFORM = Platform.SHOPIFY
_CURRENCY = re.compile(r"^[A-Z]{3}$")

_FINANCIAL = {
    "pending": FinancialStatus.PENDING,
    "authorized": FinancialStatus.AUTHORIZED,
    "partially_paid": FinancialStatus.PARTIALLY_PAID,
    "paid": FinancialStatus.PAID,
    "partially_refunded": FinancialStatus.PARTIALLY_REFUNDED,
    "refunded": FinancialStatus.REFUNDED,
    "voided": FinancialStatus.VOIDED,
}
_FULFILLMENT = {
    # Shopify sends null for "nothing shipped yet"; "unfulfilled" is the filter's spelling.
    None: FulfillmentStatus.UNFULFILLED,
    "unfulfilled": FulfillmentStatus.UNFULFILLED,
    "partial": FulfillmentStatus.PARTIALLY_FULFILLED,
    "fulfilled": FulfillmentStatus.FULFILLED,
    "restocked": FulfillmentStatus.RESTOCKED,
}
_PRODUCT_STATUS = {
    "active": ProductStatus.ACTIVE,
    "draft": ProductStatus.DRAFT,
    "archived": ProductStatus.ARCHIVED,
}


# --- scalar conversions ---------------------------------------------------------------


def _fail(entity: str, field: str, problem: str) -> PayloadError:
    return PayloadError(f"Shopify {entity} payload: field {field!r} {problem}", platform=_PLATFORM)


def _require_dict(payload: Any, entity: str) -> Payload:
    if not isinstance(payload, Mapping):
        raise _fail(entity, "<root>", f"is a {type(payload).__name__}, not an object")
    return payload


def _id(value: Any, entity: str, field: str) -> str:
    """Shopify ids are int64 (may exceed 2**53): keep them exact, as decimal strings."""
    if isinstance(value, bool) or value is None or value == "":
        raise _fail(entity, field, "is missing")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    raise _fail(entity, field, f"is not an id ({type(value).__name__})")


def _opt_id(value: Any, entity: str, field: str) -> str | None:
    return None if value is None or value == "" else _id(value, entity, field)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _nonempty(value: Any) -> str | None:
    text = _text(value)
    return text if text else None


def _decimal(value: Any, entity: str, field: str) -> Decimal:
    """Money strings ("199.00"), JSON numbers (refund lines, tax rates) -> exact Decimal."""
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, bool):
        raise _fail(entity, field, "is not a number")
    if isinstance(value, float):
        # via str: Decimal(0.06) would carry the binary float's 50 digits of noise.
        value = str(value)
    try:
        result = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise _fail(entity, field, "is not a number") from None
    if not result.is_finite():
        raise _fail(entity, field, "is not a finite number")
    return result


def _int(value: Any, default: int | None = None) -> int | None:
    if isinstance(value, bool) or value is None:
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _datetime(value: Any, entity: str, field: str) -> datetime | None:
    """Shopify stamps carry the shop's offset ("2008-01-10T11:00:00-05:00"): normalise to UTC."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _fail(entity, field, "is not a timestamp")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise _fail(entity, field, "is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        # Shopify always sends an offset; an offset-less stamp is assumed UTC rather than rejected.
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _currency(value: Any, fallback: str) -> str:
    text = _text(value)
    return text.upper() if text and _CURRENCY.match(text.upper()) else fallback


def _money(payload: Payload, key: str, currency: str, entity: str) -> Money:
    """Amount of `key`, preferring the `key_set.shop_money` bag Shopify sends since 2019."""
    bag = payload.get(f"{key}_set")
    shop = bag.get("shop_money") if isinstance(bag, Mapping) else None
    if isinstance(shop, Mapping) and shop.get("amount") is not None:
        amount = _decimal(shop.get("amount"), entity, f"{key}_set")
        return Money(amount=amount, currency_code=_currency(shop.get("currency_code"), currency))
    return Money(amount=_decimal(payload.get(key), entity, key), currency_code=currency)


def _tags(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(tag.strip() for tag in value.split(",") if tag.strip())
    if isinstance(value, list):
        return tuple(str(tag).strip() for tag in value if str(tag).strip())
    return ()


def _dicts(value: Any) -> list[Payload]:
    """A list of objects; anything else (null, odd types, stray scalars) is dropped."""
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _custom_fields(payload: Payload) -> tuple[CustomField, ...]:
    fields = [
        CustomField(namespace=_text(m.get("namespace")), key=str(m["key"]), value=m.get("value"))
        for m in _dicts(payload.get("metafields"))
        if m.get("key") is not None
    ]
    fields += [
        CustomField(namespace="note_attributes", key=str(n["name"]), value=n.get("value"))
        for n in _dicts(payload.get("note_attributes"))
        if n.get("name") is not None
    ]
    return tuple(fields)


def _address(value: Any) -> Address | None:
    if not isinstance(value, Mapping):
        return None
    return Address(
        first_name=_text(value.get("first_name")),
        last_name=_text(value.get("last_name")),
        company=_text(value.get("company")),
        address1=_text(value.get("address1")),
        address2=_text(value.get("address2")),
        city=_text(value.get("city")),
        province=_text(value.get("province")),
        province_code=_text(value.get("province_code")),
        postal_code=_text(value.get("zip")),
        # locations send the code in "country" and the name in "country_name".
        country=_text(value.get("country_name") or value.get("country")),
        country_code=_text(value.get("country_code")),
        phone=_text(value.get("phone")),
    )


def _build(entity: str, factory: Callable[[], M]) -> M:
    """Run a model constructor; a type the canonical model rejects becomes a PayloadError."""
    try:
        return factory()
    except ValidationError as exc:
        where = ".".join(str(p) for p in exc.errors()[0]["loc"]) or "<root>"
        raise _fail(entity, where, "cannot be mapped to the canonical model") from None


# --- orders ---------------------------------------------------------------------------


def _order_status(payload: Payload) -> OrderStatus:
    if payload.get("cancelled_at"):
        return OrderStatus.CANCELLED
    if payload.get("closed_at"):
        return OrderStatus.CLOSED
    return OrderStatus.OPEN


def _order_number(payload: Payload, external_id: str) -> str:
    number = payload.get("order_number")
    if number is not None and number != "":
        return str(number)
    return _nonempty(payload.get("name")) or external_id


def _line_item(item: Payload, currency: str) -> LineItem:
    return LineItem(
        external_id=_id(item.get("id"), "line item", "line_items[].id"),
        title=_text(item.get("title")) or _text(item.get("name")) or "",
        quantity=_int(item.get("quantity"), 0) or 0,
        unit_price=_money(item, "price", currency, "line item"),
        total_discount=_money(item, "total_discount", currency, "line item"),
        sku=_nonempty(item.get("sku")),
        variant_external_id=_opt_id(item.get("variant_id"), "line item", "variant_id"),
        product_external_id=_opt_id(item.get("product_id"), "line item", "product_id"),
    )


def _tax_line(line: Payload, currency: str) -> TaxLine:
    rate = line.get("rate")
    return TaxLine(
        title=_text(line.get("title")) or "",
        rate=None if rate is None else _decimal(rate, "tax line", "rate"),
        amount=_money(line, "price", currency, "tax line"),
    )


def _discount(code: Payload, currency: str) -> DiscountLine:
    return DiscountLine(
        code=_nonempty(code.get("code")),
        kind=_nonempty(code.get("type")),
        amount=_money(code, "amount", currency, "discount code"),
    )


def _shipping_line(line: Payload, currency: str) -> ShippingLine:
    return ShippingLine(
        title=_text(line.get("title")) or "",
        code=_nonempty(line.get("code")),
        amount=_money(line, "price", currency, "shipping line"),
    )


def _total_shipping(payload: Payload, lines: tuple[ShippingLine, ...], currency: str) -> Money:
    bag = payload.get("total_shipping_price_set")
    if isinstance(bag, Mapping) and isinstance(bag.get("shop_money"), Mapping):
        return _money(payload, "total_shipping_price", currency, "order")
    # older payloads have no total: the shipping lines are the whole charge.
    return Money(
        amount=sum((line.amount.amount for line in lines), Decimal(0)), currency_code=currency
    )


def map_order(payload: Any, *, store_id: str, shop_currency: str) -> Order:
    """Map a Shopify REST order (`orders.json` item or `order.json` body) to an Order."""
    data = _require_dict(payload, "order")
    external_id = _id(data.get("id"), "order", "id")
    currency = _currency(data.get("currency"), shop_currency)
    created = _datetime(data.get("created_at"), "order", "created_at") or _datetime(
        data.get("processed_at"), "order", "processed_at"
    )
    if created is None:
        raise _fail("order", "created_at", "is missing")
    shipping = tuple(_shipping_line(s, currency) for s in _dicts(data.get("shipping_lines")))
    customer = data.get("customer")
    return _build(
        "order",
        lambda: Order(
            store_id=store_id,
            platform=_PLATFORM,
            external_id=external_id,
            number=_order_number(data, external_id),
            created_at=created,
            updated_at=_datetime(data.get("updated_at"), "order", "updated_at") or created,
            cancelled_at=_datetime(data.get("cancelled_at"), "order", "cancelled_at"),
            status=_order_status(data),
            financial_status=_FINANCIAL.get(
                _text(data.get("financial_status")) or "", FinancialStatus.UNKNOWN
            ),
            fulfillment_status=_FULFILLMENT.get(
                _text(data.get("fulfillment_status")), FulfillmentStatus.UNKNOWN
            ),
            currency_code=currency,
            email=_nonempty(data.get("email")) or _nonempty(data.get("contact_email")),
            subtotal_price=_money(data, "subtotal_price", currency, "order"),
            total_tax=_money(data, "total_tax", currency, "order"),
            total_shipping=_total_shipping(data, shipping, currency),
            total_discounts=_money(data, "total_discounts", currency, "order"),
            total_price=_money(data, "total_price", currency, "order"),
            line_items=tuple(_line_item(i, currency) for i in _dicts(data.get("line_items"))),
            tax_lines=tuple(_tax_line(t, currency) for t in _dicts(data.get("tax_lines"))),
            discounts=tuple(_discount(d, currency) for d in _dicts(data.get("discount_codes"))),
            shipping_lines=shipping,
            billing_address=_address(data.get("billing_address")),
            shipping_address=_address(data.get("shipping_address")),
            customer_external_id=(
                _opt_id(customer.get("id"), "order", "customer.id")
                if isinstance(customer, Mapping)
                else None
            ),
            custom_fields=_custom_fields(data),
            raw=dict(data),
        ),
    )


# --- catalogue ------------------------------------------------------------------------


def map_variant(
    payload: Any,
    *,
    store_id: str,
    shop_currency: str,
    product_external_id: str | None = None,
) -> Variant:
    """Map a Shopify variant.

    `product_external_id` is the parent the caller knows (the product the variant came
    embedded in); it wins over the payload's `product_id`, which old payloads lack and
    vendor examples sometimes get wrong.
    """
    data = _require_dict(payload, "variant")
    product_id = product_external_id or _opt_id(data.get("product_id"), "variant", "product_id")
    if product_id is None:
        raise _fail("variant", "product_id", "is missing")
    compare_at = data.get("compare_at_price")
    options = (data.get(f"option{n}") for n in (1, 2, 3))
    return _build(
        "variant",
        lambda: Variant(
            store_id=store_id,
            platform=_PLATFORM,
            external_id=_id(data.get("id"), "variant", "id"),
            product_external_id=product_id,
            title=_text(data.get("title")) or "",
            sku=_nonempty(data.get("sku")),
            barcode=_nonempty(data.get("barcode")),
            price=_money(data, "price", shop_currency, "variant"),
            compare_at_price=(
                None
                if compare_at in (None, "")
                else _money(data, "compare_at_price", shop_currency, "variant")
            ),
            inventory_item_id=_opt_id(
                data.get("inventory_item_id"), "variant", "inventory_item_id"
            ),
            option_values=tuple(str(o) for o in options if o is not None and o != ""),
            position=_int(data.get("position")),
            created_at=_datetime(data.get("created_at"), "variant", "created_at"),
            updated_at=_datetime(data.get("updated_at"), "variant", "updated_at"),
            custom_fields=_custom_fields(data),
            raw=dict(data),
        ),
    )


def _option(option: Payload) -> ProductOption:
    values = option.get("values")
    return ProductOption(
        name=_text(option.get("name")) or "",
        values=tuple(str(v) for v in values) if isinstance(values, list) else (),
    )


def map_product(payload: Any, *, store_id: str, shop_currency: str) -> Product:
    """Map a Shopify product with its embedded variants to a Product."""
    data = _require_dict(payload, "product")
    external_id = _id(data.get("id"), "product", "id")
    variants = tuple(
        map_variant(
            v, store_id=store_id, shop_currency=shop_currency, product_external_id=external_id
        )
        for v in _dicts(data.get("variants"))
    )
    return _build(
        "product",
        lambda: Product(
            store_id=store_id,
            platform=_PLATFORM,
            external_id=external_id,
            title=_text(data.get("title")) or "",
            handle=_nonempty(data.get("handle")),
            status=_PRODUCT_STATUS.get(_text(data.get("status")) or "", ProductStatus.UNKNOWN),
            vendor=_nonempty(data.get("vendor")),
            product_type=_nonempty(data.get("product_type")),
            tags=_tags(data.get("tags")),
            options=tuple(_option(o) for o in _dicts(data.get("options"))),
            variants=variants,
            created_at=_datetime(data.get("created_at"), "product", "created_at"),
            updated_at=_datetime(data.get("updated_at"), "product", "updated_at"),
            custom_fields=_custom_fields(data),
            raw=dict(data),
        ),
    )


# --- inventory ------------------------------------------------------------------------


def map_location(payload: Any, *, store_id: str) -> Location:
    """Map a Shopify location; a deleted or inactive location maps with active=False."""
    data = _require_dict(payload, "location")
    active = data.get("active")
    return _build(
        "location",
        lambda: Location(
            store_id=store_id,
            platform=_PLATFORM,
            external_id=_id(data.get("id"), "location", "id"),
            name=_text(data.get("name")) or "",
            active=(active if isinstance(active, bool) else True) and not data.get("deleted_at"),
            address=_address(data),
            raw=dict(data),
        ),
    )


def map_inventory_level(payload: Any, *, store_id: str) -> InventoryLevel:
    """Map one Shopify inventory level (one item at one location)."""
    data = _require_dict(payload, "inventory level")
    item_id = _id(data.get("inventory_item_id"), "inventory level", "inventory_item_id")
    location_id = _id(data.get("location_id"), "inventory level", "location_id")
    return _build(
        "inventory level",
        lambda: InventoryLevel(
            store_id=store_id,
            platform=_PLATFORM,
            external_id=f"{item_id}:{location_id}",
            inventory_item_id=item_id,
            location_external_id=location_id,
            available=_int(data.get("available")),
            updated_at=_datetime(data.get("updated_at"), "inventory level", "updated_at"),
            raw=dict(data),
        ),
    )
