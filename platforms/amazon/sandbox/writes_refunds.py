"""POST_PAYMENT_ADJUSTMENT_DATA as Amazon processes it: an OrderAdjustment refunds items of
a shipped merchant-fulfilled order (Principal, Shipping, Tax components, in the order's
currency, never more than was charged); each refund is kept as the Finances API's
RefundEvent for the order, which `listFinancialEventsByOrderId` serves."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation

from aiohttp import web

from platforms.amazon.sandbox.seed import AmazonState, Payload, stamp
from platforms.sandbox.writes import WriteLog

FINANCES = "/finances/v0"
REFUNDABLE = {"SHIPPED", "PARTIALLY_SHIPPED"}  # Amazon charges at shipment
KINDS = {"Principal", "Shipping", "Tax", "ShippingTax"}


def _charged(item: Payload) -> Decimal:
    price = ((item.get("product") or {}).get("price") or {}).get("unitPrice") or {}
    return Decimal(str(price.get("amount", "0"))) * int(item.get("quantityOrdered") or 0)


class PaymentAdjustments:
    """Refunds by feed message, and what they left refundable per item."""

    def __init__(self, state: AmazonState, log: WriteLog, now: Callable[[], datetime]) -> None:
        self.state = state
        self.log = log
        self._now = now

    def add_to(self, router: web.UrlDispatcher) -> None:
        """Finances API v0: an order's financial events (its refunds)."""
        router.add_get(
            f"{FINANCES}/orders/{{orderId}}/financialEvents",
            self.financial_events,
            name="listFinancialEventsByOrderId",
        )

    async def financial_events(self, request: web.Request) -> web.Response:
        """Every RefundEvent of the order (none for an unknown one, as Amazon answers)."""
        events = self.state.refunds.get(request.match_info["orderId"], [])
        payload = {"FinancialEvents": {"RefundEventList": events, "ShipmentEventList": []}}
        return web.json_response({"payload": payload})

    def _refunded(self, order_id: str, item_id: str) -> Decimal:
        return sum(
            (
                Decimal(str(c["ChargeAmount"]["CurrencyAmount"])).copy_abs()
                for event in self.state.refunds.get(order_id, [])
                for row in event["ShipmentItemAdjustmentList"]
                if row["OrderAdjustmentItemId"] == item_id
                for c in row["ItemChargeAdjustmentList"]
                if c["ChargeType"] == "Principal"
            ),
            Decimal(0),
        )

    def adjust(self, order_id: str, message: ET.Element) -> str | None:
        """Apply one OrderAdjustment; the report's problem, or None when refunded."""
        order = self.state.orders.get(order_id)
        if order is None:
            return f"Order {order_id} was not found"
        status = order["fulfillment"]["fulfillmentStatus"]
        if order["fulfillment"]["fulfilledBy"] != "MERCHANT" or status not in REFUNDABLE:
            return f"Order {order_id} cannot be adjusted by the seller in status {status}"
        items = {i["orderItemId"]: i for i in order["orderItems"]}
        currency = order["proceeds"]["grandTotal"]["currencyCode"]
        rows = []
        for adjusted in message.iter("AdjustedItem"):
            item_id = adjusted.findtext("AmazonOrderItemCode") or ""
            if item_id not in items:
                return f"Order item {item_id} is not in order {order_id}"
            charges, problem = self._charges(adjusted, currency)
            if problem is not None:
                return problem
            principal = sum((-a for k, a in charges if k == "Principal"), Decimal(0))
            if principal + self._refunded(order_id, item_id) > _charged(items[item_id]):
                return f"Adjustment exceeds what was charged for order item {item_id}"
            rows.append(self._row(items[item_id], charges, currency))
        if not rows:
            return "The adjustment names no item"
        event = {
            "AmazonOrderId": order_id,
            "PostedDate": stamp(self._now()),
            "MarketplaceName": "Amazon.com",
            "ShipmentItemAdjustmentList": rows,
        }
        self.state.refunds.setdefault(order_id, []).append(event)
        self.log.applied.append(f"refund:{order_id}")
        return None

    def _charges(
        self, adjusted: ET.Element, currency: str
    ) -> tuple[list[tuple[str, Decimal]], str | None]:
        """(type, signed amount) per component: a refund is negative money to the seller."""
        out = []
        for component in adjusted.iter("Component"):
            kind, amount = component.findtext("Type") or "", component.find("Amount")
            if kind not in KINDS or amount is None or amount.get("currency") != currency:
                return [], f"Component {kind or '?'} is not a {currency} price component"
            try:
                value = Decimal((amount.text or "").strip())
            except InvalidOperation:
                return [], f"Component {kind} amount is not a decimal"
            if value <= 0:
                return [], f"Component {kind} amount must be positive"
            out.append((kind, -value))
        return out, None

    @staticmethod
    def _row(item: Payload, charges: list[tuple[str, Decimal]], currency: str) -> Payload:
        unit = _charged(item) / int(item.get("quantityOrdered") or 1)
        principal = sum((-a for k, a in charges if k == "Principal"), Decimal(0))
        return {
            "OrderAdjustmentItemId": item["orderItemId"],
            "SellerSKU": (item.get("product") or {}).get("sellerSku"),
            "QuantityShipped": int(principal / unit) if unit else 0,
            "ItemChargeAdjustmentList": [
                {
                    "ChargeType": kind,
                    "ChargeAmount": {"CurrencyCode": currency, "CurrencyAmount": float(amount)},
                }
                for kind, amount in charges
            ],
        }
