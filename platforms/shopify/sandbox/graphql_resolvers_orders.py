"""Admin GraphQL resolvers over the sandbox's orders: Order (totals as money bags), addresses."""

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
from platforms.shopify.sandbox.graphql_search import Term, time_key
from platforms.shopify.sandbox.transactions import payment_of, refundable

FULFILLMENT_STATUS = {
    None: "UNFULFILLED",
    "partial": "PARTIALLY_FULFILLED",
    "fulfilled": "FULFILLED",
}
CAPTURED = ("paid", "partially_refunded", "refunded", "partially_paid")


def order_obj(order: Payload) -> Obj:
    return Obj("Order", order)


def _status(order: Payload) -> list[str]:
    """What `status:` matches: open, closed or cancelled (and `any`)."""
    if order.get("cancelled_at"):
        return ["cancelled", "closed", "any"]
    return ["closed", "any"] if order.get("closed_at") else ["open", "any"]


def _shipping(order: Payload) -> list[str]:
    status = order.get("fulfillment_status")
    if status == "fulfilled":
        return ["shipped", "fulfilled", "any"]
    if status == "partial":
        return ["partial", "unfulfilled", "any"]
    return ["unshipped", "unfulfilled", "any"]


ORDER_TERMS = {
    "id": Term(lambda o: o["id"], "number"),
    "name": Term(lambda o: [o["name"], o["name"].lstrip("#"), str(o["order_number"])]),
    "email": Term(lambda o: o.get("email")),
    "status": Term(_status),
    "financial_status": Term(lambda o: o.get("financial_status")),
    "fulfillment_status": Term(_shipping),
    "created_at": Term(lambda o: o["created_at"], "time"),
    "updated_at": Term(lambda o: o["updated_at"], "time"),
    "processed_at": Term(lambda o: o["processed_at"], "time"),
    "sku": Term(lambda o: [line.get("sku") for line in o["line_items"]]),
    "tag": Term(lambda o: [t.strip() for t in str(o.get("tags") or "").split(",") if t.strip()]),
    "customer_id": Term(lambda o: (o.get("customer") or {}).get("id"), "number"),
    "test": Term(lambda o: o.get("test", False), "bool"),
    "": Term(lambda o: [o["name"], o["name"].lstrip("#"), o.get("email")]),
}
ORDER_SORTS: dict[str, Any] = {
    "ID": lambda o: o["id"],
    "CREATED_AT": lambda o: time_key(o["created_at"]),
    "UPDATED_AT": lambda o: time_key(o["updated_at"]),
    "PROCESSED_AT": lambda o: time_key(o["processed_at"]),
    "ORDER_NUMBER": lambda o: o["order_number"],
    "TOTAL_PRICE": lambda o: float(o["total_price"]),
    "CURRENT_TOTAL_PRICE": lambda o: float(o["current_total_price"]),
    "CUSTOMER_NAME": lambda o: str((o.get("customer") or {}).get("last_name") or ""),
    "FINANCIAL_STATUS": lambda o: str(o.get("financial_status") or ""),
    "FULFILLMENT_STATUS": lambda o: str(o.get("fulfillment_status") or ""),
    "TOTAL_ITEMS_QUANTITY": lambda o: sum(int(li["quantity"]) for li in o["line_items"]),
}


def _currency(order: Payload) -> str:
    return str(order.get("currency") or "USD")


def _bag(order: Payload, amount: Decimal | str | int) -> Payload:
    return money_bag(amount, _currency(order))


def refunded_total(order: Payload) -> Decimal:
    """Money refunded so far (every refund's transactions)."""
    txns = (t for r in order.get("refunds") or [] for t in r.get("transactions") or [])
    return sum((Decimal(t["amount"]) for t in txns), Decimal(0))


def _received(order: Payload) -> Decimal:
    sale = payment_of(order)
    return Decimal(sale["amount"]) if sale else Decimal(0)


RENAMED = {
    "number": "order_number",
    "currencyCode": "currency",
    "presentmentCurrencyCode": "presentment_currency",
    "customerAcceptsMarketing": "buyer_accepts_marketing",
    "originalTotalPriceSet": "total_price_set",
    "currentShippingPriceSet": "total_shipping_price_set",
    "currentCartDiscountAmountSet": "current_total_discounts_set",
    "cartDiscountAmountSet": "total_discounts_set",
    "displayFinancialStatus": "financial_status",
    "clientIp": "browser_ip",
    "currentTotalWeight": "total_weight",
    "currentTaxLines": "tax_lines",
}
renamed("Order", RENAMED)


