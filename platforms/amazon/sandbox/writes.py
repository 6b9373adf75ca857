"""Write routes: `patchListingsItem` (merchant quantity, price) and v0 `confirmShipment`,
applied to the seeded state and logged (`WriteLog`) for the exactly-once tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from platforms.amazon.sandbox.catalog import LISTINGS
from platforms.amazon.sandbox.query import InvalidInput, Payload, sp_error
from platforms.amazon.sandbox.seed import SELLER_ID, AmazonState, fmt, stamp
from platforms.sandbox.writes import WriteLog

SHIPMENT = "/orders/v0/orders/{orderId}/shipmentConfirmation"
QUANTITY = "/attributes/fulfillment_availability"
PRICE = "/attributes/purchasable_offer"


def _quantity(value: Any) -> int:
    try:
        quantity = value[0]["quantity"]
    except (TypeError, KeyError, IndexError) as exc:
        raise InvalidInput("fulfillment_availability needs a quantity") from exc
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
        raise InvalidInput("quantity must be a non-negative integer")
    return quantity


def _price(value: Any) -> tuple[str, str, Decimal]:
    try:
        offer = value[0]
        amount = Decimal(str(offer["our_price"][0]["schedule"][0]["value_with_tax"]))
        market, currency = str(offer["marketplace_id"]), str(offer["currency"])
    except (TypeError, KeyError, IndexError, InvalidOperation) as exc:
        raise InvalidInput("purchasable_offer needs marketplace_id, currency, our_price") from exc
    if not amount.is_finite() or amount <= 0 or amount >= Decimal("1e9"):
        raise InvalidInput("our_price must be a positive amount")
    return market, currency, amount


class AmazonWriteRoutes:
    """The writes a seller application makes."""

    def __init__(self, state: AmazonState, log: WriteLog, now: Callable[[], datetime]) -> None:
        self.state = state
        self.log = log
        self._now = now
        self._submissions = itertools.count(1)

    def add_to(self, router: web.UrlDispatcher) -> None:
        """Register the write routes."""
        router.add_patch(LISTINGS + "/{sku}", self.patch, name="patchListingsItem")
        router.add_post(SHIPMENT, self.confirm, name="confirmShipment")

    async def patch(self, request: web.Request) -> web.Response:
        """`patchListingsItem`: `replace` of fulfillment_availability (merchant quantity) or
        purchasable_offer (price); ACCEPTED with a submission id once applied."""
        if request.match_info["sellerId"] != SELLER_ID:
            raise InvalidInput("The sellerId is not this selling partner's")
        item = self.state.listings.get(request.match_info["sku"])
        if item is None:
            return sp_error(404, "NOT_FOUND", "Listings item not found.")
        body: Any = await request.json()
        patches = body.get("patches") if isinstance(body, dict) else None
        if not isinstance(patches, list) or not patches or not body.get("productType"):
            raise InvalidInput("productType and patches are required")
        refused = self.log.refusal()
        if refused is not None:
            return sp_error(refused, "InternalFailure", "We encountered an internal error.")
        for patch in patches:
            self._apply(item, patch)
        item["summaries"][0]["lastUpdatedDate"] = stamp(self._now())
        late = await self.log.record(f"patch:{item['sku']}")
        if late is not None:
            return sp_error(late, "InternalFailure", "We encountered an internal error.")
        answer = {
            "sku": item["sku"],
            "status": "ACCEPTED",
            "submissionId": f"sub-{next(self._submissions):06d}",
            "issues": [],
        }
        return web.json_response(answer)

    def _apply(self, item: Payload, patch: Any) -> None:
        if not isinstance(patch, dict) or patch.get("op") not in ("replace", "merge"):
            raise InvalidInput("Only replace/merge patches are supported")
        if patch.get("path") == QUANTITY:
            if any(
                c["fulfillmentChannelCode"] != "DEFAULT"
                for c in item.get("fulfillmentAvailability", [])
            ):
                raise InvalidInput("Quantity of an Amazon-fulfilled listing is Amazon's")
            item["fulfillmentAvailability"] = [
                {"fulfillmentChannelCode": "DEFAULT", "quantity": _quantity(patch.get("value"))}
            ]
        elif patch.get("path") == PRICE:
            market, currency, amount = _price(patch.get("value"))
            for offer in item.get("offers", []):
                if offer["marketplaceId"] == market:
                    offer["price"] = {"currencyCode": currency, "amount": fmt(amount)}
        else:
            raise InvalidInput(f"Unsupported patch path {str(patch.get('path'))[:60]}")

    async def confirm(self, request: web.Request) -> web.Response:
        """v0 `confirmShipment` for a merchant-fulfilled order: 204 once the package is on it."""
        order = self.state.orders.get(request.match_info["orderId"])
        if order is None:
            return sp_error(404, "NotFound", "The requested order was not found.")
        body: Any = await request.json()
        detail = body.get("packageDetail") if isinstance(body, dict) else None
        if not isinstance(detail, dict) or not detail.get("trackingNumber"):
            raise InvalidInput("packageDetail with trackingNumber is required")
        if order["fulfillment"]["fulfilledBy"] != "MERCHANT":
            raise InvalidInput("Only merchant-fulfilled orders are confirmed by the seller")
        refused = self.log.refusal()
        if refused is not None:
            return sp_error(refused, "InternalFailure", "We encountered an internal error.")
        self._ship(order, detail)
        self.log.announce("ORDER_CHANGE", order["orderId"])
        late = await self.log.record(f"ship:{order['orderId']}")
        if late is not None:
            return sp_error(late, "InternalFailure", "We encountered an internal error.")
        return web.Response(status=204)

    def _ship(self, order: Payload, detail: Payload) -> None:
        items = {i["orderItemId"]: i for i in order["orderItems"]}
        lines = detail.get("orderItems") or [
            {"orderItemId": i, "quantity": x["quantityOrdered"]} for i, x in items.items()
        ]
        for line in lines:
            item = items.get(str(line.get("orderItemId")))
            if item is None:
                raise InvalidInput("Unknown orderItemId")
            done = item.setdefault("fulfillment", {"quantityFulfilled": 0})
            done["quantityFulfilled"] = min(
                item["quantityOrdered"], done.get("quantityFulfilled", 0) + int(line["quantity"])
            )
            done["quantityUnfulfilled"] = item["quantityOrdered"] - done["quantityFulfilled"]
        now = stamp(self._now())
        packages = order.setdefault("packages", [])
        packages.append(
            {
                "packageReferenceId": str(detail.get("packageReferenceId") or len(packages) + 1),
                "createdTime": now,
                "shipTime": str(detail.get("shipDate") or now),
                "packageStatus": {"status": "SHIPPED"},
                "carrier": str(detail.get("carrierCode") or "Other"),
                "trackingNumber": str(detail["trackingNumber"]),
                "packageItems": [
                    {"orderItemId": str(x["orderItemId"]), "quantity": int(x["quantity"])}
                    for x in lines
                ],
            }
        )
        shipped = all(
            i.get("fulfillment", {}).get("quantityUnfulfilled", 1) == 0 for i in order["orderItems"]
        )
        order["fulfillment"]["fulfillmentStatus"] = "SHIPPED" if shipped else "PARTIALLY_SHIPPED"
        order["lastUpdatedTime"] = now


def add_write_routes(
    router: web.UrlDispatcher, state: AmazonState, now: Callable[[], datetime]
) -> WriteLog:
    """Register the write routes; their log."""
    log = WriteLog()
    AmazonWriteRoutes(state, log, now).add_to(router)
    return log
