"""Admin GraphQL resolvers for an order's money: refunds, transactions, suggestedRefund."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from platforms.shopify.sandbox.format import cents
from platforms.shopify.sandbox.graphql_context import Ctx, Obj, Payload, fixed, money_bag, resolves
from platforms.shopify.sandbox.graphql_resolvers_lines import line_obj, refunded_units
from platforms.shopify.sandbox.graphql_schema import gid_number
from platforms.shopify.sandbox.graphql_search import connection, listed
from platforms.shopify.sandbox.transactions import payment_of, refundable, transactions_of


def _order_of(src: Obj, ctx: Ctx) -> Payload:
    return src.parent or ctx.orders()[int(src.data["order_id"])]


def _bag(order: Payload, amount: Decimal | str | int) -> Payload:
    return money_bag(amount, str(order.get("currency") or "USD"))


def _line(order: Payload, ident: Any) -> Obj | None:
    found = next((li for li in order["line_items"] if li["id"] == ident), None)
    return line_obj(found, order) if found else None


# --- refunds and transactions ---------------------------------------------------------


@resolves("Order.refunds")
def _refunds(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return listed([Obj("Refund", r, src.data) for r in src.data.get("refunds") or []], args)


@resolves("Refund.totalRefundedSet")
def _refund_total(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    total = sum((Decimal(t["amount"]) for t in src.data.get("transactions") or []), Decimal(0))
    return _bag(_order_of(src, ctx), total)


@resolves("Refund.updatedAt")
def _refund_updated(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return src.data.get("processed_at") or src.data.get("created_at")


@resolves("Refund.refundLineItems")
def _refund_lines(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    order = _order_of(src, ctx)
    rows = src.data.get("refund_line_items") or []
    return connection(rows, args, lambda r: r["id"], lambda r: Obj("RefundLineItem", r, order))


@resolves("Refund.transactions")
def _refund_transactions(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    order = _order_of(src, ctx)
    mine = {t["id"] for t in src.data.get("transactions") or []}
    rows = [t for t in transactions_of(order) if t["id"] in mine]
    return connection(rows, args, lambda t: t["id"], lambda t: Obj("OrderTransaction", t, order))


@resolves("Refund.refundShippingLines")
def _refund_shipping(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    # REST's `refund_shipping_lines` rows; their `*_amount_set` bags serve the GraphQL names
    order = _order_of(src, ctx)
    rows = src.data.get("refund_shipping_lines") or []
    return connection(rows, args, lambda r: r["id"], lambda r: Obj("RefundShippingLine", r, order))


fixed("Refund", {"staffMember": None, "return": None})


@resolves("RefundLineItem.lineItem")
def _refunded_line(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return _line(src.parent or {}, src.data["line_item_id"])


@resolves("RefundLineItem.restocked")
def _restocked(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return src.data.get("restock_type", "no_restock") != "no_restock"


@resolves("RefundLineItem.location")
def _refund_location(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    found = ctx.locations().get(int(src.data.get("location_id") or 0))
    return Obj("Location", found) if found else None


@resolves("RefundLineItem.priceSet")
def _refund_price(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    line = src.data.get("line_item") or {}
    return _bag(src.parent or {}, line.get("price") or 0)


@resolves("RefundLineItem.subtotalSet")
def _refund_subtotal(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    found = src.data.get("subtotal_set")  # both currencies, when REST's payload has it
    return found or _bag(src.parent or {}, Decimal(str(src.data.get("subtotal") or 0)))


@resolves("RefundLineItem.totalTaxSet")
def _refund_tax(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    found = src.data.get("total_tax_set")
    return found or _bag(src.parent or {}, Decimal(str(src.data.get("total_tax") or 0)))


def _shop_twin(bag_resolver: Any) -> Any:
    """The deprecated `Money` scalar of a bag: its shop money, as Shopify serves it."""

    def resolve(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
        bag = bag_resolver(src, ctx, args)
        side = bag.get("shopMoney") or bag.get("shop_money")
        return side["amount"]

    return resolve


resolves("RefundLineItem.subtotal")(_shop_twin(_refund_subtotal))
resolves("RefundLineItem.totalTax")(_shop_twin(_refund_tax))


@resolves("Order.transactions")
def _transactions(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    rows = [Obj("OrderTransaction", t, src.data) for t in transactions_of(src.data)]
    return listed(rows, args)


@resolves("Order.transactionsCount")
def _transactions_count(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return {"count": len(transactions_of(src.data)), "precision": "EXACT"}


@resolves("OrderTransaction.amountSet")
def _amount(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    order = _order_of(src, ctx)
    amount, paid = Decimal(src.data["amount"]), src.data.get("currency")
    shop = str(order.get("currency") or "USD")
    if not paid or paid == shop:
        return _bag(order, amount)
    # REST states a transaction in the customer's currency; its shop money at the order's rate
    totals = order.get("total_price_set") or {}
    shown = Decimal((totals.get("presentment_money") or {}).get("amount") or 0)
    shop_total = Decimal((totals.get("shop_money") or {}).get("amount") or 0)
    rate = shop_total / shown if shown else Decimal(1)
    return {
        "shopMoney": {"amount": f"{cents(amount * rate):.2f}", "currencyCode": shop},
        "presentmentMoney": {"amount": f"{amount:.2f}", "currencyCode": paid},
    }


resolves("OrderTransaction.amount")(_shop_twin(_amount))


@resolves("OrderTransaction.parentTransaction")
def _parent(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    order = _order_of(src, ctx)
    found = next((t for t in transactions_of(order) if t["id"] == src.data.get("parent_id")), None)
    return Obj("OrderTransaction", found, order) if found else None


@resolves("OrderTransaction.maximumRefundableV2")
def _maximum(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    if src.data.get("kind") not in ("sale", "capture"):
        return None
    return _bag(_order_of(src, ctx), refundable(_order_of(src, ctx)))["shopMoney"]


@resolves("OrderTransaction.formattedGateway")
def _formatted_gateway(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return str(src.data.get("gateway") or "").replace("_", " ").title()


@resolves("OrderTransaction.receiptJson")
def _receipt(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return src.data.get("receipt") or {}


fixed(
    "OrderTransaction",
    {"manuallyCapturable": False, "multiCapturable": False, "fees": [], "user": None},
)


# --- suggested refunds ----------------------------------------------------------------


@resolves("Order.suggestedRefund")
def _suggested(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    order = src.data
    lines, subtotal, tax = [], Decimal(0), Decimal(0)
    for wanted in _suggested_lines(order, args):
        net, line_tax = _line_share(*wanted[:2])
        subtotal, tax = subtotal + net, tax + line_tax
        lines.append(_suggested_line(ctx, order, wanted, net, line_tax))
    shipping = _suggested_shipping(order, args)
    total = min(subtotal + tax + shipping, refundable(order))
    return {
        "amountSet": _bag(order, total),
        "subtotalSet": _bag(order, subtotal),
        "discountedSubtotalSet": _bag(order, subtotal),
        "totalTaxSet": _bag(order, tax),
        "maximumRefundableSet": _bag(order, refundable(order)),
        "totalCartDiscountAmountSet": _bag(order, 0),
        "totalDutiesSet": _bag(order, 0),
        "shipping": {
            "amountSet": _bag(order, shipping),
            "maximumRefundableSet": _bag(order, _shipping_total(order)),
            "taxSet": _bag(order, 0),
        },
        "refundLineItems": lines,
        "refundDuties": [],
        "suggestedTransactions": _suggested_transactions(ctx, order, total),
        "suggestedRefundMethods": [],
    }


def _line_share(line: Payload, quantity: int) -> tuple[Decimal, Decimal]:
    """(net of discounts, tax) of `quantity` units of a line: its share, to the cent."""
    share = Decimal(quantity) / Decimal(line["quantity"])
    net = (Decimal(line["price"]) * int(line["quantity"]) - _discount(line)) * share
    tax = sum((Decimal(t["price"]) for t in line.get("tax_lines") or []), Decimal(0)) * share
    return cents(net), cents(tax)


def _suggested_transactions(ctx: Ctx, order: Payload, total: Decimal) -> list[Payload]:
    """The money back goes to the captured payment (none when nothing was captured)."""
    sale = payment_of(order)
    if sale is None or total <= 0:
        return []
    return [
        {
            "amountSet": _bag(order, total),
            "maximumRefundableSet": _bag(order, refundable(order)),
            "gateway": sale["gateway"],
            "formattedGateway": _formatted_gateway(Obj("OrderTransaction", sale), ctx, {}),
            "kind": "SUGGESTED_REFUND",
            "parentTransaction": Obj("OrderTransaction", sale, order),
        }
    ]


def _discount(line: Payload) -> Decimal:
    return Decimal(line.get("total_discount") or 0)


def _shipping_total(order: Payload) -> Decimal:
    return Decimal(order["total_shipping_price_set"]["shop_money"]["amount"])


def _suggested_lines(order: Payload, args: dict[str, Any]) -> list[tuple[Payload, int, str]]:
    """(line, quantity, restock type) to refund: the asked lines, or all of it when full."""
    done = refunded_units(order)
    if args.get("suggestFullRefund"):
        return [
            (li, int(li["quantity"]) - done.get(li["id"], 0), "NO_RESTOCK")
            for li in order["line_items"]
            if int(li["quantity"]) > done.get(li["id"], 0)
        ]
    out = []
    for item in args.get("refundLineItems") or []:
        ident = gid_number(item.get("lineItemId"), "LineItem")
        line = next((li for li in order["line_items"] if li["id"] == ident), None)
        if line is None:
            continue
        quantity = min(
            int(item.get("quantity") or 0), int(line["quantity"]) - done.get(line["id"], 0)
        )
        if quantity > 0:
            out.append((line, quantity, str(item.get("restockType") or "RETURN")))
    return out


def _suggested_shipping(order: Payload, args: dict[str, Any]) -> Decimal:
    if args.get("refundShipping") or args.get("suggestFullRefund"):
        return _shipping_total(order)
    if args.get("shippingAmount") is not None:
        return min(Decimal(str(args["shippingAmount"])), _shipping_total(order))
    return Decimal(0)


def _suggested_line(
    ctx: Ctx, order: Payload, wanted: tuple[Payload, int, str], net: Decimal, tax: Decimal
) -> Obj:
    line, quantity, restock = wanted
    restocks = restock.lower() != "no_restock" and bool(ctx.state.locations)
    data = {
        "line_item_id": line["id"],
        "quantity": quantity,
        "restock_type": restock.lower(),
        "subtotal": str(net),
        "total_tax": str(tax),
        "line_item": line,
        # the REST refund restocks where every order ships from: the first location
        "location_id": ctx.state.locations[0]["id"] if restocks else None,
    }
    return Obj("RefundLineItem", data, order)
