"""Canonical objects inside write outcomes: stored as JSON, rebuilt for GraphQL results."""

from __future__ import annotations

from typing import Any, TypeVar

import orjson
from pydantic import ValidationError

from platforms.canonical import Entity, Fulfillment, Refund
from platforms.errors import PayloadError
from platforms.writes.commands import WriteOutcome

E = TypeVar("E", bound=Entity)
NAMED_PROBLEMS = 3  # a report line, not a dump: the first few fields that failed


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


def fulfillment_of(data: Any, **where: Any) -> Fulfillment | None:
    """The canonical fulfillment an outcome carries under "fulfillment", if any; PayloadError
    (with `where`: store_id, operation, external_id) when the stored one does not validate."""
    return _stored(Fulfillment, data, "fulfillment", where)


def refund_of(data: Any, **where: Any) -> Refund | None:
    """The canonical refund an outcome carries under "refund", if any; PayloadError (with
    `where`: store_id, operation, external_id) when the stored one does not validate."""
    return _stored(Refund, data, "refund", where)


def _stored(model: type[E], data: Any, name: str, where: dict[str, Any]) -> E | None:
    # Outcomes are durable: one stored by an earlier version (or a mapper gap) may no longer
    # meet today's strict model. The write did happen, so this costs only this field.
    value = data.get(name) if isinstance(data, dict) else None
    if not value:
        return None
    try:
        return model.model_validate_json(orjson.dumps(value))
    except (ValidationError, TypeError) as exc:  # TypeError: orjson on a non-JSON value
        message = f"The stored {name} of this write does not match the canonical model"
        raise PayloadError(
            f"{message} ({_problems(exc)}); the write itself succeeded", **where
        ) from None


def _problems(exc: Exception) -> str:
    """Which fields failed and how (pydantic's error types), never their values."""
    if not isinstance(exc, ValidationError):
        return "not JSON"
    found = [
        f"{'.'.join(str(part)[:40] for part in error['loc']) or '(root)'}: {error['type']}"
        for error in exc.errors()[:NAMED_PROBLEMS]
    ]
    more = exc.error_count() - NAMED_PROBLEMS
    return ", ".join(found) + (f" and {more} more" if more > 0 else "")