@resolves("Order.closed")
def _closed(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return src.data.get("closed_at") is not None


@resolves("Order.displayFulfillmentStatus")
def _display_fulfillment(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return FULFILLMENT_STATUS.get(src.data.get("fulfillment_status"), "UNFULFILLED")


@resolves("Order.discountCodes")
def _discount_codes(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return [c["code"] for c in src.data.get("discount_codes") or []]


@resolves("Order.discountCode")
def _discount_code(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    codes = _discount_codes(src, ctx, args)
    return codes[0] if codes else None


@resolves("Order.customAttributes", "LineItem.customAttributes")
def _attributes(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    pairs = src.data.get("note_attributes") or src.data.get("properties") or []
    return [{"key": p["name"], "value": p.get("value")} for p in pairs]


@resolves("Order.totalRefundedSet")
def _refunded(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return _bag(src.data, refunded_total(src.data))


@resolves("Order.totalReceivedSet")
def _received_set(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return _bag(src.data, _received(src.data))


@resolves("Order.netPaymentSet")
def _net(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return _bag(src.data, _received(src.data) - refunded_total(src.data))


@resolves("Order.totalOutstandingSet")
def _outstanding(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return _bag(src.data, src.data.get("total_outstanding") or 0)


@resolves("Order.totalCapturableSet")
def _capturable_set(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    held = src.data.get("financial_status") == "authorized" and not src.data.get("cancelled_at")
    return _bag(src.data, src.data["total_price"] if held else 0)


@resolves(
    "Order.totalTipReceivedSet",
    "Order.totalRefundedShippingSet",
    "Order.refundDiscrepancySet",
)
def _zero(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return _bag(src.data, 0)


# The deprecated `Money` twins of the bags (0 points where a bag costs 2) read the same
# amounts: a bag the sandbox corrupts (`corrupt_order`) is corrupt through both.
MONEY_TWINS = {
    "totalPrice": "total_price_set",
    "subtotalPrice": "subtotal_price_set",
    "totalTax": "total_tax_set",
    "totalDiscounts": "total_discounts_set",
    "cartDiscountAmount": "total_discounts_set",
    "totalShippingPrice": "total_shipping_price_set",
}


def _twin(key: str) -> Any:
    def resolve(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
        bag = src.data.get(key)
        return bag["shop_money"]["amount"] if isinstance(bag, dict) else None

    return resolve


for _name, _key in MONEY_TWINS.items():
    resolves(f"Order.{_name}")(_twin(_key))


@resolves("Order.totalRefunded")
def _refunded_money(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return f"{refunded_total(src.data):.2f}"


@resolves("Order.totalReceived")
def _received_money(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return f"{_received(src.data):.2f}"


@resolves("Order.netPayment")
def _net_money(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return f"{_received(src.data) - refunded_total(src.data):.2f}"


@resolves("Order.capturable")
def _capturable(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return src.data.get("financial_status") == "authorized" and not src.data.get("cancelled_at")


@resolves("Order.fullyPaid")
def _fully_paid(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return src.data.get("financial_status") in CAPTURED[:3]


@resolves("Order.unpaid")
def _unpaid(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return src.data.get("financial_status") in ("pending", "authorized")


@resolves("Order.refundable")
def _refundable(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return refundable(src.data) > 0


@resolves("Order.fulfillable", "Order.restockable")
def _fulfillable(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    lines = src.data["line_items"]
    return not src.data.get("cancelled_at") and any(li["fulfillable_quantity"] for li in lines)


@resolves("Order.subtotalLineItemsQuantity")
def _quantity(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return sum(int(li["quantity"]) for li in src.data["line_items"])


@resolves("Order.currentSubtotalLineItemsQuantity")
def _current_quantity(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return sum(int(li.get("current_quantity", li["quantity"])) for li in src.data["line_items"])


@resolves("Order.billingAddressMatchesShippingAddress")
def _same_address(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return src.data.get("billing_address") == src.data.get("shipping_address")


@resolves("Order.statusPageUrl")
def _status_page(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    domain = ctx.state.shop["domain"]
    return f"https://{domain}/{ctx.state.shop['id']}/orders/{src.data['token']}/authenticate"


fixed(
    "Order",
    {
        "requiresShipping": True,
        "edited": False,
        "merchantEditable": True,
        "canNotifyCustomer": True,
        "dutiesIncluded": False,
        "productNetwork": False,
        "hasTimelineComment": False,
        "merchantEditableErrors": [],
        "poNumber": None,
        "retailLocation": None,
        "app": None,
    },
)


@resolves("Order.canMarkAsPaid")
def _can_mark_paid(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return src.data.get("financial_status") == "pending" and not src.data.get("cancelled_at")


@resolves("Order.customer")
def _customer(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    embedded = src.data.get("customer")
    if not isinstance(embedded, dict):
        return None
    return Obj("Customer", ctx.customers().get(embedded["id"], embedded))


def address_obj(address: Payload | None, ident: int, model: str) -> Obj | None:
    """A MailingAddress (REST addresses carry no id on orders: one is derived)."""
    if not isinstance(address, dict):
        return None
    data = {**address, "admin_graphql_api_id": gid("MailingAddress", ident, f"model_name={model}")}
    return Obj("MailingAddress", data)


@resolves("Order.shippingAddress", "Order.displayAddress")
def _shipping_address(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return address_obj(src.data.get("shipping_address"), src.data["id"] * 10 + 1, "Address")


@resolves("Order.billingAddress")
def _billing_address(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return address_obj(src.data.get("billing_address"), src.data["id"] * 10 + 2, "Address")


@resolves("MailingAddress.countryCodeV2")
def _country_code(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return src.data.get("country_code")


@resolves("MailingAddress.formattedArea")
def _area(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    parts = [src.data.get("city"), src.data.get("province_code"), src.data.get("country")]
    return ", ".join(p for p in parts if p) or None


@resolves("MailingAddress.formatted")
def _formatted(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    a = src.data
    lines = [a.get("name")] if args.get("withName") else []
    lines += [a.get("company")] if args.get("withCompany") else []
    area = f"{a.get('city') or ''} {a.get('province_code') or ''} {a.get('zip') or ''}".strip()
    lines += [a.get("address1"), a.get("address2"), area, a.get("country")]
    return [line for line in lines if line]


fixed("MailingAddress", {"coordinatesValidated": False, "timeZone": None})
