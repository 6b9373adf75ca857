"""Amazon sandbox notifications, as an EventBridge API destination delivers them: the SP-API
notification in an EventBridge event's `detail`, the connection's API key in a header, at
least once (see `platforms.sandbox.webhooks`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
from aiohttp import web

from platforms.amazon.sandbox.seed import SELLER_ID, AmazonState, Payload, stamp
from platforms.amazon.webhooks import API_KEY_HEADER, FBA_CHANGES, ORDER_CHANGE
from platforms.sandbox.kit import CONTROL_PREFIX
from platforms.sandbox.webhooks import WebhookSender, add_sender_routes, read_json
from platforms.sandbox.writes import WriteLog

SOURCE = "aws.partner/sellingpartnerapi.amazon.com/amzn1.sellerapps.app.sandbox"


def delivery_headers(topic: str, body: bytes, delivery_id: str, secret: str) -> dict[str, str]:
    """What an API destination sends: JSON, and the connection's API key."""
    return {"Content-Type": "application/json; charset=utf-8", API_KEY_HEADER: secret}


class AmazonNotifier:
    """Notifications of one sandbox seller: order changes (storefront, writes) and FBA
    stock changes (`POST /_sandbox/fba/{sku}` `{"fulfillable": n}`)."""

    def __init__(self, state: AmazonState, now: Callable[[], datetime]) -> None:
        self.state = state
        self._now = now
        self.sender = WebhookSender(delivery_headers)

    @classmethod
    def install(
        cls, app: web.Application, state: AmazonState, writes: WriteLog, now: Callable[[], datetime]
    ) -> AmazonNotifier:
        """Create the notifier; writes announce order changes through it."""
        notifier = cls(state, now)
        writes.listeners.append(lambda topic, order_id: notifier.order_changed(str(order_id)))
        add_sender_routes(app, notifier.sender)
        app.router.add_post(f"{CONTROL_PREFIX}/fba/{{sku}}", notifier._set_fba)
        return notifier

    def _send(self, topic: str, payload: Payload) -> None:
        delivery_id = self.sender.new_id()
        at = stamp(self._now())
        detail = {
            "NotificationVersion": "1.0",
            "NotificationType": topic,
            "PayloadVersion": "1.0",
            "EventTime": at,
            "Payload": payload,
            "NotificationMetadata": {
                "ApplicationId": "amzn1.sp.solution.sandbox",
                "SubscriptionId": f"sub-{topic.lower()}",
                "PublishTime": at,
                "NotificationId": delivery_id,
            },
        }
        event = {
            "version": "0",
            "id": delivery_id,
            "detail-type": topic,
            "source": SOURCE,
            "account": "000000000000",
            "time": at,
            "region": "us-east-1",
            "resources": [],
            "detail": detail,
        }
        self.sender.emit(topic, orjson.dumps(event), delivery_id)

    def order_changed(self, order_id: str) -> None:
        """ORDER_CHANGE for an order (its summary; receivers read the order itself)."""
        order = self.state.orders.get(order_id)
        if order is None:
            return
        summary = {
            "MarketplaceId": order["salesChannel"].get("marketplaceId"),
            "OrderStatus": order["fulfillment"]["fulfillmentStatus"],
            "FulfillmentType": "AFN" if order["fulfillment"]["fulfilledBy"] == "AMAZON" else "MFN",
        }
        self._send(
            ORDER_CHANGE,
            {
                "OrderChangeNotification": {
                    "NotificationLevel": "OrderLevel",
                    "SellerId": SELLER_ID,
                    "AmazonOrderId": order_id,
                    "OrderChangeType": "OrderStatusChange",
                    "Summary": summary,
                }
            },
        )

    def fba_changed(self, sku: str) -> None:
        """FBA_INVENTORY_AVAILABILITY_CHANGES with the SKU's stock in every marketplace."""
        markets = []
        for market, stock in self.state.fba.items():
            row = stock.get(sku)
            if row is None:
                continue
            details = row["inventoryDetails"]
            reserved = details["reservedQuantity"]
            markets.append(
                {
                    "MarketplaceId": market,
                    "ItemName": row["productName"],
                    "FulfillmentInventory": {
                        "InboundQuantityBreakdown": {
                            "Working": details["inboundWorkingQuantity"],
                            "Shipped": details["inboundShippedQuantity"],
                            "Receiving": details["inboundReceivingQuantity"],
                        },
                        "Fulfillable": details["fulfillableQuantity"],
                        "Unfulfillable": details["unfulfillableQuantity"][
                            "totalUnfulfillableQuantity"
                        ],
                        "ReservedQuantityBreakdown": {
                            "PendingCustomerOrder": reserved["pendingCustomerOrderQuantity"],
                            "WarehouseTransfer": reserved["pendingTransshipmentQuantity"],
                            "WarehouseProcessing": reserved["fcProcessingQuantity"],
                        },
                    },
                }
            )
        any_row: Any = next(s[sku] for s in self.state.fba.values() if sku in s)
        self._send(
            FBA_CHANGES,
            {
                "SellerId": SELLER_ID,
                "FNSKU": any_row["fnSku"],
                "ASIN": any_row["asin"],
                "SKU": sku,
                "FulfillmentInventoryByMarketplace": markets,
            },
        )

    async def _set_fba(self, request: web.Request) -> web.StreamResponse:
        """Control: Amazon's FCs count a SKU's fulfillable stock anew (in every marketplace)."""
        sku = request.match_info["sku"]
        body = await read_json(request)
        if isinstance(body, web.Response):
            return body
        rows = [s[sku] for s in self.state.fba.values() if sku in s]
        if not rows or not isinstance(body.get("fulfillable"), int):
            return web.json_response({"error": "an FBA SKU and an integer fulfillable"}, status=400)
        for row in rows:
            row["inventoryDetails"]["fulfillableQuantity"] = body["fulfillable"]
            row["lastUpdatedTime"] = stamp(self._now())
        self.fba_changed(sku)
        return web.json_response({"sku": sku, "fulfillable": body["fulfillable"]})
