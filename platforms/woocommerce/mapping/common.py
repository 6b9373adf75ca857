"""Shared WooCommerce payload helpers: money, GMT timestamps, addresses, meta_data."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from platforms.canonical import Address, CustomField, Money
from platforms.errors import PayloadError
from platforms.mapping.kit import decimal_or, utc_datetime


def decimal_of(value: Any, default: Decimal = Decimal(0)) -> Decimal:
    """A Decimal from a WooCommerce money value: "12.00", 12, 12.5, "" or null.

    Totals are strings but line-item `price` is a JSON number; numbers go through str()
    so a float never leaks binary noise (12.1 -> Decimal("12.1"), not 12.0999...).
    """
    return decimal_or(value, default, platform="WooCommerce")


def money(value: Any, currency: str) -> Money:
    """Money in `currency` from a WooCommerce money value (missing -> 0)."""
    return Money(amount=decimal_of(value), currency_code=currency)


def parse_gmt(value: Any) -> datetime | None:
    """An aware UTC datetime from a `date_*_gmt` value ("2017-03-22T19:28:02", no offset).

    WooCommerce's `*_gmt` fields are UTC without a designator; an explicit offset or
    "Z" (some plugins add one) is honoured. Unparseable or empty -> None.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace(" ", "T", 1)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return utc_datetime(text)


def timestamp(payload: dict[str, Any], field: str) -> datetime | None:
    """`<field>_gmt`, falling back to the site-local `<field>` read as UTC (best available)."""
    return parse_gmt(payload.get(f"{field}_gmt")) or parse_gmt(payload.get(field))


def required_timestamp(payload: dict[str, Any], field: str) -> datetime:
    """Like `timestamp` but a PayloadError naming the field when it is absent."""
    value = timestamp(payload, field)
    if value is None:
        raise PayloadError(f"WooCommerce payload has no usable {field}_gmt")
    return value


def external_id(payload: dict[str, Any], field: str = "id") -> str:
    """A WooCommerce integer id as our str id; PayloadError naming the field if missing."""
    value = payload.get(field)
    if isinstance(value, bool) or value in (None, "", 0):
        raise PayloadError(f"WooCommerce payload has no {field}")
    if isinstance(value, int | str):
        return str(value)
    raise PayloadError(f"WooCommerce payload field {field} is not an id")


def optional_id(value: Any) -> str | None:
    """A related id (customer_id, product_id, variation_id): 0/null/"" -> None."""
    if isinstance(value, bool) or value in (None, "", 0, "0"):
        return None
    return str(value) if isinstance(value, int | str) else None


def text_or_none(value: Any) -> str | None:
    """WooCommerce sends blanks as "" rather than omitting them: "" -> None."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def address(payload: Any) -> Address | None:
    """A billing/shipping block as an Address; an all-blank block -> None.

    WooCommerce `state` and `country` are codes ("CA", "US"), so they fill the *_code fields.
    """
    if not isinstance(payload, dict):
        return None
    fields = {
        "first_name": text_or_none(payload.get("first_name")),
        "last_name": text_or_none(payload.get("last_name")),
        "company": text_or_none(payload.get("company")),
        "address1": text_or_none(payload.get("address_1")),
        "address2": text_or_none(payload.get("address_2")),
        "city": text_or_none(payload.get("city")),
        "province_code": text_or_none(payload.get("state")),
        "postal_code": text_or_none(payload.get("postcode")),
        "country_code": text_or_none(payload.get("country")),
        "phone": text_or_none(payload.get("phone")),
    }
    if not any(fields.values()):
        return None
    return Address(**fields)


def custom_fields(meta_data: Any) -> tuple[CustomField, ...]:
    """`meta_data` [{id, key, value}] as CustomFields (entries without a key are skipped)."""
    if not isinstance(meta_data, list):
        return ()
    fields = []
    for entry in meta_data:
        if isinstance(entry, dict) and isinstance(entry.get("key"), str) and entry["key"]:
            fields.append(CustomField(key=entry["key"], value=entry.get("value")))
    return tuple(fields)


def as_list(value: Any) -> list[dict[str, Any]]:
    """The dict entries of a list field; anything else -> []."""
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, dict)]


def currency_of(payload: dict[str, Any], default: str) -> str:
    """The payload's ISO currency code when it looks like one, else the store's."""
    value = payload.get("currency")
    if isinstance(value, str) and len(value) == 3 and value.isalpha():
        return value.upper()
    return default
