"""Admin GraphQL resolvers for an order's lines: line items, tax, shipping, discounts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from platforms.shopify.sandbox.graphql_context import (
    Ctx,
    Obj,
    Payload,
    fixed,
    money_bag,
    renamed,
    resolves,
)
from platforms.shopify.sandbox.graphql_schema import gid
from platforms.shopify.sandbox.graphql_search import connection

# --- lines ----------------------------------------------------------------------------


@resolves("Order.lineItems")
def _lines(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    lines = src.data["line_items"]
    position = {line["id"]: n for n, line in enumerate(lines)}
    return connection(
        lines, args, lambda line: position[line["id"]], lambda line: line_obj(line, src.data)
    )


def line_obj(line: Payload, order: Payload) -> Obj:
    return Obj("LineItem", line, order)


def _line_bag(src: Obj, amount: Decimal) -> Payload:
    return money_bag(amount, str((src.parent or {}).get("currency") or "USD"))


def _gross(line: Payload) -> Decimal:
    return Decimal(line["price"]) * int(line["quantity"])


def _discount(line: Payload) -> Decimal:
    return Decimal(line.get("total_discount") or 0)


@resolves("LineItem.originalUnitPriceSet")
def _original_unit(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    # REST's `price_set` holds both currencies when the customer paid in another one
    return src.data.get("price_set") or _line_bag(src, Decimal(src.data["price"]))


@resolves("LineItem.discountedUnitPriceSet")
def _unit(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return _line_bag(src, Decimal(src.data["price"]))


# the deprecated `Money` scalar the cartgraph client reads (no bag: 0 points, not 2)
renamed("LineItem", {"originalUnitPrice": "price"})


@resolves("LineItem.originalTotalSet")
def _original_total(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return _line_bag(src, _gross(src.data))


@resolves("LineItem.discountedTotalSet", "LineItem.priceAfterAllDiscountsBeforeTaxesSet")
def _discounted_total(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return _line_bag(src, _gross(src.data) - _discount(src.data))


@resolves("LineItem.discountedUnitPriceAfterAllDiscountsSet")
def _unit_after(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    quantity = max(1, int(src.data["quantity"]))
    return _line_bag(src, (_gross(src.data) - _discount(src.data)) / quantity)


@resolves("LineItem.unfulfilledQuantity")
def _unfulfilled(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return int(src.data.get("fulfillable_quantity") or 0)


@resolves("LineItem.nonFulfillableQuantity")
def _non_fulfillable(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return int(src.data["quantity"]) - int(src.data.get("fulfillable_quantity") or 0)


@resolves("LineItem.unfulfilledDiscountedTotalSet", "LineItem.unfulfilledOriginalTotalSet")
def _unfulfilled_total(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    open_units = int(src.data.get("fulfillable_quantity") or 0)
    return _line_bag(src, Decimal(src.data["price"]) * open_units)


@resolves("LineItem.refundableQuantity")
def _refundable_quantity(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return int(src.data["quantity"]) - refunded_units(src.parent or {}).get(src.data["id"], 0)


def refunded_units(order: Payload) -> dict[int, int]:
    """Units refunded so far, by line item id."""
    out: dict[int, int] = {}
    for refund in order.get("refunds") or []:
        for item in refund.get("refund_line_items") or []:
            out[item["line_item_id"]] = out.get(item["line_item_id"], 0) + int(item["quantity"])
    return out


@resolves("LineItem.variant")
def _line_variant(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    variant = ctx.variants().get(int(src.data.get("variant_id") or 0))
    return Obj("ProductVariant", variant) if variant else None


@resolves("LineItem.product")
def _line_product(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    product = ctx.products().get(int(src.data.get("product_id") or 0))
    return Obj("Product", product) if product else None


@resolves("LineItem.isGiftCard")
def _gift_card(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return bool(src.data.get("gift_card"))


@resolves("LineItem.weight")
def _weight(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return {"value": float(src.data.get("grams") or 0), "unit": "GRAMS"}


@resolves("LineItem.restockable", "LineItem.merchantEditable")
def _line_restockable(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return not (src.parent or {}).get("cancelled_at")


fixed("LineItem", {"image": None, "sellingPlan": None, "contract": None, "staffMember": None})


# --- tax, shipping and discount lines -------------------------------------------------


@resolves("TaxLine.ratePercentage")
def _rate_percentage(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    return round(float(src.get("rate") or 0) * 100, 4)


@resolves("TaxLine.source")
def _tax_source(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    return "Shopify"


@resolves("Order.shippingLine")
def _shipping_line(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    lines = src.data.get("shipping_lines") or []
    return lines[0] if lines else None


@resolves("Order.shippingLines")
def _shipping_lines(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return connection(src.data.get("shipping_lines") or [], args, lambda s: s["id"], lambda s: s)


@resolves("ShippingLine.id")
def _shipping_id(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    return gid("ShippingLine", src["id"])


@resolves("ShippingLine.originalPriceSet")
def _shipping_price(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    return src["price_set"]


@resolves("ShippingLine.currentDiscountedPriceSet")
def _shipping_now(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    return src["discounted_price_set"]


fixed("ShippingLine", {"custom": False, "isRemoved": False, "deliveryCategory": None})


@resolves("DiscountAllocation.allocatedAmountSet")
def _allocated(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    return src["amount_set"]


@resolves("DiscountAllocation.discountApplication")
def _application(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    return {
        "__typename": "DiscountCodeApplication",
        "allocationMethod": "ACROSS",
        "code": src.get("code", ""),
        "index": src.get("discount_application_index", 0),
        "targetSelection": "ALL",
        "targetType": "LINE_ITEM",
    }
