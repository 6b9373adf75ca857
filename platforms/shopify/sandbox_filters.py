"""Resource-specific Shopify list filters for the sandbox: orders and products."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from platforms.shopify.sandbox_query import QueryError, id_filter, time_filter

Payload = dict[str, Any]
Predicate = Callable[[Payload], bool]

_UNPAID = frozenset({"authorized", "pending", "partially_paid"})


def _order_status(value: str) -> Predicate:
    # Shopify's default listing is status=open: closed and cancelled orders need status=any.
    if value == "open":
        return lambda o: o.get("closed_at") is None and o.get("cancelled_at") is None
    if value == "closed":
        return lambda o: o.get("closed_at") is not None
    if value == "cancelled":
        return lambda o: o.get("cancelled_at") is not None
    if value == "any":
        return lambda o: True
    raise QueryError(400, {"status": "Invalid value."})


def _financial(value: str) -> Predicate:
    if value == "any":
        return lambda o: True
    if value == "unpaid":
        return lambda o: o.get("financial_status") in _UNPAID
    return lambda o: o.get("financial_status") == value


def _fulfillment(value: str) -> Predicate:
    if value == "any":
        return lambda o: True
    if value == "shipped":
        return lambda o: o.get("fulfillment_status") == "fulfilled"
    if value == "unshipped":
        return lambda o: o.get("fulfillment_status") is None
    if value == "unfulfilled":
        return lambda o: o.get("fulfillment_status") in (None, "partial")
    return lambda o: o.get("fulfillment_status") == value


def order_filter(filters: Mapping[str, str]) -> Predicate:
    """Everything GET orders.json filters on, compiled once per request."""
    checks = [
        id_filter(filters),
        time_filter(filters),
        _order_status(filters.get("status", "open")),
        _financial(filters.get("financial_status", "any")),
        _fulfillment(filters.get("fulfillment_status", "any")),
    ]
    return lambda row: all(check(row) for check in checks)


def _one_of(field_name: str, raw: str | None) -> Predicate:
    if raw is None:
        return lambda p: True
    allowed = {part.strip() for part in raw.split(",") if part.strip()}
    return lambda p: p.get(field_name) in allowed


def product_filter(filters: Mapping[str, str]) -> Predicate:
    """Everything GET products.json filters on (all statuses unless `status` is given)."""
    checks = [
        id_filter(filters),
        time_filter(filters),
        _one_of("status", filters.get("status")),
        _one_of("vendor", filters.get("vendor")),
        _one_of("product_type", filters.get("product_type")),
        _one_of("handle", filters.get("handle")),
        _one_of("title", filters.get("title")),
    ]
    return lambda row: all(check(row) for check in checks)
