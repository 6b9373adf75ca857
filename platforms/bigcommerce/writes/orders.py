"""BigCommerce order writes: cancel through the V2 status, shipments through V2
`orders/{id}/shipments`, refunds through a V3 refund quote then `payment_actions/refunds`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from platforms.bigcommerce.mapping.catalog import Payload
from platforms.bigcommerce.mapping.orders import CANCELLED_STATUS_ID, order_products
from platforms.bigcommerce.mapping.people import map_refund, map_shipment
from platforms.errors import InvalidInputError, NotFoundError, PayloadError
from platforms.writes.commands import (
    CancelOrder,
    Checkpoint,
    CreateFulfillment,
    CreateRefund,
    WriteOutcome,
    operation_tag,
)
from platforms.writes.results import as_json

if TYPE_CHECKING:
    from platforms.writes.kit import RestWriter

WITH_LINES = {"include": "consignments.line_items", "consignment_structure": "object"}


class BigCommerceOrderWrites:
    """Cancel, fulfil and refund one order; shipments and refunds carry our operation tag
    (shipment `comments`, refund `reason`) so a reconcile can find them."""

    def __init__(self, writer: RestWriter[Any]) -> None:
        self.writer = writer

    @property
    def _store(self) -> str:
        return str(self.writer.client.connection.store_id)

    async def prepare(self, command: CancelOrder | CreateFulfillment | CreateRefund) -> Checkpoint:
        """Shipments: the order's shipping address id and what is left to ship per line."""
        if not isinstance(command, CreateFulfillment):
            return {}
        order = await self._order(command.order_id)
        shipping = (order.get("consignments") or {}).get("shipping") or [{}]
        left = {
            str(r["id"]): int(r["quantity"]) - int(r.get("quantity_shipped") or 0)
            for r in order_products(order)
        }
        return {"address_id": shipping[0].get("id"), "left": left}

    async def execute(
        self,
        command: CancelOrder | CreateFulfillment | CreateRefund,
        operation_key: str,
        checkpoint: Checkpoint,
    ) -> WriteOutcome:
        """One V2 PUT or POST; a refund: its quote, then the refund."""
        if isinstance(command, CancelOrder):
            ctx = self.writer.ctx("cancel_order", command.order_id)
            body = await self.writer.send(
                "PUT", f"v2/orders/{command.order_id}", {"status_id": CANCELLED_STATUS_ID}, ctx
            )
            return WriteOutcome({"order_id": command.order_id, "status_id": body.get("status_id")})
        if isinstance(command, CreateFulfillment):
            return await self._ship(command, operation_key, checkpoint)
        return await self._refund(command, operation_key)

    async def reconcile(
        self, command: CreateFulfillment | CreateRefund, operation_key: str
    ) -> WriteOutcome | None:
        """The shipment or refund carrying our tag, if an earlier attempt made it."""
        tag = operation_tag(operation_key)
        if isinstance(command, CreateFulfillment):
            for row in await self._list(f"v2/orders/{command.order_id}/shipments", "v2"):
                if tag in str(row.get("comments") or ""):
                    return WriteOutcome(
                        {"fulfillment": as_json(map_shipment(row, store_id=self._store))}
                    )
            return None
        for row in await self._list(f"v3/orders/{command.order_id}/payment_actions/refunds", "v3"):
            if tag in str(row.get("reason") or ""):
                return self._refund_outcome(row)
        return None

    async def _order(self, order_id: str) -> Payload:
        ctx = self.writer.ctx("get_order", order_id)
        if not order_id.isdigit():
            raise NotFoundError(f"No BigCommerce order {order_id[:40]!r}", **ctx.where())
        body = await self.writer.read(f"v2/orders/{order_id}", dict(WITH_LINES), ctx)
        if not isinstance(body, dict):
            raise PayloadError("BigCommerce get_order did not return an object")
        return body

    async def _list(self, path: str, generation: str) -> list[Payload]:
        body = await self.writer.read(path, {"limit": "250"}, self.writer.ctx("reconcile"))
        rows = body.get("data") if generation == "v3" and isinstance(body, dict) else body
        return [r for r in rows or () if isinstance(r, dict)]

    async def _ship(
        self, command: CreateFulfillment, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome:
        left: dict[str, int] = checkpoint.get("left") or {}
        lines = [(li.line_item_id, li.quantity) for li in command.lines] or [
            (k, q) for k, q in left.items() if q > 0
        ]
        body = {
            "order_address_id": checkpoint.get("address_id"),
            "tracking_number": command.tracking_number or "",
            "shipping_provider": command.tracking_company or "",
            "comments": operation_tag(operation_key),
            "items": [{"order_product_id": _line_id(i), "quantity": q} for i, q in lines],
        }
        ctx = self.writer.ctx("create_fulfillment", command.order_id)
        saved = await self.writer.send("POST", f"v2/orders/{command.order_id}/shipments", body, ctx)
        return WriteOutcome({"fulfillment": as_json(map_shipment(saved, store_id=self._store))})

    async def _refund(self, command: CreateRefund, operation_key: str) -> WriteOutcome:
        items = [
            {"item_type": "PRODUCT", "item_id": _line_id(li.line_item_id), "quantity": li.quantity}
            for li in command.lines
        ]
        path = f"v3/orders/{command.order_id}/payment_actions"
        ctx = self.writer.ctx("refund_quote", command.order_id)
        quote = (
            await self.writer.send("POST", f"{path}/refund_quotes", {"items": items}, ctx)
        ).get("data") or {}
        methods = quote.get("refund_methods") or [[]]
        method = methods[0][0] if methods and methods[0] else {}
        amount = command.amount or quote.get("total_refund_amount")
        payment = {
            "provider_id": method.get("provider_id"),
            "amount": amount,
            "offline": method.get("offline", True),
        }
        reason = " ".join(p for p in (command.reason, operation_tag(operation_key)) if p)
        body = {"items": items, "payments": [payment], "reason": reason}
        saved = await self.writer.send(
            "POST", f"{path}/refunds", body, self.writer.ctx("create_refund", command.order_id)
        )
        return self._refund_outcome(saved.get("data") if isinstance(saved, dict) else saved)

    def _refund_outcome(self, row: Any) -> WriteOutcome:
        if not isinstance(row, dict):
            raise PayloadError("BigCommerce answered a refund with something other than an object")
        currency = self.writer.client.connection.currency_code
        return WriteOutcome(
            {"refund": as_json(map_refund(row, store_id=self._store, currency=currency))}
        )


def _line_id(ident: str) -> int:
    """An order line (order product) id: BigCommerce's are integers; anything else is the
    caller's mistake (a ValueError here was INTERNAL: found by fuzzing createRefund)."""
    if not (ident.isascii() and ident.isdigit()):
        raise InvalidInputError(f"No BigCommerce order line with id {ident[:40]!r}")
    return int(ident)
