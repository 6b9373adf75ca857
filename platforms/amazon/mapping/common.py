"""Helpers the Amazon mappers share: money, timestamps, addresses, marketplaces."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from platforms.canonical import Address, CustomField, Money
from platforms.errors import PayloadError
from platforms.mapping.kit import utc_datetime

# marketplace id -> the currency Amazon sells in there (Amazon's published marketplace list)
MARKETPLACES: dict[str, str] = {
    "ATVPDKIKX0DER": "USD",
    "A2EUQ1WTGCTBG2": "CAD",
    "A1AM78C64UM0Y8": "MXN",
    "A2Q3Y263D00KWC": "BRL",
    "A1F83G8C2ARO7P": "GBP",
    "A1PA6795UKMFR9": "EUR",
    "A13V1IB3VIYZZH": "EUR",
    "APJ6JRA9NG5V4": "EUR",
    "A1RKKUPIHCS9HS": "EUR",
    "A1VC38T7YXB528": "JPY",
    "A39IBJ37TRP1C6": "AUD",
}
NAMESPACE = "amazon"


def marketplace_currency(marketplace_id: str | None) -> str | None:
    """The currency Amazon sells in on a marketplace (None when the id is unknown)."""
    return MARKETPLACES.get(marketplace_id or "")


def decimal_of(value: Any, what: str) -> Decimal:
    """A decimal string (SP-API `Decimal`) as Decimal; PayloadError naming `what`."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise PayloadError(f"{what} is not a decimal amount") from exc
    if not amount.is_finite():
        raise PayloadError(f"{what} is not a finite amount")
    return amount


def money_of(value: Any, currency: str, what: str) -> Money:
    """An SP-API `Money` ({amount, currencyCode}) that must be in `currency`."""
    if not isinstance(value, dict):
        raise PayloadError(f"{what} is not a Money object")
    code = value.get("currencyCode") or value.get("CurrencyCode")
    if code != currency:
        raise PayloadError(f"{what} is in {str(code)[:3]!r}, not the order's {currency}")
    return Money(
        amount=decimal_of(value.get("amount", value.get("Amount")), what), currency_code=currency
    )


def zero(currency: str) -> Money:
    """Nothing, in `currency`."""
    return Money(amount=Decimal(0), currency_code=currency)


def timestamp(value: Any, what: str) -> datetime:
    """An SP-API ISO 8601 timestamp as aware UTC; PayloadError naming `what`."""
    parsed = utc_datetime(value.replace("Z", "+00:00")) if isinstance(value, str) else None
    if parsed is None:
        raise PayloadError(f"{what} is not an ISO 8601 timestamp")
    return parsed


def optional_timestamp(value: Any) -> datetime | None:
    """A timestamp, or None when absent or empty (FBA sends "" for never)."""
    if not isinstance(value, str) or not value:
        return None
    return utc_datetime(value.replace("Z", "+00:00"))


def text(value: Any) -> str | None:
    """A non-empty string, else None."""
    return value if isinstance(value, str) and value.strip() else None


def address(payload: Any) -> Address | None:
    """An SP-API address (Orders 2026 `CustomerAddress`, v0 `Address`); the full name is split
    at its last space (Amazon holds one name)."""
    if not isinstance(payload, dict):
        return None
    name = text(payload.get("name") or payload.get("Name"))
    first, _, last = (name or "").rpartition(" ")
    lines = [
        text(payload.get(k) or payload.get(k[0].upper() + k[1:]))
        for k in ("addressLine1", "addressLine2", "addressLine3")
    ]
    region = text(payload.get("stateOrRegion") or payload.get("StateOrRegion"))
    return Address(
        first_name=first or None,
        last_name=last or None,
        company=text(payload.get("companyName")),
        address1=lines[0],
        address2=", ".join(x for x in lines[1:] if x) or None,
        city=text(payload.get("city") or payload.get("City")),
        province_code=region,
        postal_code=text(payload.get("postalCode") or payload.get("PostalCode")),
        country_code=text(payload.get("countryCode") or payload.get("CountryCode")),
        phone=text(payload.get("phone") or payload.get("Phone")),
    )


def field(key: str, value: Any) -> CustomField:
    """A custom field in the `amazon` namespace."""
    return CustomField(namespace=NAMESPACE, key=key, value=value)
