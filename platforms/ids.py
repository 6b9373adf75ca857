"""Global opaque ids: url-safe base64 of (kind, store, external id), decodable without state."""

from __future__ import annotations

import base64
import binascii
import enum
from typing import NamedTuple

from platforms.errors import InvalidInputError


class Kind(enum.StrEnum):
    """Kinds of object a global id can name."""

    STORE = "Store"
    LOCATION = "Location"
    ORDER = "Order"
    PRODUCT = "Product"
    VARIANT = "Variant"
    INVENTORY_LEVEL = "InventoryLevel"
    CUSTOMER = "Customer"
    FULFILLMENT = "Fulfillment"
    REFUND = "Refund"


class GlobalId(NamedTuple):
    """A decoded global id."""

    store_id: str
    kind: Kind
    external_id: str


_PREFIX = "cg1"


def encode_id(store_id: str, kind: Kind, external_id: str) -> str:
    """Encode a global id; store ids cannot contain ':' (config validation ensures it)."""
    raw = f"{_PREFIX}:{kind.value}:{store_id}:{external_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_id(value: str, expected: Kind | None = None) -> GlobalId:
    """Decode a global id, raising InvalidInputError naming what is wrong."""
    try:
        padded = value + "=" * (-len(value) % 4)
        text = base64.urlsafe_b64decode(padded.encode()).decode()
        prefix, kind_text, store_id, external_id = text.split(":", 3)
        kind = Kind(kind_text)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInputError(f"Malformed id {value[:64]!r}") from exc
    if prefix != _PREFIX or not store_id or not external_id:
        raise InvalidInputError(f"Malformed id {value[:64]!r}")
    if expected is not None and kind is not expected:
        raise InvalidInputError(f"Id {value[:64]!r} names a {kind.value}, not a {expected.value}")
    return GlobalId(store_id, kind, external_id)
