"""Shared scalar conversions of Shopify Admin REST payloads (ids, money, stamps, addresses)."""

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

_PLATFORM = Platform.SHOPIFY
_CURRENCY = re.compile(r"^[A-Z]{3}$")


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
