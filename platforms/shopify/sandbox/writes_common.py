"""Shared pieces of the Shopify sandbox write routes: the 422 error, stamps, money fields."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from platforms.shopify.sandbox.format import money, shop_ts

FO_LINE_OFFSET = 1_000_000_000_000  # FO line item id = order line id + this


class Unprocessable(Exception):
    """A 422 with Shopify's `{"errors": ...}` body."""

    def __init__(self, errors: Any, key: str = "errors") -> None:
        super().__init__(str(errors))
        self.body = {key: errors}


def now() -> str:
    """Shopify's timestamp for this moment."""
    return shop_ts(datetime.now(UTC))


def money_field(value: Any, name: str, *, nullable: bool) -> str | None:
    """A money amount as Shopify stores it, or the 422 it answers for a bad one."""
    if value is None or value == "":
        if nullable:
            return None
        raise Unprocessable({name: ["can't be blank"]})
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise Unprocessable({name: ["is not a number"]}) from None
    if not amount.is_finite() or amount < 0:
        raise Unprocessable({name: ["must be greater than or equal to 0"]})
    return money(amount)


async def read_json(request: web.Request) -> dict[str, Any]:
    """The request's JSON object ({} for no body at all: the SDK's `Order.cancel()` and
    `close()` send none, and Shopify takes that as no parameters), or Shopify's 422."""
    if not (await request.read()).strip():
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise Unprocessable("Invalid JSON in request body", key="error") from None
    if not isinstance(body, dict):
        raise Unprocessable("Invalid JSON in request body", key="error")
    return body
