"""Canonical objects inside write outcomes: stored as JSON, rebuilt for GraphQL results."""

from __future__ import annotations

from typing import Any

import orjson

from platforms.canonical import Entity, Fulfillment, Refund
from platforms.writes.commands import WriteOutcome


def as_json(model: Entity) -> dict[str, Any]:
    """A canonical object as plain JSON for the durable outcome (the raw payload left out)."""
    return model.model_dump(mode="json", exclude={"raw"})


def stock_outcome(
    item_id: str, location_id: str, available: Any, request_id: str | None = None
) -> WriteOutcome:
    """The outcome of a stock write: the item's level at the location afterwards."""
    level = None if available is None else int(available)
    data = {"inventory_item_id": item_id, "location_id": location_id, "available": level}
    return WriteOutcome(data, request_id)


def fulfillment_of(data: Any) -> Fulfillment | None:
    """The canonical fulfillment an outcome carries under "fulfillment", if any."""
    value = data.get("fulfillment") if isinstance(data, dict) else None
    return Fulfillment.model_validate_json(orjson.dumps(value)) if value else None


def refund_of(data: Any) -> Refund | None:
    """The canonical refund an outcome carries under "refund", if any."""
    value = data.get("refund") if isinstance(data, dict) else None
    return Refund.model_validate_json(orjson.dumps(value)) if value else None
