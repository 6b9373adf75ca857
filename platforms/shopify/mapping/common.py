"""Shopify payload conversions the mappers share (ids, money, stamps, addresses), as `m`."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import ValidationError

from platforms.canonical import Address, CustomField, Money, Platform
from platforms.errors import PayloadError

Payload = Mapping[str, Any]
M = TypeVar("M")

PLATFORM = Platform.SHOPIFY
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def fail(entity: str, field: str, problem: str) -> PayloadError:
    return PayloadError(f"Shopify {entity} payload: field {field!r} {problem}", platform=PLATFORM)


def require_dict(payload: Any, entity: str) -> Payload:
    if not isinstance(payload, Mapping):
        raise fail(entity, "<root>", f"is a {type(payload).__name__}, not an object")
    return payload


def ident(value: Any, entity: str, field: str) -> str:
    """Shopify ids are int64 (may exceed 2**53): keep them exact, as decimal strings."""
    if isinstance(value, bool) or value is None or value == "":
        raise fail(entity, field, "is missing")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    raise fail(entity, field, f"is not an id ({type(value).__name__})")


def opt_ident(value: Any, entity: str, field: str) -> str | None:
    return None if value is None or value == "" else ident(value, entity, field)


def text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def nonempty(value: Any) -> str | None:
    found = text(value)
    return found if found else None


def decimal(value: Any, entity: str, field: str) -> Decimal:
    """Money strings ("199.00"), JSON numbers (refund lines, tax rates) -> exact Decimal."""
    if value is None or value == "":
        return Decimal(0)
    if isinstance(value, bool):
        raise fail(entity, field, "is not a number")
    if isinstance(value, float):
        # via str: Decimal(0.06) would carry the binary float's 50 digits of noise.
        value = str(value)
    try:
        result = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise fail(entity, field, "is not a number") from None
    if not result.is_finite():
        raise fail(entity, field, "is not a finite number")
    return result


def integer(value: Any, default: int | None = None) -> int | None:
    if isinstance(value, bool) or value is None:
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def timestamp(value: Any, entity: str, field: str) -> datetime | None:
    """Shopify stamps carry the shop's offset ("2008-01-10T11:00:00-05:00"): normalise to UTC."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise fail(entity, field, "is not a timestamp")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise fail(entity, field, "is not an ISO 8601 timestamp") from None
    if parsed.tzinfo is None:
        # Shopify always sends an offset; an offset-less stamp is assumed UTC rather than rejected.
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def currency_code(value: Any, fallback: str) -> str:
    code = (text(value) or "").upper()
    return code if _CURRENCY.match(code) else fallback


def money(payload: Payload, key: str, currency: str, entity: str) -> Money:
    """Amount of `key` in `currency` (the order's: docs/money.md) from the `key_set` bag
    Shopify sends since 2019, whichever side (presentment or shop money) is in it; else the
    bag's shop money; else the plain field."""
    bag = payload.get(f"{key}_set")
    for side in ("presentment_money", "shop_money"):
        found = bag.get(side) if isinstance(bag, Mapping) else None
        if (
            isinstance(found, Mapping)
            and found.get("amount") is not None
            and currency_code(found.get("currency_code"), currency) == currency
        ):
            amount = decimal(found.get("amount"), entity, f"{key}_set")
            return Money(amount=amount, currency_code=currency)
    shop = bag.get("shop_money") if isinstance(bag, Mapping) else None
    if isinstance(shop, Mapping) and shop.get("amount") is not None:
        amount = decimal(shop.get("amount"), entity, f"{key}_set")
        return Money(
            amount=amount, currency_code=currency_code(shop.get("currency_code"), currency)
        )
    return Money(amount=decimal(payload.get(key), entity, key), currency_code=currency)


def tags(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(tag.strip() for tag in value.split(",") if tag.strip())
    if isinstance(value, list):
        return tuple(str(tag).strip() for tag in value if str(tag).strip())
    return ()


def dicts(value: Any) -> list[Payload]:
    """A list of objects; anything else (null, odd types, stray scalars) is dropped."""
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def custom_fields(payload: Payload) -> tuple[CustomField, ...]:
    fields = [
        CustomField(namespace=text(f.get("namespace")), key=str(f["key"]), value=f.get("value"))
        for f in dicts(payload.get("metafields"))
        if f.get("key") is not None
    ]
    fields += [
        CustomField(namespace="note_attributes", key=str(n["name"]), value=n.get("value"))
        for n in dicts(payload.get("note_attributes"))
        if n.get("name") is not None
    ]
    return tuple(fields)


def address(value: Any) -> Address | None:
    if not isinstance(value, Mapping):
        return None
    return Address(
        first_name=text(value.get("first_name")),
        last_name=text(value.get("last_name")),
        company=text(value.get("company")),
        address1=text(value.get("address1")),
        address2=text(value.get("address2")),
        city=text(value.get("city")),
        province=text(value.get("province")),
        province_code=text(value.get("province_code")),
        postal_code=text(value.get("zip")),
        # locations send the code in "country" and the name in "country_name".
        country=text(value.get("country_name") or value.get("country")),
        country_code=text(value.get("country_code")),
        phone=text(value.get("phone")),
    )


def build(entity: str, factory: Callable[[], M]) -> M:
    """Run a model constructor; a type the canonical model rejects becomes a PayloadError."""
    try:
        return factory()
    except ValidationError as exc:
        where = ".".join(str(p) for p in exc.errors()[0]["loc"]) or "<root>"
        raise fail(entity, where, "cannot be mapped to the canonical model") from None
