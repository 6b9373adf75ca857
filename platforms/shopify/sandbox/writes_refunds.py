"""Shopify sandbox refunds: POST orders/{id}/refunds.json against the captured payment, and
GET orders/{id}/transactions.json."""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from aiohttp import web

from platforms.shopify.sandbox.format import CURRENCY, cents, clone, gid, money, money_set
from platforms.shopify.sandbox.query import json_response, not_found
from platforms.shopify.sandbox.seed_after import REFUND_ID_BASE
from platforms.shopify.sandbox.transactions import (
    check_parent,
    payment_of,
    refundable,
    transactions_of,
)
from platforms.shopify.sandbox.writes_common import (
    FO_LINE_OFFSET,
    Unprocessable,
    money_field,
    now,
    read_json,
)

if TYPE_CHECKING:
    from platforms.sandbox.writes import WriteLog
    from platforms.shopify.sandbox.seed import ShopifyState

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
        saved = self.apply_refund(order, body)
        await self._applied(f"refund:{order['id']}")
        return json_response({"refund": saved}, status=201)

    def apply_refund(self, order: Payload, body: Payload) -> Payload:
        """Record a refund (REST's `refund` body) and send `refunds/create` + `orders/updated`."""
        self._check_transactions(order, body.get("transactions") or [])
        lines = self._refund_lines(order, body.get("refund_line_items") or [])
        saved = self._record_refund(order, body, lines)
        self.log.announce("refunds/create", saved)
        self.log.announce("orders/updated", order)
        return saved

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

    def _refund_lines(
        self, order: Payload, requested: list[Any], *, restock: bool = True
    ) -> list[Payload]:
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
            subtotal, tax, _ = line_refund(line, quantity)
            restock_type = item.get("restock_type", "no_restock")
            if restock_type in ("return", "cancel") and restock:
                self._restock(line, quantity)
            out.append(
                {
                    "id": line["id"] + 2 * FO_LINE_OFFSET,
                    "line_item_id": line["id"],
                    "quantity": quantity,
                    "restock_type": restock_type,
                    "location_id": self.state.locations[0]["id"]
                    if restock_type != "no_restock"
                    else None,
                    "subtotal": float(subtotal),  # numbers here, strings in *_set: Shopify's quirk
                    "subtotal_set": money_set(subtotal),
                    "total_tax": float(tax),
                    "total_tax_set": money_set(tax),
                    "line_item": clone(line),
                }
            )
        return out

    async def calculate_refund(self, request: web.Request) -> web.Response:
        """POST orders/{id}/refunds/calculate.json: what a refund of these lines and this
        shipping would give back, as a `suggested_refund` transaction; records nothing."""
        order = self._order(request)
        if order is None:
            return not_found()
        body = (await read_json(request)).get("refund")
        if not isinstance(body, dict):
            raise Unprocessable({"refund": ["Required parameter missing or invalid"]})
        lines = self._refund_lines(order, body.get("refund_line_items") or [], restock=False)
        shipping = _shipping_refund(order, body.get("shipping"))
        total = sum(Decimal(str(x["subtotal"])) + Decimal(str(x["total_tax"])) for x in lines)
        total += shipping["amount"] + shipping["tax"]
        return json_response({"refund": _calculated(order, lines, shipping, total)})

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


def line_refund(line: Payload, quantity: int) -> tuple[Decimal, Decimal, Decimal]:
    """(subtotal after discounts, tax, discount) of `quantity` units of an order line: its
    discount allocations and tax lines shared out per unit, as Shopify computes them."""
    share = Decimal(quantity) / Decimal(line["quantity"])
    allocated = sum(
        (Decimal(a["amount"]) for a in line.get("discount_allocations") or []), Decimal(0)
    )
    tax = sum((Decimal(t["price"]) for t in line.get("tax_lines") or []), Decimal(0))
    discount = cents(allocated * share)
    return Decimal(line["price"]) * quantity - discount, cents(tax * share), discount


def _shipping_refund(order: Payload, asked: Any) -> dict[str, Decimal]:
    """The shipping a calculated refund gives back: all of it, an amount, or none."""
    charged = sum((Decimal(s["discounted_price"]) for s in order["shipping_lines"]), Decimal(0))
    tax = sum(
        (Decimal(t["price"]) for s in order["shipping_lines"] for t in s.get("tax_lines") or []),
        Decimal(0),
    )
    if not isinstance(asked, dict):
        return {"amount": Decimal(0), "tax": Decimal(0), "maximum_refundable": charged}
    if asked.get("full_refund"):
        return {"amount": charged, "tax": tax, "maximum_refundable": charged}
    amount = min(Decimal(money_field(asked.get("amount"), "amount", nullable=True) or 0), charged)
    return {"amount": amount, "tax": Decimal(0), "maximum_refundable": charged}


def _calculated(
    order: Payload, lines: list[Payload], shipping: dict[str, Decimal], total: Decimal
) -> Payload:
    """The calculate answer: lines with their amounts, shipping, a suggested transaction."""
    sale = payment_of(order)
    suggested = min(total, refundable(order))
    transactions = (
        [
            {
                "order_id": order["id"],
                "kind": "suggested_refund",
                "gateway": sale["gateway"],
                "parent_id": sale["id"],
                "amount": money(suggested),
                "currency": CURRENCY,
                "maximum_refundable": money(refundable(order)),
            }
        ]
        if sale is not None
        else []
    )
    zero = money_set(Decimal(0))
    return {
        "shipping": {k: money(v) for k, v in shipping.items()},
        "duties": [],
        "total_duties_set": zero,
        "additional_fees": [],
        "total_additional_fees_set": zero,
        "return": None,
        "refund_line_items": [_calculated_line(x) for x in lines],
        "transactions": transactions,
        "currency": CURRENCY,
    }


def _calculated_line(line: Payload) -> Payload:
    item = line["line_item"]
    _, _, discount = line_refund(item, line["quantity"])
    return {
        "quantity": line["quantity"],
        "line_item_id": line["line_item_id"],
        "location_id": line["location_id"],
        "restock_type": line["restock_type"],
        "price": item["price"],
        "subtotal": money(Decimal(str(line["subtotal"]))),
        "total_tax": money(Decimal(str(line["total_tax"]))),
        "discounted_price": item["price"],
        "discounted_total_price": money(Decimal(item["price"]) * line["quantity"]),
        "total_cart_discount_amount": money(discount),
    }
