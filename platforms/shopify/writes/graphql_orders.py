"""Shopify order writes over Admin GraphQL: cancel (its job followed), fulfil through
fulfillment orders, refund against what `suggestedRefund` names (keyed)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from typing import Any

from platforms.errors import InvalidInputError, UpstreamTimeoutError
from platforms.shopify.client_graphql import ShopifyGraphqlClient
from platforms.shopify.documents import Field, conn, gid, listed, numeric_id, obj, scalars
from platforms.shopify.mapping.graphql_people import (
    FULFILLMENT,
    map_fulfillment,
    map_refund,
)
from platforms.shopify.writes.graphql import (
    CANCEL,
    FULFIL,
    KEY,
    REFUND_CREATE,
    GraphqlSender,
    key_of,
    log,
    new_key,
)
from platforms.shopify.writes.orders import OfferedItem, allocate_lines
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
OPEN_FULFILLMENT_ORDER = ("OPEN", "IN_PROGRESS")
CANCEL_REASONS = frozenset({"CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "OTHER", "STAFF"})
SHIPMENTS = 50  # an order's fulfillments and refunds read at once (Shopify lists them whole)
FULFILLMENT_ORDERS, FULFILLMENT_LINES = 5, 50  # 527 points with their lines
JOB_POLLS = (0.05, 0.1, 0.2, 0.5, 1.0)  # seconds between `job` polls, the last repeated
JOB_DEADLINE = 30.0  # a cancel job still running after this is in doubt (read on reconcile)


class GraphqlOrderWrites:
    """The order half of `ShopifyGraphqlWriter`."""

    def __init__(self, writer: RestWriter[ShopifyGraphqlClient], send: GraphqlSender) -> None:
        self.writer = writer
        self.send = send
        # refunds an order had when a keyed refund in doubt was re-sent (operation key ->
        # ids): an answer naming one of them is Shopify's deduplication, which is logged
        self._before_resend: dict[str, set[str]] = {}

    async def _order(self, order_id: str, *fields: Field) -> dict[str, Any]:
        ctx = self.writer.ctx("get_order", order_id)
        field = obj("order", *scalars("id"), *fields, id=gid("Order", _int(order_id)))
        found = (await self.send.read(ctx, field)).get("order")
        if not isinstance(found, dict):
            raise InvalidInputError(f"No Shopify order {order_id}", **ctx.where())
        return found

    async def prepare(self, command: OrderCommand, operation_key: str) -> Checkpoint:
        """Fulfil: the order's fulfillment ids before; refund money: the payment
        `suggestedRefund` returns it to (its parent transaction and gateway)."""
        if isinstance(command, CreateFulfillment):
            order = await self._order(command.order_id, _shipped())
            return {"fulfillment_ids": [numeric_id(f.get("id")) for f in order["fulfillments"]]}
        if isinstance(command, CreateRefund):
            parent = await self._parent(command) if command.amount is not None else None
            return {"parent": parent, KEY: new_key(operation_key)}
        return {}

    async def _parent(self, command: CreateRefund) -> dict[str, Any]:
        lines = [
            {"lineItemId": gid("LineItem", _int(line.line_item_id)), "quantity": line.quantity}
            for line in command.lines
        ]
        suggested = obj(
            "suggestedRefund",
            listed(
                "suggestedTransactions",
                *scalars("gateway"),
                obj("parentTransaction", *scalars("id")),
            ),
            refundLineItems=lines or None,
            shippingAmount=command.shipping_amount,
            # money alone: nothing selected suggests no transaction, a full refund names the
            # payment it goes back to (only its parent and gateway are taken)
            suggestFullRefund=True if not lines and command.shipping_amount is None else None,
        )
        order = await self._order(command.order_id, suggested)
        for txn in (order.get("suggestedRefund") or {}).get("suggestedTransactions") or []:
            parent = numeric_id((txn.get("parentTransaction") or {}).get("id"))
            if parent is not None:
                return {"id": parent, "gateway": txn.get("gateway")}
        raise InvalidInputError(
            f"Order {command.order_id} has no captured payment to refund money from",
            **self.writer.ctx("create_refund", command.order_id).where(),
        )

    async def execute(
        self, command: OrderCommand, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome:
        """One mutation (a cancel's job then followed to completion)."""
        if isinstance(command, CancelOrder):
            return await self._cancel(command)
        if isinstance(command, CreateFulfillment):
            return await self._fulfil(command)
        return await self._refund(command, operation_key, checkpoint)

    async def reconcile(
        self, command: OrderCommand, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome | None:
        """Refund: None (re-sent with its key; the refunds it had are noted to tell a
        deduplicated answer). Cancel: cancelled already? Fulfil: a new fulfillment of ours?"""
        if isinstance(command, CreateRefund):
            refunds = listed("refunds", *scalars("id"), size=SHIPMENTS, first=SHIPMENTS)
            order = await self._order(command.order_id, refunds)
            self._before_resend[operation_key] = {
                str(numeric_id(r.get("id"))) for r in order["refunds"]
            }
            log.info(
                "refundCreate in doubt: re-sending with idempotency key %s",
                key_of(checkpoint, operation_key),
                extra=self._extra(command),
            )
            return None
        if isinstance(command, CancelOrder):
            order = await self._order(command.order_id, *scalars("cancelledAt cancelReason"))
            return _cancel_outcome(order, None) if order.get("cancelledAt") else None
        return await self._find_fulfillment(command, checkpoint)

    def _extra(self, command: OrderCommand) -> dict[str, Any]:
        return {"store_id": self.writer.client.connection.store_id, "external_id": command.order_id}

    # --- cancel ----------------------------------------------------------------------------

    async def _cancel(self, command: CancelOrder) -> WriteOutcome:
        ctx = self.writer.ctx("cancel_order", command.order_id)
        reason = str(command.reason or "other").upper()
        variables = {
            "orderId": gid("Order", _int(command.order_id)),
            "reason": reason if reason in CANCEL_REASONS else "OTHER",
            "restock": command.restock,
            "notifyCustomer": False,
        }
        answer = await self.send.mutate(CANCEL, variables, ctx)
        job = answer.payload.get("job") or {}
        if job.get("id") and not job.get("done"):
            await self._job_done(str(job["id"]), command.order_id)
        order = await self._order(command.order_id, *scalars("cancelledAt cancelReason"))
        return _cancel_outcome(order, answer.request_id)

    async def _job_done(self, job_id: str, order_id: str) -> None:
        """Poll `job(id:)` until done: Shopify cancels in the background. Still running at the
        deadline: in doubt (the reconcile reads the order's `cancelledAt`)."""
        ctx = self.writer.ctx("get_job", order_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + JOB_DEADLINE
        for n in range(10_000):
            found = await self.send.read(ctx, obj("job", *scalars("id done"), id=job_id))
            if (found.get("job") or {}).get("done"):
                return
            if loop.time() >= deadline:
                break
            await asyncio.sleep(JOB_POLLS[min(n, len(JOB_POLLS) - 1)])
        raise UpstreamTimeoutError(
            f"Shopify's cancel job for order {order_id} is still running", **ctx.where()
        )

    # --- fulfil ----------------------------------------------------------------------------

    async def _fulfil(self, command: CreateFulfillment) -> WriteOutcome:
        ctx = self.writer.ctx("create_fulfillment", command.order_id)
        order = await self._order(command.order_id, _fulfillment_orders())
        open_orders = [
            fo
            for fo in (order.get("fulfillmentOrders") or {}).get("nodes") or []
            if fo.get("status") in OPEN_FULFILLMENT_ORDER
            and (command.location_id is None or _assigned(fo) == command.location_id)
        ]
        fulfillment: dict[str, Any] = {
            "lineItemsByFulfillmentOrder": by_fulfillment_order(command, open_orders),
            "notifyCustomer": command.notify,
        }
        tracking = {
            "company": command.tracking_company,
            "number": command.tracking_number,
            "url": command.tracking_url,
        }
        if any(tracking.values()):
            fulfillment["trackingInfo"] = {k: v for k, v in tracking.items() if v}
        answer = await self.send.mutate(FULFIL, {"fulfillment": fulfillment}, ctx)
        return self._fulfillment_outcome(
            command, answer.payload.get("fulfillment"), answer.request_id
        )

    async def _find_fulfillment(
        self, command: CreateFulfillment, checkpoint: Checkpoint
    ) -> WriteOutcome | None:
        # ids and tracking numbers of all (a few points each), then ours whole
        tracking = listed("trackingInfo", *scalars("number"))
        order = await self._order(command.order_id, _shipped(*scalars("id"), tracking))
        known = set(checkpoint.get("fulfillment_ids") or [])
        new = [f for f in order["fulfillments"] if numeric_id(f.get("id")) not in known]
        if not new:
            return None
        ours = [f for f in new if _tracked_as(f, command.tracking_number)]
        if len(ours) == 1:
            ctx = self.writer.ctx("get_fulfillment", command.order_id)
            whole = obj("fulfillment", *FULFILLMENT, id=str(ours[0]["id"]))
            found = (await self.send.read(ctx, whole)).get("fulfillment")
            return self._fulfillment_outcome(command, found, None)
        raise OutcomeUnknownError(
            f"Order {command.order_id} has {len(new)} new fulfillment(s) and none (or several) "
            "match this one's tracking number; a person must decide",
            **self.writer.ctx("create_fulfillment", command.order_id).where(),
        )

    def _fulfillment_outcome(
        self, command: CreateFulfillment, saved: Any, request_id: str | None
    ) -> WriteOutcome:
        store = self.writer.client.connection.store_id
        mapped = map_fulfillment(saved, store_id=store, order_external_id=command.order_id)
        data = {
            "fulfillment_id": mapped.external_id,
            "order_id": command.order_id,
            "status": mapped.status.value,
            "tracking_company": mapped.tracking_company,
            "tracking_number": next(iter(mapped.tracking_numbers), None),
            "tracking_url": next(iter(mapped.tracking_urls), None),
            "lines": [
                {"line_item_id": li.line_item_external_id, "quantity": li.quantity}
                for li in mapped.lines
            ],
            "fulfillment": as_json(mapped),
        }
        return WriteOutcome(data, request_id)

    # --- refund ----------------------------------------------------------------------------

    async def _refund(
        self, command: CreateRefund, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome:
        ctx = self.writer.ctx("create_refund", command.order_id)
        order_gid = gid("Order", _int(command.order_id))
        tag = operation_tag(operation_key)
        data: dict[str, Any] = {
            "orderId": order_gid,
            "notify": command.notify,
            # tagged as over REST: a person can still find it after the key has expired
            "note": f"{command.reason} [{tag}]" if command.reason else f"[{tag}]",
            "refundLineItems": [
                {
                    "lineItemId": gid("LineItem", _int(line.line_item_id)),
                    "quantity": line.quantity,
                    "restockType": "RETURN" if line.restock else "NO_RESTOCK",
                }
                for line in command.lines
            ],
        }
        if command.shipping_amount is not None:
            data["shipping"] = {"amount": command.shipping_amount}
        parent = checkpoint.get("parent")
        if command.amount is not None and isinstance(parent, Mapping):
            data["transactions"] = [
                {
                    "orderId": order_gid,
                    "parentId": gid("OrderTransaction", str(parent["id"])),
                    "kind": "REFUND",
                    "amount": command.amount,
                    "gateway": parent.get("gateway") or "manual",
                }
            ]
        key = key_of(checkpoint, operation_key)
        answer = await self.send.mutate(REFUND_CREATE, {"input": data}, ctx, key=key)
        saved = answer.payload.get("refund")
        self._log_if_deduplicated(command, operation_key, key, saved)
        return self._refund_outcome(command, saved, answer.request_id)

    def _log_if_deduplicated(
        self, command: CreateRefund, operation_key: str, key: str, saved: Any
    ) -> None:
        before = self._before_resend.pop(operation_key, None)
        ident = numeric_id(saved.get("id")) if isinstance(saved, Mapping) else None
        if before is not None and ident in before:
            log.info(
                "refundCreate with idempotency key %s was deduplicated by Shopify: it answered "
                "refund %s, created by the earlier attempt, and refunded nothing again",
                key,
                ident,
                extra=self._extra(command),
            )

    def _refund_outcome(
        self, command: CreateRefund, saved: Any, request_id: str | None
    ) -> WriteOutcome:
        conn_ = self.writer.client.connection
        refund = map_refund(
            saved, store_id=conn_.store_id, order_external_id=command.order_id,
            currency=conn_.currency_code,
        )  # fmt: skip
        data = {
            "refund_id": refund.external_id,
            "order_id": command.order_id,
            "amount": f"{refund.amount.amount:.2f}",
            "lines": [
                {"line_item_id": li.line_item_external_id, "quantity": li.quantity}
                for li in refund.lines
            ],
            "refund": as_json(refund),
        }
        return WriteOutcome(data, request_id)


def _shipped(*fields: Field) -> Field:
    return listed("fulfillments", *(fields or scalars("id")), size=SHIPMENTS, first=SHIPMENTS)


def _fulfillment_orders() -> Field:
    line = (*scalars("id remainingQuantity"), obj("lineItem", *scalars("id")))
    return conn(
        "fulfillmentOrders",
        FULFILLMENT_ORDERS,
        *scalars("id status"),
        obj("assignedLocation", obj("location", *scalars("id"))),
        conn("lineItems", FULFILLMENT_LINES, *line),
    )


def _tracked_as(fulfillment: Mapping[str, Any], number: str | None) -> bool:
    """Whether a fulfillment carries this tracking number (none when None)."""
    numbers = [t.get("number") for t in fulfillment.get("trackingInfo") or [] if t.get("number")]
    return number in numbers if number else not numbers


def _assigned(fo: Mapping[str, Any]) -> str | None:
    location = ((fo.get("assignedLocation") or {}).get("location")) or {}
    return numeric_id(location.get("id"))


def _offered(fo: Mapping[str, Any]) -> Iterator[OfferedItem]:
    for item in (fo.get("lineItems") or {}).get("nodes") or []:
        line_id = str(numeric_id((item.get("lineItem") or {}).get("id")))
        yield line_id, int(item.get("remainingQuantity") or 0), item


def by_fulfillment_order(
    command: CreateFulfillment, open_orders: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """`lineItemsByFulfillmentOrder` (all of each order when no lines)."""
    return [
        {"fulfillmentOrderId": fo["id"], "fulfillmentOrderLineItems": items}
        if items
        else {"fulfillmentOrderId": fo["id"]}
        for fo, items in allocate_lines(command, open_orders, _offered)
    ]


def _cancel_outcome(order: Mapping[str, Any], request_id: str | None) -> WriteOutcome:
    reason = order.get("cancelReason")
    data = {
        "order_id": numeric_id(order.get("id")),
        "cancelled_at": order.get("cancelledAt"),
        "cancel_reason": str(reason).lower() if reason else None,
    }
    return WriteOutcome(data, request_id)


def _int(ident: str) -> str:
    """Shopify ids are integers; anything else is the caller's mistake."""
    if not (ident.isascii() and ident.isdigit()):
        raise InvalidInputError(f"No Shopify object with id {ident[:40]!r}")
    return ident
