"""Admin GraphQL resolvers for shipping an order: Fulfillment, FulfillmentOrder and their lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from platforms.shopify.sandbox.graphql_context import Ctx, Obj, Payload, fixed, money_bag, resolves
from platforms.shopify.sandbox.graphql_resolvers_lines import line_obj
from platforms.shopify.sandbox.graphql_schema import gid
from platforms.shopify.sandbox.graphql_search import connection, listed
from platforms.shopify.sandbox.writes_common import FO_LINE_OFFSET


def _order_of(src: Obj, ctx: Ctx) -> Payload:
    return src.parent or ctx.orders()[int(src.data["order_id"])]


def _bag(order: Payload, amount: Decimal | str | int) -> Payload:
    return money_bag(amount, str(order.get("currency") or "USD"))


def _line(order: Payload, ident: Any) -> Obj | None:
    found = next((li for li in order["line_items"] if li["id"] == ident), None)
    return line_obj(found, order) if found else None


@resolves("Fulfillment.order", "Refund.order", "FulfillmentOrder.order", "OrderTransaction.order")
def _order(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return Obj("Order", _order_of(src, ctx))


# --- fulfillments ---------------------------------------------------------------------


@resolves("Order.fulfillments")
def _fulfillments(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    rows = [Obj("Fulfillment", f, src.data) for f in src.data.get("fulfillments") or []]
    return listed(rows, args)


@resolves("Order.fulfillmentsCount")
def _fulfillments_count(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return {"count": len(src.data.get("fulfillments") or []), "precision": "EXACT"}


@resolves("Fulfillment.trackingInfo")
def _tracking(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    numbers = src.data.get("tracking_numbers") or []
    urls = src.data.get("tracking_urls") or []
    company = src.data.get("tracking_company")
    rows = [
        {"company": company, "number": n, "url": urls[i] if i < len(urls) else None}
        for i, n in enumerate(numbers)
    ]
    return listed(rows, args)


@resolves("Fulfillment.location")
def _location(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    found = ctx.locations().get(int(src.data.get("location_id") or 0))
    return Obj("Location", found) if found else None


@resolves("Fulfillment.fulfillmentLineItems")
def _fulfillment_lines(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    order = _order_of(src, ctx)
    rows = [
        {
            "id": line["id"] + 3 * FO_LINE_OFFSET,
            "quantity": int(line["quantity"]),
            "line_item_id": line["id"],
        }
        for line in src.data.get("line_items") or []
    ]
    return connection(rows, args, lambda r: r["id"], lambda r: Obj("FulfillmentLineItem", r, order))


@resolves("FulfillmentLineItem.lineItem")
def _fulfilled_line(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return _line(src.parent or {}, src.data["line_item_id"])


@resolves("FulfillmentLineItem.originalTotalSet", "FulfillmentLineItem.discountedTotalSet")
def _fulfilled_total(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    order = src.parent or {}
    line = next(li for li in order["line_items"] if li["id"] == src.data["line_item_id"])
    return _bag(order, Decimal(line["price"]) * int(src.data["quantity"]))


@resolves("Fulfillment.totalQuantity")
def _fulfilled_quantity(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return sum(int(line["quantity"]) for line in src.data.get("line_items") or [])


@resolves("Fulfillment.displayStatus")
def _display(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return "FULFILLED" if src.data.get("status") == "success" else None


@resolves("Fulfillment.fulfillmentOrders", "Order.fulfillmentOrders")
def _fulfillment_orders(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    order = _order_of(src, ctx) if src.kind == "Fulfillment" else src.data
    fo = ctx.writes.fulfillment_order(order)
    return connection([fo], args, lambda f: f["id"], lambda f: Obj("FulfillmentOrder", f, order))


fixed(
    "Fulfillment",
    {
        "requiresShipping": True,
        "service": None,
        "deliveredAt": None,
        "inTransitAt": None,
        "estimatedDeliveryAt": None,
        "originAddress": None,
    },
)


# --- fulfillment orders ---------------------------------------------------------------


@resolves("FulfillmentOrder.lineItems")
def _fo_lines(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return connection(
        src.data["line_items"],
        args,
        lambda li: li["id"],
        lambda li: Obj("FulfillmentOrderLineItem", li, src.parent),
    )


@resolves("FulfillmentOrder.supportedActions")
def _actions(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return [{"action": a.upper(), "externalUrl": None} for a in src.data["supported_actions"]]


@resolves("FulfillmentOrder.assignedLocation")
def _assigned(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    loc = ctx.locations().get(int(src.data.get("assigned_location_id") or 0)) or {}
    keys = ("address1", "address2", "city", "phone", "province", "zip", "name")
    return {
        **{k: loc.get(k) for k in keys},
        "countryCode": loc.get("country_code", "US"),
        "location": Obj("Location", loc) if loc else None,
    }


@resolves("FulfillmentOrder.orderId")
def _fo_order_id(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return gid("Order", src.data["order_id"])


@resolves("FulfillmentOrder.orderName")
def _fo_order_name(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return (src.parent or {}).get("name")


@resolves("FulfillmentOrder.orderProcessedAt", "FulfillmentOrder.createdAt")
def _fo_created(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return (src.parent or {}).get("processed_at")


@resolves("FulfillmentOrder.updatedAt")
def _fo_updated(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return (src.parent or {}).get("updated_at")


@resolves("FulfillmentOrder.fulfillments")
def _fo_fulfillments(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    order = src.parent or {}
    rows = order.get("fulfillments") or []
    return connection(rows, args, lambda f: f["id"], lambda f: Obj("Fulfillment", f, order))


fixed(
    "FulfillmentOrder",
    {"fulfillAt": None, "fulfillBy": None, "destination": None, "deliveryMethod": None},
)


@resolves("FulfillmentOrderLineItem.lineItem")
def _fo_line(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return _line(src.parent or {}, src.data["line_item_id"])


@resolves("FulfillmentOrderLineItem.totalQuantity")
def _fo_total(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return int(src.data["quantity"])


@resolves("FulfillmentOrderLineItem.remainingQuantity")
def _fo_remaining(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return int(src.data["fulfillable_quantity"])


@resolves("FulfillmentOrderLineItem.variant")
def _fo_variant(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    found = ctx.variants().get(int(src.data.get("variant_id") or 0))
    return Obj("ProductVariant", found) if found else None


@resolves("FulfillmentOrderLineItem.inventoryItemId")
def _fo_item(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    found = ctx.variants().get(int(src.data.get("variant_id") or 0))
    return gid("InventoryItem", found["inventory_item_id"]) if found else None


def _fo_text(key: str) -> Any:
    def resolve(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
        order = src.parent or {}
        line = next(li for li in order["line_items"] if li["id"] == src.data["line_item_id"])
        return line.get(key)

    return resolve


for _field, _key in (("sku", "sku"), ("vendor", "vendor"), ("productTitle", "title")):
    resolves(f"FulfillmentOrderLineItem.{_field}")(_fo_text(_key))
resolves("FulfillmentOrderLineItem.variantTitle")(_fo_text("variant_title"))


fixed("FulfillmentOrderLineItem", {"requiresShipping": True, "image": None})
