"""Sandbox order mutations (cancel, fulfil, refund), written through the REST write routes."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from platforms.shopify.sandbox.graphql_context import Ctx, Obj, Payload, resolves
from platforms.shopify.sandbox.graphql_mutations import mutation, user_error
from platforms.shopify.sandbox.graphql_schema import gid, gid_number
from platforms.shopify.sandbox.transactions import payment_of, refundable
from platforms.shopify.sandbox.writes_common import Unprocessable


def _job_id(ctx: Ctx) -> str:
    # Shopify's job ids are uuids; a counter keeps the sandbox's deterministic.
    return gid("Job", str(uuid.UUID(int=ctx.next_number("job"))))


def _errors_of(exc: Unprocessable, field: list[str]) -> list[Payload]:
    """REST's 422 body as GraphQL userErrors (one per message)."""
    body = next(iter(exc.body.values()))
    if isinstance(body, dict):
        return [
            {"field": [*field, *str(key).split(".")], "message": f"{key} {msgs[0]}"}
            for key, msgs in body.items()
        ]
    messages = body if isinstance(body, list) else [body]
    return [{"field": field, "message": str(message)} for message in messages]


# --- cancel ---------------------------------------------------------------------------


@mutation("orderCancel", "OrderCancelUserError")
def _cancel(ctx: Ctx, args: dict[str, Any]) -> Payload:
    order = ctx.orders().get(gid_number(args["orderId"], "Order") or 0)
    errors_type = "OrderCancelUserError"
    if order is None:
        missing = {
            **user_error(errors_type, "NOT_FOUND", ["orderId"]),
            "message": "Order does not exist",
        }
        return {
            "job": None,
            "jobResult": None,
            "orderCancelUserErrors": [missing],
            "userErrors": [],
        }
    try:
        ctx.writes.apply_cancel(order, str(args["reason"]).lower(), bool(args["restock"]))
    except Unprocessable as exc:
        invalid = [{**e, "code": "INVALID"} for e in _errors_of(exc, ["orderId"])]
        return {"job": None, "jobResult": None, "orderCancelUserErrors": invalid, "userErrors": []}
    ctx.applied.append(f"cancel:{order['id']}")
    method = args.get("refundMethod") or {}  # replaces the deprecated `refund`
    if args.get("refund") or method.get("originalPaymentMethodsRefund"):
        _refund_remaining(ctx, order)
    ident = _job_id(ctx)
    # Shopify cancels in the background: the job reads done from the next `job(id)` on.
    ctx.extras["jobs"][ident] = {"order": order["id"]}
    job = {"id": ident, "done": False, "query": {}}
    result = {
        "id": ident,
        "done": False,
        "errors": [],
        "status": "STARTED",
        "order": Obj("Order", order),
    }
    return {"job": job, "jobResult": result, "orderCancelUserErrors": [], "userErrors": []}


def _refund_remaining(ctx: Ctx, order: Payload) -> None:
    """`refund: true`: give back what is still refundable against the captured payment."""
    sale, left = payment_of(order), refundable(order)
    if sale is None or left <= 0:
        return
    body = {
        "note": "Order cancelled",
        "transactions": [
            {"parent_id": sale["id"], "amount": str(left), "gateway": sale["gateway"]}
        ],
    }
    ctx.writes.apply_refund(order, body)
    ctx.applied.append(f"refund:{order['id']}")


@resolves("QueryRoot.job")
def _job(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    if args["id"] not in ctx.extras["jobs"]:
        return None
    return {"id": args["id"], "done": True, "query": {}}


# --- fulfil ---------------------------------------------------------------------------


@mutation("fulfillmentCreate")
def _fulfil(ctx: Ctx, args: dict[str, Any]) -> Payload:
    data = args["fulfillment"]
    tracking = data.get("trackingInfo") or {}
    numbers = tracking.get("numbers") or ([tracking["number"]] if tracking.get("number") else [])
    urls = tracking.get("urls") or ([tracking["url"]] if tracking.get("url") else [])
    body = {
        "line_items_by_fulfillment_order": [_group(g) for g in data["lineItemsByFulfillmentOrder"]],
        "tracking_info": {
            "company": tracking.get("company"),
            "number": numbers[0] if numbers else None,
            "url": urls[0] if urls else None,
        },
    }
    try:
        saved, order = ctx.writes.apply_fulfil(body)
    except Unprocessable as exc:
        return {"fulfillment": None, "userErrors": _errors_of(exc, ["fulfillment"])}
    ctx.applied.append(f"fulfil:{order['id']}")
    return {"fulfillment": Obj("Fulfillment", saved, order), "userErrors": []}


def _group(group: Payload) -> Payload:
    """A GraphQL `lineItemsByFulfillmentOrder` entry in REST's shape (numeric ids)."""
    items = [
        {
            "id": gid_number(item["id"], "FulfillmentOrderLineItem") or 0,
            "quantity": item["quantity"],
        }
        for item in group.get("fulfillmentOrderLineItems") or []
    ]
    fo = gid_number(group["fulfillmentOrderId"], "FulfillmentOrder")
    return {"fulfillment_order_id": fo, "fulfillment_order_line_items": items}


# --- refund ---------------------------------------------------------------------------


@mutation("refundCreate")
def _refund(ctx: Ctx, args: dict[str, Any]) -> Payload:
    data = args["input"]
    order = ctx.orders().get(gid_number(data["orderId"], "Order") or 0)
    if order is None:
        missing = {"field": ["input", "orderId"], "message": "Order does not exist"}
        return {"refund": None, "order": None, "userErrors": [missing]}
    lines = [
        {
            "line_item_id": gid_number(row["lineItemId"], "LineItem"),
            "quantity": row["quantity"],
            "restock_type": str(row.get("restockType") or "NO_RESTOCK").lower(),
        }
        for row in data.get("refundLineItems") or []
    ]
    money = [
        {
            "parent_id": gid_number(txn.get("parentId"), "OrderTransaction"),
            "amount": str(Decimal(str(txn["amount"]))),
            "gateway": txn.get("gateway"),
            "kind": "refund",
        }
        for txn in data.get("transactions") or []
    ]
    body = {"note": data.get("note"), "refund_line_items": lines, "transactions": money}
    try:
        saved = ctx.writes.apply_refund(order, body)
    except Unprocessable as exc:
        return {
            "refund": None,
            "order": Obj("Order", order),
            "userErrors": _errors_of(exc, ["input"]),
        }
    ctx.applied.append(f"refund:{order['id']}")
    return {"refund": Obj("Refund", saved, order), "order": Obj("Order", order), "userErrors": []}
