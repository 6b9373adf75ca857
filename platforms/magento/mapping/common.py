"""Tolerant converters from Magento wire values (numbers, "Y-m-d H:i:s" UTC) to exact types."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import ValidationError

from platforms.canonical import Address, CustomField, Money
from platforms.errors import PayloadError
from platforms.mapping.kit import utc_datetime

MAGENTO_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"

T = TypeVar("T")


def checked(build: Callable[[], T], what: str) -> T:
    """Run a canonical constructor; a model validation failure becomes a PayloadError
    naming the offending field (never the payload itself)."""
    try:
        return build()
    except ValidationError as exc:
        errors = exc.errors()
        where = ".".join(str(part) for part in errors[0]["loc"]) if errors else "?"
        raise PayloadError(f"Magento {what} has an invalid {where!r}") from exc


def to_decimal(value: Any, default: Decimal = Decimal(0)) -> Decimal:
    """Money/number from a JSON number or numeric string; `default` when missing or odd."""
    if value is None or isinstance(value, bool):
        return default
    text = str(value).strip()
    if not text:
        return default
    try:
        # str() first: Decimal(0.1) would carry the binary float error into money.
        result = Decimal(text)
    except (InvalidOperation, ValueError):
        result = Decimal("NaN")
    if not result.is_finite():
        # a value that is there but not a number must not become a silent 0 in a total
        raise PayloadError("Magento amount is not a number")
    return result


def currency_code(value: Any, default: str) -> str:
    """An ISO currency code from the payload, or `default` when missing or malformed."""
    text = opt_str(value)
    code = text.upper() if text else ""
    return code if len(code) == 3 and code.isalpha() and code.isascii() else default


def money(value: Any, currency: str) -> Money:
    """A Money from a Magento amount (JSON number); missing amounts are zero."""
    return Money(amount=to_decimal(value), currency_code=currency)


def to_int(value: Any, default: int = 0) -> int:
    """An int from a number or numeric string (qty "1.0000" included); `default` otherwise."""
    if value is None or isinstance(value, bool):
        return default
    try:
        return int(Decimal(str(value).strip()))
    except (InvalidOperation, ValueError, OverflowError):
        return default


def parse_time(value: Any) -> datetime | None:
    """Aware UTC datetime from Magento's "YYYY-MM-DD HH:MM:SS" (UTC) or ISO 8601; else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    # Magento stores and returns UTC without an offset.
    return utc_datetime(value.strip().replace("T", " ").replace("Z", "+00:00"))


def require_time(payload: Mapping[str, Any], field: str, what: str) -> datetime:
    """A mandatory timestamp; PayloadError naming the field when absent or unparseable."""
    parsed = parse_time(payload.get(field))
    if parsed is None:
        raise PayloadError(f"Magento {what} has no valid {field!r}")
    return parsed


def format_time(value: datetime) -> str:
    """Magento's filter format for a datetime (naive input is taken as UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime(MAGENTO_TIME_FORMAT)


def require_id(payload: Mapping[str, Any], field: str, what: str) -> str:
    """A mandatory id as str; PayloadError naming the field when absent."""
    value = payload.get(field)
    if value is None or isinstance(value, bool) or str(value).strip() == "":
        raise PayloadError(f"Magento {what} has no {field!r}")
    return str(value)


def opt_str(value: Any) -> str | None:
    """A non-empty string or None."""
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return text or None


def as_dict(value: Any) -> dict[str, Any]:
    """The value if it is a JSON object, else an empty dict."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """The value if it is a JSON array, else an empty list."""
    return value if isinstance(value, list) else []


def custom_fields(payload: Mapping[str, Any]) -> tuple[CustomField, ...]:
    """`custom_attributes` ({attribute_code, value}) as canonical custom fields."""
    fields = []
    for entry in as_list(payload.get("custom_attributes")):
        code = opt_str(as_dict(entry).get("attribute_code"))
        if code is not None:
            fields.append(CustomField(key=code, value=entry.get("value")))
    return tuple(fields)


def custom_attribute(payload: Mapping[str, Any], code: str) -> Any:
    """One custom attribute's value, or None."""
    for entry in as_list(payload.get("custom_attributes")):
        if as_dict(entry).get("attribute_code") == code:
            return entry.get("value")
    return None


def address(payload: Any) -> Address | None:
    """A Magento order address (street is an array of lines) as a canonical Address."""
    data = as_dict(payload)
    if not data:
        return None
    street = [opt_str(line) for line in as_list(data.get("street"))]
    if isinstance(data.get("street"), str):
        street = [opt_str(data["street"])]
    lines = [line for line in street if line]
    return Address(
        first_name=opt_str(data.get("firstname")),
        last_name=opt_str(data.get("lastname")),
        company=opt_str(data.get("company")),
        address1=lines[0] if lines else None,
        address2=", ".join(lines[1:]) or None,
        city=opt_str(data.get("city")),
        province=opt_str(data.get("region")),
        province_code=opt_str(data.get("region_code")),
        postal_code=opt_str(data.get("postcode")),
        country_code=opt_str(data.get("country_id")),
        phone=opt_str(data.get("telephone")),
    )
