"""Shopify sandbox order transactions: derived from the order's payment state and refunds,
served at GET orders/{id}/transactions.json, and the parent checks a refund of money needs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from platforms.shopify.sandbox.format import CURRENCY, gid

Payload = dict[str, Any]
SALE_ID_BASE = 5_900_000_000_000  # + order number; refund transactions have their own ids
CAPTURED_STATUSES = ("paid", "partially_paid", "partially_refunded", "refunded")


def _transaction(order: Payload, ident: int, kind: str, amount: str, **extra: Any) -> Payload:
    stamp = order["processed_at"]
    return {
        "id": ident,
        "admin_graphql_api_id": gid("OrderTransaction", ident),
        "order_id": order["id"],
        "kind": kind,
        "gateway": "shopify_payments",
        "status": "success",
        "message": None,
        "created_at": stamp,
        "test": False,
        "authorization": f"ch_{order['id']}",
        "location_id": None,
        "user_id": None,
        "parent_id": None,
        "processed_at": stamp,
        "device_id": None,
        "error_code": None,
        "source_name": "web",
        "receipt": {},
        "amount": amount,
        "currency": CURRENCY,
        "payment_id": f"{order['name']}.1",
        "manual_payment_gateway": False,
        "currency_exchange_adjustment": None,
        **extra,
    }


def payment_of(order: Payload) -> Payload | None:
    """The transaction that captured the order's money (None when nothing was captured)."""
    ident = SALE_ID_BASE + int(order["number"])
    financial = order.get("financial_status")
    if financial not in CAPTURED_STATUSES:
        return None
    amount = Decimal(order["total_price"])
    if financial == "partially_paid":
        amount = Decimal(order["total_price"]) - Decimal(order.get("total_outstanding") or 0)
    return _transaction(order, ident, "sale", f"{amount:.2f}")


def transactions_of(order: Payload) -> list[Payload]:
    """Every transaction of the order, oldest first, as transactions.json lists them."""
    ident = SALE_ID_BASE + int(order["number"])
    sale = payment_of(order)
    out: list[Payload] = []
    if sale is not None:
        out.append(sale)
    elif order.get("financial_status") in ("authorized", "voided"):
        out.append(_transaction(order, ident, "authorization", order["total_price"]))
        if order["financial_status"] == "voided":
            out.append(
                _transaction(order, ident + 1, "void", order["total_price"], parent_id=ident)
            )
    for refund in order.get("refunds") or []:
        for txn in refund.get("transactions") or []:
            parent = txn.get("parent_id") or (sale or {}).get("id")
            out.append({**_transaction(order, txn["id"], "refund", txn["amount"]), **txn})
            out[-1]["parent_id"] = parent
    return out


def refundable(order: Payload) -> Decimal:
    """Money still refundable against the captured payment."""
    sale = payment_of(order)
    if sale is None:
        return Decimal(0)
    refunded = sum(
        (Decimal(t["amount"]) for r in order.get("refunds") or [] for t in r["transactions"]),
        Decimal(0),
    )
    return Decimal(sale["amount"]) - refunded


def check_parent(order: Payload, txn: Payload) -> str | None:
    """Why a refund transaction's parent is unacceptable (None when it is fine)."""
    parent = txn.get("parent_id")
    if parent is None or parent == "":
        return "can't be blank"
    sale = payment_of(order)
    if sale is None or str(parent) != str(sale["id"]):
        return "must be a successful sale or capture of this order"
    return None
