"""WooCommerce order writes: cancel (PUT orders/{id}) and refunds (POST orders/{id}/refunds),
tagged in their reason so a reconcile can find them."""

from __future__ import annotations

from typing import Any

from platforms.errors import NotFoundError
from platforms.woocommerce.client import WooCommerceClient
from platforms.woocommerce.mapping.people import map_refund
from platforms.woocommerce.rest import answer_object
from platforms.writes.commands import CancelOrder, CreateRefund, WriteOutcome, operation_tag
from platforms.writes.kit import RestWriter
from platforms.writes.results import as_json

_CANCEL = {"status": "cancelled"}


class WooCommerceOrderWrites:
    """The order half of `WooCommerceWriter`."""

    def __init__(self, writer: RestWriter[WooCommerceClient]) -> None:
        self.writer = writer

    async def execute(
        self, command: CancelOrder | CreateRefund, operation_key: str
    ) -> WriteOutcome:
        """One PUT (cancel) or POST (refund)."""
        if isinstance(command, CancelOrder):
            ctx = self.writer.ctx("cancel_order", command.order_id)
            body = await self.writer.send("PUT", f"orders/{_id(command.order_id)}", _CANCEL, ctx)
            return _order_outcome(body)
        return await self._refund(command, operation_key)

    async def reconcile(self, command: CreateRefund, operation_key: str) -> WriteOutcome | None:
        """The refund carrying our tag, if an earlier attempt created it."""
        ctx = self.writer.ctx("list_refunds", command.order_id)
        refunds = await self.writer.read(f"orders/{_id(command.order_id)}/refunds", {}, ctx)
        tag = operation_tag(operation_key)
        for refund in refunds if isinstance(refunds, list) else []:
            if isinstance(refund, dict) and tag in str(refund.get("reason") or ""):
                return self._refund_outcome(command.order_id, refund)
        return None

    async def _refund(self, command: CreateRefund, operation_key: str) -> WriteOutcome:
        tag = operation_tag(operation_key)
        body: dict[str, Any] = {
            "amount": command.amount or "0.00",
            # the reason is kept on the refund: the tag lets a reconcile find it.
            "reason": f"{command.reason} [{tag}]" if command.reason else f"[{tag}]",
            "api_refund": False,  # record the refund; moving money is the gateway plugin's job
            "api_restock": any(line.restock for line in command.lines),
            "line_items": [
                {"id": _id(line.line_item_id), "quantity": line.quantity} for line in command.lines
            ],
        }
        ctx = self.writer.ctx("create_refund", command.order_id)
        path = f"orders/{_id(command.order_id)}/refunds"
        saved = await self.writer.send("POST", path, body, ctx)
        return self._refund_outcome(command.order_id, answer_object(saved))

    def _refund_outcome(self, order_id: str, refund: dict[str, Any]) -> WriteOutcome:
        outcome = _refund_outcome(order_id, refund)
        conn = self.writer.client.connection
        mapped = map_refund(
            refund, store_id=conn.store_id, order_id=order_id, currency=conn.currency_code
        )
        outcome.data["refund"] = as_json(mapped)
        # a refund line's own id is not the order line's: the mapper reads _refunded_item_id
        outcome.data["lines"] = [
            {"line_item_id": line.line_item_external_id, "quantity": line.quantity}
            for line in mapped.lines
        ]
        return outcome


def _id(ident: str) -> int:
    if not ident.isdigit():
        raise NotFoundError(f"No WooCommerce object with id {ident[:40]!r}")
    return int(ident)


def _order_outcome(body: Any) -> WriteOutcome:
    order = answer_object(body)
    data = {
        "order_id": str(order.get("id")),
        "status": order.get("status"),
        "cancelled_at": order.get("date_modified_gmt") and f"{order['date_modified_gmt']}+00:00",
    }
    return WriteOutcome(data)


def _refund_outcome(order_id: str, refund: dict[str, Any]) -> WriteOutcome:
    data = {
        "refund_id": str(refund.get("id")),
        "order_id": order_id,
        "amount": refund.get("amount"),
        "lines": [
            {"line_item_id": str(li.get("id")), "quantity": abs(int(li.get("quantity") or 0))}
            for li in refund.get("line_items") or []
        ],
    }
    return WriteOutcome(data)
