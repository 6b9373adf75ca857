"""Magento sandbox shipments and offline credit memos: order/{id}/ship and order/{id}/refund."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from platforms.magento.sandbox.seed import num, stamp
from platforms.magento.sandbox.state import MagentoState

Payload = dict[str, Any]
SHIPMENT_ID_BASE = 7_000_000  # seeded shipments reuse their order's id; ours sit above them
CREDITMEMO_ID_BASE = 8_000_000
NO_ENTITY = "The entity that was requested doesn't exist. Verify the entity and try again."
SHIP_ERRORS = "Shipment Document Validation Error(s):\n"
MEMO_ERRORS = "Creditmemo Document Validation Error(s):\n"


class DocumentError(Exception):
    """Magento's 400 for a document that fails validation ({"message", "parameters"})."""

    def __init__(self, message: str, parameters: Any = None, status: int = 400) -> None:
        super().__init__(message)
        self.status, self.message, self.parameters = status, message, parameters


def top_rows(order: Payload) -> list[Payload]:
    """Order item rows a document may name (configurable children follow their parent)."""
    return [r for r in order["items"] if "parent_item_id" not in r]


def _children(order: Payload, row: Payload) -> list[Payload]:
    return [r for r in order["items"] if r.get("parent_item_id") == row["item_id"]]


def _qty(row: Payload, name: str) -> Decimal:
    return Decimal(str(row.get(name) or 0))


def to_ship(row: Payload) -> Decimal:
    """Units of a row still to ship (Magento's getQtyToShip)."""
    return _qty(row, "qty_ordered") - sum(
        _qty(row, n) for n in ("qty_shipped", "qty_refunded", "qty_canceled")
    )


def to_refund(row: Payload) -> Decimal:
    """Units of a row still to refund (invoiced minus refunded)."""
    return _qty(row, "qty_invoiced") - _qty(row, "qty_refunded")


def _per_unit(row: Payload, name: str) -> Decimal:
    return _qty(row, name) / (_qty(row, "qty_ordered") or Decimal(1))


def unit_refund(row: Payload) -> Decimal:
    """Money one unit of the row gives back: price plus tax minus discount, per unit."""
    return _qty(row, "price") + _per_unit(row, "tax_amount") - _per_unit(row, "discount_amount")


def _cents(amount: Decimal) -> int | float:
    return num(amount.quantize(Decimal("0.01")))


def _requested(
    order: Payload, items: Any, limit: Callable[[Payload], Decimal], prefix: str, too_many: str
) -> list[tuple[Payload, Decimal]]:
    """(row, qty) for each requested item; every row's remaining quantity when none given."""
    rows = {r["item_id"]: r for r in top_rows(order)}
    if not items:
        return [(r, limit(r)) for r in rows.values() if limit(r) > 0]
    picked = []
    for item in items if isinstance(items, list) else []:
        row = rows.get(item.get("order_item_id")) if isinstance(item, dict) else None
        qty = item.get("qty") if isinstance(item, dict) else None
        if row is None or isinstance(qty, bool) or not isinstance(qty, int | float) or qty < 0:
            raise DocumentError(prefix + "The order item id is not valid.")
        if Decimal(str(qty)) > limit(row):
            raise DocumentError(prefix + too_many.replace("%1", str(row["sku"])))
        picked.append((row, Decimal(str(qty))))
    return picked


