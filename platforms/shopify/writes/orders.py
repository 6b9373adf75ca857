"""Shopify order writes: cancel, fulfil through fulfillment orders, refund against the order's
captured payment (its parent transaction); with reconcile."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from platforms.errors import InvalidInputError
from platforms.shopify.client import ShopifyClient
from platforms.shopify.mapping.people import map_fulfillment, map_refund
from platforms.shopify.rest import answer_field
from platforms.writes.commands import (
    CancelOrder,
    Checkpoint,
    CreateFulfillment,
    CreateRefund,
    OutcomeUnknownError,
    WriteOutcome,
    operation_tag,
)
from platforms.writes.kit import RestWriter
from platforms.writes.results import as_json

OrderCommand = CancelOrder | CreateFulfillment | CreateRefund
OPEN_FULFILLMENT_ORDER = ("open", "in_progress")
CAPTURED = ("sale", "capture")  # the kinds of transaction a refund of money can return


class ShopifyOrderWrites:
    """The order half of `ShopifyWriter`."""

    def __init__(self, writer: RestWriter[ShopifyClient]) -> None:
        self.writer = writer

    async def _order(self, order_id: str, operation: str) -> dict[str, Any]:
        ctx = self.writer.ctx(operation, order_id)
        body = await self.writer.read(f"orders/{_int(order_id)}.json", {"status": "any"}, ctx)
        return answer_field(body, "order", ctx)

    async def prepare(self, command: OrderCommand) -> Checkpoint:
        """Fulfilments: the order's fulfillment ids before, so a new one can be recognised."""
        if isinstance(command, CreateFulfillment):
            order = await self._order(command.order_id, "get_order")
            return {"fulfillment_ids": [f.get("id") for f in order.get("fulfillments") or []]}
        if isinstance(command, CreateRefund) and command.amount is not None:
            return {"parent": await self._captured(command.order_id)}
        return {}

    async def _captured(self, order_id: str) -> dict[str, Any]:
        """The order's successful sale/capture: Shopify refunds money only against one."""
        ctx = self.writer.ctx("list_transactions", order_id)
        body = await self.writer.read(f"orders/{_int(order_id)}/transactions.json", {}, ctx)
        found = body.get("transactions") if isinstance(body, dict) else None
        for txn in found or []:
            if not isinstance(txn, dict) or txn.get("status") != "success":
                continue
            if txn.get("kind") in CAPTURED:
                return {"id": txn.get("id"), "gateway": txn.get("gateway")}
        raise InvalidInputError(
            f"Order {order_id} has no captured payment to refund money from",
            store_id=ctx.store_id,
            platform=ctx.platform,
            operation="create_refund",
        )

    async def execute(
        self, command: OrderCommand, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome:
        """One POST to the command's endpoint."""
        if isinstance(command, CancelOrder):
            return await self._cancel(command)
        if isinstance(command, CreateFulfillment):
            return await self._fulfil(command)
        return await self._refund(command, operation_key, checkpoint)

    async def reconcile(
        self, command: OrderCommand, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome | None:
        """Read the order: cancelled already? a fulfillment we did not know? our tagged refund?"""
        order = await self._order(command.order_id, "get_order")
        if isinstance(command, CancelOrder):
            return _cancel_outcome(order, None) if order.get("cancelled_at") else None
        if isinstance(command, CreateRefund):
            tag = operation_tag(operation_key)
            for refund in order.get("refunds") or []:
                if tag in str(refund.get("note") or ""):
                    return self._refund_outcome(refund, None)
            return None
        known = set(checkpoint.get("fulfillment_ids") or [])
        new = [f for f in order.get("fulfillments") or [] if f.get("id") not in known]
        if not new:
            return None
        ours = [f for f in new if f.get("tracking_number") == command.tracking_number]
        if len(ours) == 1:
            return self._fulfillment_outcome(ours[0], None)
        raise OutcomeUnknownError(
            f"Order {command.order_id} has {len(new)} new fulfillment(s) and none (or several) "
            "match this one's tracking number; a person must decide",
            store_id=self.writer.client.connection.store_id,
            platform="shopify",
            operation="create_fulfillment",
        )

    async def _cancel(self, command: CancelOrder) -> WriteOutcome:
        ctx = self.writer.ctx("cancel_order", command.order_id)
        body = {"reason": command.reason or "other", "restock": command.restock}
        response = await self.writer.send_response(
            "POST", f"orders/{_int(command.order_id)}/cancel.json", body, ctx
        )
        order = answer_field(response.json(), "order", ctx)
        return _cancel_outcome(order, response.headers.get("X-Request-Id"))

    async def _fulfil(self, command: CreateFulfillment) -> WriteOutcome:
        ctx = self.writer.ctx("create_fulfillment", command.order_id)
        path = f"orders/{_int(command.order_id)}/fulfillment_orders.json"
        listing = await self.writer.read(path, {}, ctx)
        orders = listing.get("fulfillment_orders") if isinstance(listing, dict) else None
        open_orders = [fo for fo in orders or [] if fo.get("status") in OPEN_FULFILLMENT_ORDER]
        if command.location_id is not None:  # ship only what is assigned to that location
            open_orders = [
                fo
                for fo in open_orders
                if str(fo.get("assigned_location_id")) == command.location_id
            ]
        fulfillment: dict[str, Any] = {
            "line_items_by_fulfillment_order": _by_fulfillment_order(command, open_orders),
            "notify_customer": command.notify,
        }
        tracking = {
            "company": command.tracking_company,
            "number": command.tracking_number,
            "url": command.tracking_url,
        }
        if any(tracking.values()):
            fulfillment["tracking_info"] = {k: v for k, v in tracking.items() if v}
        response = await self.writer.send_response(
            "POST", "fulfillments.json", {"fulfillment": fulfillment}, ctx
        )
        saved = answer_field(response.json(), "fulfillment", ctx)
        return self._fulfillment_outcome(saved, response.headers.get("X-Request-Id"))

    async def _refund(
        self, command: CreateRefund, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome:
        ctx = self.writer.ctx("create_refund", command.order_id)
        tag = operation_tag(operation_key)
        refund: dict[str, Any] = {
            "notify": command.notify,
            # the note is the only refund field Shopify lets us tag: reconcile looks for it.
            "note": f"{command.reason} [{tag}]" if command.reason else f"[{tag}]",
            "refund_line_items": [
                {
                    "line_item_id": _int(line.line_item_id),
                    "quantity": line.quantity,
                    "restock_type": "return" if line.restock else "no_restock",
                }
                for line in command.lines
            ],
        }
        if command.shipping_amount is not None:
            refund["shipping"] = {"amount": command.shipping_amount}
        parent = checkpoint.get("parent")
        if command.amount is not None and isinstance(parent, dict):
            refund["transactions"] = [
                {
                    "parent_id": parent["id"],
                    "kind": "refund",
                    "amount": command.amount,
                    "gateway": parent.get("gateway") or "manual",
                }
            ]
        path = f"orders/{_int(command.order_id)}/refunds.json"
        response = await self.writer.send_response("POST", path, {"refund": refund}, ctx)
        saved = answer_field(response.json(), "refund", ctx)
        return self._refund_outcome(saved, response.headers.get("X-Request-Id"))

    def _fulfillment_outcome(self, saved: dict[str, Any], request_id: str | None) -> WriteOutcome:
        outcome = _fulfillment_outcome(saved, request_id)
        store = self.writer.client.connection.store_id
        outcome.data["fulfillment"] = as_json(map_fulfillment(saved, store_id=store))
        return outcome

    def _refund_outcome(self, saved: dict[str, Any], request_id: str | None) -> WriteOutcome:
        outcome = _refund_outcome(saved, request_id)
        conn = self.writer.client.connection
        refund = map_refund(saved, store_id=conn.store_id, currency=conn.currency_code)
        outcome.data["refund"] = as_json(refund)
        return outcome


# what a fulfillment order offers: (order line id, quantity it can still fulfil, its own item)
OfferedItem = tuple[str, int, Mapping[str, Any]]


def allocate_lines(
    command: CreateFulfillment,
    open_orders: list[dict[str, Any]],
    offered: Callable[[Mapping[str, Any]], Iterable[OfferedItem]],
) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Order lines + quantities onto fulfillment order line items: (fulfillment order, its
    `{"id", "quantity"}` items) for each one that takes some; every one, with no items, when
    the command names no lines. Shared by the REST and the GraphQL writer."""
    if not open_orders:
        raise InvalidInputError(f"Order {command.order_id} has nothing left to fulfil")
    if not command.lines:
        return [(fo, []) for fo in open_orders]
    wanted = {line.line_item_id: line.quantity for line in command.lines}
    groups: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    for fo in open_orders:
        items = []
        for line_id, remaining, item in offered(fo):
            take = min(wanted.get(line_id, 0), remaining)
            if take > 0:
                items.append({"id": item["id"], "quantity": take})
                wanted[line_id] -= take
        if items:
            groups.append((fo, items))
    left = {k: v for k, v in wanted.items() if v > 0}
    if left:
        raise InvalidInputError(
            f"Order {command.order_id} cannot fulfil line(s) {', '.join(sorted(left))}: "
            "unknown or not enough unfulfilled quantity"
        )
    return groups


def _offered(fo: Mapping[str, Any]) -> Iterator[OfferedItem]:
    for item in fo.get("line_items") or []:
        yield str(item.get("line_item_id")), int(item.get("fulfillable_quantity") or 0), item


def _by_fulfillment_order(
    command: CreateFulfillment, open_orders: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """REST's `line_items_by_fulfillment_order` (all of each order when no lines)."""
    return [
        {"fulfillment_order_id": fo["id"], "fulfillment_order_line_items": items}
        if items
        else {"fulfillment_order_id": fo["id"]}
        for fo, items in allocate_lines(command, open_orders, _offered)
    ]


def _cancel_outcome(order: dict[str, Any], request_id: str | None) -> WriteOutcome:
    data = {
        "order_id": str(order.get("id")),
        "cancelled_at": order.get("cancelled_at"),
        "cancel_reason": order.get("cancel_reason"),
    }
    return WriteOutcome(data, request_id)


def _fulfillment_outcome(saved: dict[str, Any], request_id: str | None) -> WriteOutcome:
    data = {
        "fulfillment_id": str(saved.get("id")),
        "order_id": str(saved.get("order_id")),
        "status": saved.get("status"),
        "tracking_company": saved.get("tracking_company"),
        "tracking_number": saved.get("tracking_number"),
        "tracking_url": saved.get("tracking_url"),
        "lines": [
            {"line_item_id": str(li.get("id")), "quantity": li.get("quantity")}
            for li in saved.get("line_items") or []
        ],
    }
    return WriteOutcome(data, request_id)


def _refund_outcome(saved: dict[str, Any], request_id: str | None) -> WriteOutcome:
    amount = sum(
        (Decimal(str(t.get("amount") or 0)) for t in saved.get("transactions") or []), Decimal(0)
    )
    data = {
        "refund_id": str(saved.get("id")),
        "order_id": str(saved.get("order_id")),
        "amount": f"{amount:.2f}",
        "lines": [
            {"line_item_id": str(li.get("line_item_id")), "quantity": li.get("quantity")}
            for li in saved.get("refund_line_items") or []
        ],
    }
    return WriteOutcome(data, request_id)


def _int(ident: str) -> int:
    """Shopify ids are integers; anything else is the caller's mistake."""
    if not (ident.isascii() and ident.isdigit()):
        raise InvalidInputError(f"No Shopify object with id {ident[:40]!r}")
    return int(ident)
