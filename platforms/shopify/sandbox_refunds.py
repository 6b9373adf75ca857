"""Shopify sandbox refunds: POST orders/{id}/refunds.json against the captured payment, and
GET orders/{id}/transactions.json."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aiohttp import web

from platforms.shopify.sandbox_after import REFUND_ID_BASE
from platforms.shopify.sandbox_format import CURRENCY, clone, gid
from platforms.shopify.sandbox_routes import json_response, not_found
from platforms.shopify.sandbox_transactions import check_parent, refundable, transactions_of
from platforms.shopify.sandbox_write_kit import (
    FO_LINE_OFFSET,
    Unprocessable,
    money_field,
    now,
    read_json,
)

if TYPE_CHECKING:
    from platforms.sandbox_writes import WriteLog
    from platforms.shopify.seed import ShopifyState

Payload = dict[str, Any]


class ShopifyRefundRoutes:
    """The refund half of `ShopifyWriteRoutes` (a mixin over its state, log and helpers)."""

    if TYPE_CHECKING:
        state: ShopifyState
        log: WriteLog
        _ids: itertools.count[int]

        def _order(self, request: web.Request) -> Payload | None: ...
        def _restock(self, line: Payload, quantity: int) -> None: ...
        async def _applied(self, what: str) -> None: ...

    async def refund(self, request: web.Request) -> web.Response:
        """POST orders/{id}/refunds.json {"refund": {note, refund_line_items, shipping, ...}}."""
        order = self._order(request)
        if order is None:
            return not_found()
        body = (await read_json(request)).get("refund")
        if not isinstance(body, dict):
            raise Unprocessable({"refund": ["Required parameter missing or invalid"]})
        self._check_transactions(order, body.get("transactions") or [])
        lines = self._refund_lines(order, body.get("refund_line_items") or [])
        saved = self._record_refund(order, body, lines)
        self.log.announce("refunds/create", saved)
        self.log.announce("orders/updated", order)
        await self._applied(f"refund:{order['id']}")
        return json_response({"refund": saved}, status=201)

    def _check_transactions(self, order: Payload, transactions: Any) -> None:
        """Money goes back only against the captured payment: `parent_id` is required."""
        if not isinstance(transactions, list):
            raise Unprocessable({"transactions": ["must be a list"]})
        total = Decimal(0)
        for txn in transactions:
            why = check_parent(order, txn) if isinstance(txn, dict) else "is invalid"
            if why is not None:
                raise Unprocessable({"transactions.parent_id": [why]})
            total += Decimal(money_field(txn.get("amount"), "amount", nullable=False) or 0)
        if total > refundable(order):
            raise Unprocessable(
                {"base": [f"Refund amount must be less than or equal to {refundable(order)}"]}
            )

    async def transactions(self, request: web.Request) -> web.Response:
        """GET orders/{id}/transactions.json."""
        order = self._order(request)
        if order is None:
            return not_found()
        return json_response({"transactions": transactions_of(order)})

    def _refund_lines(self, order: Payload, requested: list[Any]) -> list[Payload]:
        by_id = {line["id"]: line for line in order["line_items"]}
        refunded: dict[int, int] = {}
        for refund in order["refunds"]:
            for item in refund["refund_line_items"]:
                refunded[item["line_item_id"]] = refunded.get(item["line_item_id"], 0) + int(
                    item["quantity"]
                )
        out = []
        for n, item in enumerate(requested):
            line = by_id.get(item.get("line_item_id")) if isinstance(item, dict) else None
            if line is None:
                raise Unprocessable({"refund_line_items": [f"line item {n} does not exist"]})
            quantity = int(item.get("quantity") or 0)
            if quantity <= 0 or quantity + refunded.get(line["id"], 0) > line["quantity"]:
                raise Unprocessable(
                    {"refund_line_items.quantity": ["cannot refund more items than were purchased"]}
                )
            subtotal = Decimal(line["price"]) * quantity
            restock = item.get("restock_type", "no_restock")
            if restock in ("return", "cancel"):
                self._restock(line, quantity)
            out.append(
                {
                    "id": line["id"] + 2 * FO_LINE_OFFSET,
                    "line_item_id": line["id"],
                    "quantity": quantity,
                    "restock_type": restock,
                    "location_id": self.state.locations[0]["id"]
                    if restock != "no_restock"
                    else None,
                    "subtotal": float(subtotal),  # numbers here, strings in *_set: Shopify's quirk
                    "total_tax": 0.0,
                    "line_item": clone(line),
                }
            )
        return out

    def _record_refund(self, order: Payload, body: Payload, lines: list[Payload]) -> Payload:
        ident = REFUND_ID_BASE + next(self._ids)
        stamp = now()
        transactions = []
        for n, txn in enumerate(body.get("transactions") or []):
            amount = money_field(txn.get("amount"), "amount", nullable=False)
            transactions.append(
                {
                    "id": ident + 1 + n,
                    "amount": amount,
                    "currency": CURRENCY,
                    "gateway": txn.get("gateway", "manual"),
                    "kind": "refund",
                    "order_id": order["id"],
                    "parent_id": int(txn["parent_id"]),
                    "processed_at": stamp,
                    "status": "success",
                    "test": False,
                }
            )
        saved = {
            "id": ident,
            "admin_graphql_api_id": gid("Refund", ident),
            "created_at": stamp,
            "note": body.get("note"),
            "order_id": order["id"],
            "processed_at": stamp,
            "restock": any(line["restock_type"] != "no_restock" for line in lines),
            "user_id": None,
            "order_adjustments": [],
            "transactions": transactions,
            "refund_line_items": lines,
            "duties": [],
            "additional_fees": [],
        }
        order["refunds"].append(saved)
        refunded = sum(Decimal(t["amount"]) for r in order["refunds"] for t in r["transactions"])
        total = Decimal(order["total_price"])
        if refunded > 0:
            order["financial_status"] = "refunded" if refunded >= total else "partially_refunded"
        order["updated_at"] = stamp
        return saved