class MagentoOrderDocuments:
    """Creates shipments and credit memos on the sandbox state, like Magento's services."""

    def __init__(self, state: MagentoState, *, msi: bool) -> None:
        self.state = state
        self.msi = msi

    def _order(self, raw: str) -> Payload:
        order = self.state.orders.get(int(raw)) if raw.isdigit() else None
        if order is None:
            raise DocumentError(NO_ENTITY, status=404)
        return order

    def ship(self, raw_id: str, body: Payload) -> int:
        """ShipOrderInterface::execute: validate, record the shipment, advance the order."""
        order = self._order(raw_id)
        if order["state"] in ("canceled", "closed", "complete", "holded"):
            raise DocumentError(SHIP_ERRORS + "The order does not allow a shipment to be created.")
        too_many = (
            "The quantity to ship must not be greater than the unshipped quantity for product: %1"
        )
        requested = _requested(order, body.get("items"), to_ship, SHIP_ERRORS, too_many)
        picked = [(r, q) for r, q in requested if q]
        if not picked:
            raise DocumentError(SHIP_ERRORS + "You can't create a shipment without products.")
        source = self._source(body)
        now = stamp(datetime.now(UTC))
        for row, qty in picked:
            for target in (row, *_children(order, row)):
                target["qty_shipped"] = num(_qty(target, "qty_shipped") + qty)
            self._deduct(row, source, qty)
        ident = SHIPMENT_ID_BASE + len(self.state.shipments) + 1
        self.state.shipments.append(_shipment(ident, order, picked, body, source, now))
        self._advance(order, now)
        return ident

    def _source(self, body: Payload) -> str:
        arguments = _object(body.get("arguments"))
        source = _object(arguments.get("extension_attributes")).get("source_code")
        known = {s["source_code"] for s in self.state.sources} if self.msi else set()
        if source is None:
            return "default"
        if self.msi and source not in known:
            raise DocumentError(SHIP_ERRORS + 'Source with code "%1" does not exist.', [source])
        return str(source)

    def _deduct(self, row: Payload, source: str, qty: Decimal) -> None:
        # MSI deducts a shipped quantity from the source it left (source deduction service).
        if not self.msi:
            return
        for item in self.state.source_items:
            if item["sku"] == row["sku"] and item["source_code"] == source:
                item["quantity"] = num(Decimal(str(item["quantity"])) - qty)
                item["status"] = int(item["quantity"] > 0)

    def refund(self, raw_id: str, body: Payload) -> int:
        """RefundOrderInterface::execute (offline): validate, record the memo, advance."""
        order = self._order(raw_id)
        paid = Decimal(str(order.get("total_paid") or 0))
        refunded = Decimal(str(order.get("total_refunded") or 0))
        if order["state"] in ("canceled", "closed", "holded") or paid - refunded <= 0:
            raise DocumentError(
                MEMO_ERRORS + "The order does not allow a creditmemo to be created."
            )
        too_many = (
            "The quantity to creditmemo must not be greater than the unrefunded quantity"
            " for product: %1"
        )
        picked = _requested(order, body.get("items"), to_refund, MEMO_ERRORS, too_many)
        arguments = _object(body.get("arguments"))
        amounts = {
            n: Decimal(str(arguments.get(n) or 0))
            for n in ("shipping_amount", "adjustment_positive", "adjustment_negative")
        }
        lines = sum((unit_refund(r) * q for r, q in picked), Decimal(0))
        total = (
            lines
            + amounts["shipping_amount"]
            + amounts["adjustment_positive"]
            - amounts["adjustment_negative"]
        ).quantize(Decimal("0.01"))
        if total <= 0 or total > paid - refunded:
            raise DocumentError(
                MEMO_ERRORS + "The most money available to refund is %1.", [num(paid - refunded)]
            )
        now = stamp(datetime.now(UTC))
        restock = _object(arguments.get("extension_attributes")).get("return_to_stock_items") or []
        for row, qty in picked:
            for target in (row, *_children(order, row)):
                target["qty_refunded"] = num(_qty(target, "qty_refunded") + qty)
            if row["item_id"] in restock:
                self._restock(row, qty)
        ident = CREDITMEMO_ID_BASE + len(self.state.creditmemos) + 1
        memo = _creditmemo(ident, order, picked, body, amounts, total, now)
        self.state.creditmemos.append(memo)
        order["total_refunded"] = num(refunded + total)
        if refunded + total >= paid:
            order["state"] = order["status"] = "closed"
        order["updated_at"] = now
        return ident

    def _restock(self, row: Payload, qty: Decimal) -> None:
        product = self.state.product_by_sku(row["sku"])
        if self.msi:
            for item in self.state.source_items:
                if item["sku"] == row["sku"] and item["source_code"] == "default":
                    item["quantity"] = num(Decimal(str(item["quantity"])) + qty)
                    item["status"] = int(item["quantity"] > 0)
        elif product is not None:
            stock = product["extension_attributes"]["stock_item"]
            stock["qty"] = num(Decimal(str(stock["qty"])) + qty)
            stock["is_in_stock"] = stock["qty"] > 0

    def _advance(self, order: Payload, now: str) -> None:
        # Magento: fully shipped and fully invoiced is complete; otherwise processing.
        rows = top_rows(order)
        shipped = all(to_ship(r) <= 0 for r in rows)
        invoiced = all(_qty(r, "qty_invoiced") >= _qty(r, "qty_ordered") for r in rows)
        order["state"] = order["status"] = "complete" if shipped and invoiced else "processing"
        order["updated_at"] = now


