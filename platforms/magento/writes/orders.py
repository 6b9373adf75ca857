"""Magento order documents: shipments (order/{id}/ship) and offline credit memos
(order/{id}/refund), each tagged in its comment so a reconcile can find it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from platforms.canonical import Platform
from platforms.errors import InvalidInputError, NotFoundError, PayloadError
from platforms.magento.client import MagentoClient
from platforms.magento.mapping.people import map_creditmemo, map_shipment
from platforms.magento.pagination import SearchCriteria
from platforms.writes.commands import (
    Checkpoint,
    CreateFulfillment,
    CreateRefund,
    OutcomeUnknownError,
    WriteOutcome,
    operation_tag,
)
from platforms.writes.kit import RestWriter
from platforms.writes.results import as_json

Payload = dict[str, Any]
Document = CreateFulfillment | CreateRefund
CARRIERS = {"ups": "ups", "usps": "usps", "fedex": "fedex", "dhl": "dhl"}
CENT = Decimal("0.01")


class MagentoOrderWrites:
    """The shipment and credit-memo half of `MagentoWriter`."""

    def __init__(self, writer: RestWriter[MagentoClient]) -> None:
        self.writer = writer

    async def _documents(self, kind: str, order_id: str) -> list[Payload]:
        """The order's shipments or credit memos (`kind`: "shipments" / "creditmemos")."""
        ctx = self.writer.ctx(f"list_{kind}", order_id)
        criteria = SearchCriteria().where("order_id", str(_numeric(order_id))).page(1, 300)
        body = await self.writer.read(kind, criteria.params(), ctx)
        items = body.get("items") if isinstance(body, dict) else None
        return [i for i in items or [] if isinstance(i, dict)]

    async def _document(self, kind: str, ident: str) -> Payload:
        ctx = self.writer.ctx(f"get_{kind}", ident)
        criteria = SearchCriteria().where("entity_id", ident).page(1, 1)
        body = await self.writer.read(kind, criteria.params(), ctx)
        items = body.get("items") if isinstance(body, dict) else None
        if not items or not isinstance(items[0], dict):
            raise PayloadError(
                f"Magento created {kind} {ident} but does not list it",
                store_id=ctx.store_id,
                platform=ctx.platform,
                operation=ctx.operation,
            )
        return dict(items[0])

    async def prepare(self, command: Document) -> Checkpoint:
        """The order's documents before (to recognise a new one); refunds: unit amounts."""
        kind = "shipments" if isinstance(command, CreateFulfillment) else "creditmemos"
        known = [str(d.get("entity_id")) for d in await self._documents(kind, command.order_id)]
        checkpoint: Checkpoint = {"known": known}
        if isinstance(command, CreateRefund):
            ctx = self.writer.ctx("get_order", command.order_id)
            order = await self.writer.read(f"orders/{_numeric(command.order_id)}", {}, ctx)
            rows = [r for r in _rows(order) if "parent_item_id" not in r]
            checkpoint["items"] = [str(r.get("item_id")) for r in rows]
            checkpoint["unit"] = {str(r.get("item_id")): str(_unit(r)) for r in rows}
        return checkpoint

    async def execute(
        self, command: Document, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome:
        """One POST; then the new document is read back and mapped."""
        tag = operation_tag(operation_key)
        order = _numeric(command.order_id)
        if isinstance(command, CreateFulfillment):
            ctx = self.writer.ctx("create_shipment", command.order_id)
            answer = await self.writer.send("POST", f"order/{order}/ship", _ship(command, tag), ctx)
            return await self._shipment_outcome(str(_document_id(answer, ctx.operation)))
        ctx = self.writer.ctx("create_creditmemo", command.order_id)
        body = _refund(command, tag, checkpoint)
        answer = await self.writer.send("POST", f"order/{order}/refund", body, ctx)
        return await self._memo_outcome(str(_document_id(answer, ctx.operation)))

    async def reconcile(
        self, command: Document, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome | None:
        """Our tagged document if it exists; None when the order has no new one."""
        is_ship = isinstance(command, CreateFulfillment)
        kind = "shipments" if is_ship else "creditmemos"
        known = set(checkpoint.get("known") or [])
        new = [
            d
            for d in await self._documents(kind, command.order_id)
            if str(d.get("entity_id")) not in known
        ]
        tag = operation_tag(operation_key)
        ours = [d for d in new if any(tag in str(c.get("comment")) for c in _comments(d))]
        number = command.tracking_number if isinstance(command, CreateFulfillment) else None
        if not ours and number:
            ours = [d for d in new if number in _track_numbers(d)]
        if len(ours) == 1:
            if is_ship:
                return self._shipment_result(ours[0])
            return self._memo_result(ours[0])
        if not new:
            return None
        raise OutcomeUnknownError(
            f"Order {command.order_id} has {len(new)} new {kind} and none (or several) carry "
            "this operation's tag; a person must decide",
            store_id=self.writer.client.connection.store_id,
            platform=Platform.MAGENTO.value,
        )

    async def _shipment_outcome(self, ident: str) -> WriteOutcome:
        return self._shipment_result(await self._document("shipments", ident))

    async def _memo_outcome(self, ident: str) -> WriteOutcome:
        return self._memo_result(await self._document("creditmemos", ident))

    def _shipment_result(self, payload: Payload) -> WriteOutcome:
        shipment = map_shipment(payload, store_id=self.writer.client.connection.store_id)
        data = {
            "fulfillment_id": shipment.external_id,
            "order_id": shipment.order_external_id,
            "status": shipment.status.value,
            "tracking_company": shipment.tracking_company,
            "tracking_number": next(iter(shipment.tracking_numbers), None),
            "tracking_url": None,
            "lines": [
                {"line_item_id": li.line_item_external_id, "quantity": li.quantity}
                for li in shipment.lines
            ],
            "fulfillment": as_json(shipment),
        }
        return WriteOutcome(data)

    def _memo_result(self, payload: Payload) -> WriteOutcome:
        connection = self.writer.client.connection
        memo = map_creditmemo(
            payload, store_id=connection.store_id, default_currency=connection.currency_code
        )
        data = {
            "refund_id": memo.external_id,
            "order_id": memo.order_external_id,
            "amount": f"{memo.amount.amount:.2f}",
            "lines": [
                {"line_item_id": li.line_item_external_id, "quantity": li.quantity}
                for li in memo.lines
            ],
            "refund": as_json(memo),
        }
        return WriteOutcome(data)


def _ship(command: CreateFulfillment, tag: str) -> Payload:
    body: Payload = {
        "items": [
            {"order_item_id": _numeric(li.line_item_id), "qty": li.quantity} for li in command.lines
        ],
        "notify": command.notify,
        # the comment is what reconcile finds the shipment by (tracks may be absent).
        "appendComment": True,
        "comment": {"comment": f"[{tag}]", "is_visible_on_front": 0},
    }
    if command.tracking_number:
        company = command.tracking_company or "Custom"
        body["tracks"] = [
            {
                "track_number": command.tracking_number,
                "title": company,
                "carrier_code": CARRIERS.get(company.strip().lower(), "custom"),
            }
        ]
    if command.location_id:
        body["arguments"] = {"extension_attributes": {"source_code": command.location_id}}
    return body


def _refund(command: CreateRefund, tag: str, checkpoint: Checkpoint) -> Payload:
    """The credit memo request. Without lines every item is named with qty 0 (Magento would
    otherwise refund them all); `amount` becomes the adjustment that makes the total match."""
    units = {k: Decimal(v) for k, v in (checkpoint.get("unit") or {}).items()}
    if command.lines:
        items = [(li.line_item_id, li.quantity) for li in command.lines]
    else:
        items = [(ident, 0) for ident in checkpoint.get("items") or []]
    for ident, _ in items:
        if ident not in units:
            raise InvalidInputError(f"Order {command.order_id} has no item {ident[:40]!r}")
    shipping = Decimal(command.shipping_amount or 0)
    lines_total = sum((units[i] * q for i, q in items), Decimal(0)).quantize(CENT)
    adjustment = Decimal(0)
    if command.amount is not None:
        adjustment = Decimal(command.amount) - lines_total - shipping
    reason = f"{command.reason} [{tag}]" if command.reason else f"[{tag}]"
    return {
        "items": [{"order_item_id": _numeric(i), "qty": q} for i, q in items],
        "notify": command.notify,
        "appendComment": True,
        "comment": {"comment": reason, "is_visible_on_front": 0},
        "arguments": {
            "shipping_amount": float(shipping),
            "adjustment_positive": float(max(adjustment, Decimal(0))),
            "adjustment_negative": float(max(-adjustment, Decimal(0))),
            "extension_attributes": {
                "return_to_stock_items": [
                    _numeric(li.line_item_id) for li in command.lines if li.restock
                ]
            },
        },
    }


def _unit(row: Payload) -> Decimal:
    """Money one unit of an order row refunds: price plus its tax minus its discount."""
    ordered = Decimal(str(row.get("qty_ordered") or 1)) or Decimal(1)
    tax = Decimal(str(row.get("tax_amount") or 0))
    discount = Decimal(str(row.get("discount_amount") or 0))
    return Decimal(str(row.get("price") or 0)) + (tax - discount) / ordered


def _rows(order: Any) -> list[Payload]:
    items = order.get("items") if isinstance(order, dict) else None
    return [r for r in items or [] if isinstance(r, dict)]


def _comments(document: Payload) -> list[Payload]:
    return [c for c in document.get("comments") or [] if isinstance(c, dict)]


def _track_numbers(document: Payload) -> list[str]:
    tracks = [t for t in document.get("tracks") or [] if isinstance(t, dict)]
    return [str(t.get("track_number")) for t in tracks]


def _document_id(answer: Any, operation: str) -> int:
    """Magento answers a created document's id as a JSON string or number."""
    if isinstance(answer, int | str) and not isinstance(answer, bool) and str(answer).isdigit():
        return int(answer)
    raise PayloadError(f"Magento {operation} answered {str(answer)[:40]!r}, not an id")


def _numeric(ident: str) -> int:
    """Magento entity ids are integers: anything else cannot exist there."""
    if not (ident.isascii() and ident.isdigit()):
        raise NotFoundError(f"No Magento object with id {ident[:40]!r}")
    return int(ident)
