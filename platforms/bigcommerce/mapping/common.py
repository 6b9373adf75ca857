"""Shared BigCommerce payload helpers: V2 4-decimal money strings and V3 numbers, RFC 2822 and
ISO 8601 times, ids and addresses."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

from platforms.canonical import Address, Money
from platforms.errors import PayloadError
from platforms.mapping.kit import decimal_or, utc_datetime


def decimal_of(value: Any, default: Decimal = Decimal(0)) -> Decimal:
    """A Decimal from V2's "12.3400" or V3's 12.34 (numbers through str(): no float noise);
    missing or "" is `default`, anything else that is not a number a PayloadError."""
    return decimal_or(value, default, platform="BigCommerce")


def money(value: Any, currency: str) -> Money:
    """Money in `currency` (the 4 decimals trimmed to the currency's minor units when exact)."""
    return Money(amount=decimal_of(value), currency_code=currency)


def parse_time(value: Any) -> datetime | None:
    """An aware UTC time from V2's RFC 2822 ("Wed, 10 Jan 2018 21:05:30 +0000") or V3's
    ISO 8601; None when absent, empty or unparseable."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text[:1].isdigit():
        return utc_datetime(text.replace("Z", "+00:00"))
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def required_time(payload: dict[str, Any], field: str) -> datetime:
    """`parse_time` of a field that must be there: a PayloadError naming it otherwise."""
    value = parse_time(payload.get(field))
    if value is None:
        raise PayloadError(f"BigCommerce payload has no usable {field}")
    return value


def external_id(payload: dict[str, Any], field: str = "id") -> str:
    """An integer id as our str id; a PayloadError naming the field when missing."""
    value = payload.get(field)
    if isinstance(value, bool) or not isinstance(value, int | str) or value in ("", 0):
        raise PayloadError(f"BigCommerce payload has no {field}")
    return str(value)


def optional_id(value: Any) -> str | None:
    """A related id (customer_id, variant_id): 0, null and "" are none."""
    if isinstance(value, bool) or value in (None, "", 0, "0"):
        return None
    return str(value) if isinstance(value, int | str) else None


def text(value: Any) -> str | None:
    """A non-empty string or None."""
    return value if isinstance(value, str) and value.strip() else None


def address(payload: Any) -> Address | None:
    """A V2 order address (`street_1`, `state`, `zip`, `country_iso2`) or a V3 customer
    address (`address1`, `state_or_province`, `postal_code`, `country_code`)."""
    if not isinstance(payload, dict):
        return None
    found = Address(
        first_name=text(payload.get("first_name")),
        last_name=text(payload.get("last_name")),
        company=text(payload.get("company")),
        address1=text(payload.get("street_1") or payload.get("address1")),
        address2=text(payload.get("street_2") or payload.get("address2")),
        city=text(payload.get("city")),
        province=text(payload.get("state") or payload.get("state_or_province")),
        postal_code=text(payload.get("zip") or payload.get("postal_code")),
        country=text(payload.get("country")),
        country_code=text(payload.get("country_iso2") or payload.get("country_code")),
        phone=text(payload.get("phone")),
    )
    return None if found == Address() else found