def _object(value: Any) -> Payload:
    return value if isinstance(value, dict) else {}


def _comments(body: Payload, parent: int, now: str) -> list[Payload]:
    comment = _object(body.get("comment"))
    if not comment or not comment.get("comment"):
        return []
    return [
        {
            "comment": str(comment["comment"]),
            "created_at": now,
            "entity_id": parent,
            "is_customer_notified": int(bool(body.get("notify"))),
            "is_visible_on_front": int(bool(comment.get("is_visible_on_front"))),
            "parent_id": parent,
        }
    ]


def _item(ident: int, n: int, row: Payload, qty: Decimal) -> Payload:
    return {
        "entity_id": ident * 10 + n,
        "parent_id": ident,
        "order_item_id": row["item_id"],
        "product_id": row["product_id"],
        "sku": row["sku"],
        "name": row["name"],
        "price": row["price"],
        "qty": num(qty),
    }


def _shipment(
    ident: int,
    order: Payload,
    picked: list[tuple[Payload, Decimal]],
    body: Payload,
    source: str,
    now: str,
) -> Payload:
    tracks = [t for t in body.get("tracks") or [] if isinstance(t, dict)]
    return {
        "entity_id": ident,
        "increment_id": f"{ident:09d}",
        "order_id": order["entity_id"],
        "store_id": 1,
        "customer_id": order["customer_id"],
        "created_at": now,
        "updated_at": now,
        "email_sent": int(bool(body.get("notify"))),
        "total_qty": num(sum((q for _, q in picked), Decimal(0))),
        "packages": [],
        "comments": _comments(body, ident, now),
        "items": [
            {**_item(ident, n, r, q), "weight": r.get("weight")} for n, (r, q) in enumerate(picked)
        ],
        "tracks": [
            {
                "entity_id": ident * 10 + n,
                "parent_id": ident,
                "order_id": order["entity_id"],
                "track_number": str(t.get("track_number") or ""),
                "title": t.get("title"),
                "carrier_code": t.get("carrier_code") or "custom",
                "created_at": now,
                "updated_at": now,
            }
            for n, t in enumerate(tracks)
        ],
        "extension_attributes": {"source_code": source},
    }


def _creditmemo(
    ident: int,
    order: Payload,
    picked: list[tuple[Payload, Decimal]],
    body: Payload,
    amounts: dict[str, Decimal],
    total: Decimal,
    now: str,
) -> Payload:
    return {
        "entity_id": ident,
        "increment_id": f"{ident:09d}",
        "order_id": order["entity_id"],
        "invoice_id": None,  # offline, not against an invoice
        "store_id": 1,
        "state": 2,  # refunded
        "created_at": now,
        "updated_at": now,
        "email_sent": int(bool(body.get("notify"))),
        "order_currency_code": order["order_currency_code"],
        "base_currency_code": order["base_currency_code"],
        "subtotal": num(sum((_qty(r, "price") * q for r, q in picked), Decimal(0))),
        "shipping_amount": num(amounts["shipping_amount"]),
        "adjustment_positive": num(amounts["adjustment_positive"]),
        "adjustment_negative": num(amounts["adjustment_negative"]),
        "grand_total": _cents(total),
        "base_grand_total": _cents(total),
        "customer_note": None,
        "comments": _comments(body, ident, now),
        "items": [
            {
                **_item(ident, n, r, q),
                "row_total": _cents(_qty(r, "price") * q),
                "tax_amount": _cents(_per_unit(r, "tax_amount") * q),
                "discount_amount": _cents(_per_unit(r, "discount_amount") * q),
            }
            for n, (r, q) in enumerate(picked)
        ],
    }
