"""What happens to a seeded Shopify order after checkout: its fulfillment and refunds."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from platforms.shopify.sandbox.format import CURRENCY, cents, clone, gid, money

Payload = dict[str, Any]

FULFILLMENT_ID_BASE = 4_500_000_000_000
REFUND_ID_BASE = 9_000_000_000_000
TRANSACTION_ID_BASE = 6_000_000_000_000


def fulfillments_for(order: Payload, lines: list[Payload], location_id: int) -> list[Payload]:
    """The one fulfillment that shipped the order's fulfilled lines (none if nothing shipped)."""
    shipped = [line for line in lines if line["fulfillment_status"] == "fulfilled"]
    if not shipped:
        return []
    ident = FULFILLMENT_ID_BASE + order["number"]
    return [
        {
            "id": ident,
            "admin_graphql_api_id": gid("Fulfillment", ident),
            "created_at": order["updated_at"],
            "location_id": location_id,
            "name": f"{order['name']}.1",
            "order_id": order["id"],
            "service": "manual",
            "shipment_status": None,
            "status": "success",
            "tracking_company": "USPS",
            "tracking_number": f"9400{order['id']}",
            "tracking_numbers": [f"9400{order['id']}"],
            "updated_at": order["updated_at"],
            "line_items": clone(shipped),
        }
    ]


def refunds_for(
    rng: random.Random, order: Payload, financial: str, total: Decimal
) -> list[Payload]:
    """Money-only refunds (no restocked lines) for refunded / partially refunded orders."""
    if financial not in ("refunded", "partially_refunded"):
        return []
    amount = total if financial == "refunded" else cents(total * Decimal(rng.randint(20, 50)) / 100)
    ident, txn = REFUND_ID_BASE + order["number"], TRANSACTION_ID_BASE + order["number"]
    return [
        {
            "id": ident,
            "admin_graphql_api_id": gid("Refund", ident),
            "created_at": order["updated_at"],
            "note": "Customer request",
            "order_id": order["id"],
            "processed_at": order["updated_at"],
            "restock": False,
            "user_id": None,
            "order_adjustments": [],
            "transactions": [
                {
                    "id": txn,
                    "admin_graphql_api_id": gid("OrderTransaction", txn),
                    "amount": money(amount),
                    "currency": CURRENCY,
                    "gateway": "shopify_payments",
                    "kind": "refund",
                    "order_id": order["id"],
                    "processed_at": order["updated_at"],
                    "status": "success",
                    "test": False,
                }
            ],
            "refund_line_items": [],
            "duties": [],
            "additional_fees": [],
        }
    ]
