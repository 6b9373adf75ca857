"""Shopify sandbox write endpoints: inventory adjust/set, variant PUT, cancel, fulfil, refund."""

from __future__ import annotations

import itertools
from typing import Any

from aiohttp import web

from platforms.sandbox.writes import WriteLog
from platforms.shopify.sandbox.format import clone, gid
from platforms.shopify.sandbox.query import API, json_response, not_found
from platforms.shopify.sandbox.seed import ShopifyState
from platforms.shopify.sandbox.seed_after import FULFILLMENT_ID_BASE
from platforms.shopify.sandbox.writes_common import (
    FO_LINE_OFFSET,
    Unprocessable,
    money_field,
    read_json,
)
from platforms.shopify.sandbox.writes_common import now as _now
from platforms.shopify.sandbox.writes_orders import ShopifyOrderLifecycleRoutes
from platforms.shopify.sandbox.writes_refunds import ShopifyRefundRoutes

Payload = dict[str, Any]
FULFILLMENT_ORDER_ID_BASE = 6_200_000_000_000
THROTTLED = (
    "Exceeded 2 calls per second for api client. "
    "Reduce request rates to resume uninterrupted service."
)
CANCEL_REASONS = ("customer", "inventory", "fraud", "declined", "staff", "other")


class ScriptedFailure(Exception):
    """A test asked for this status after the write was applied."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _scripted(status: int) -> web.Response:
    """Shopify's answer for a scripted failure: its 429 (with Retry-After) or a 5xx."""
    if status == 429:
        return json_response({"errors": THROTTLED}, status=429, headers={"Retry-After": "0.1"})
    return json_response({"errors": "Internal Server Error"}, status=status)


def _int_field(body: Payload, name: str) -> int:
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise Unprocessable({name: ["is required"] if value is None else ["must be an integer"]})
    try:
        return int(value)
    except ValueError:
        raise Unprocessable({name: ["must be an integer"]}) from None


class ShopifyWriteRoutes(ShopifyRefundRoutes, ShopifyOrderLifecycleRoutes):
    """Write handlers over one store's state; each applied write lands in `log`."""

    def __init__(self, state: ShopifyState) -> None:
        self.state = state
        self.log = WriteLog()
        self._ids = itertools.count(500_001)

    def add_to(self, app: web.Application) -> None:
        """Register the write endpoints under /admin/api/{version}/."""
        post = [
            ("/inventory_levels/adjust.json", self.adjust),
            ("/inventory_levels/set.json", self.set_level),
            ("/inventory_levels/connect.json", self.connect),
            (r"/orders/{id:\d+}/cancel.json", self.cancel),
            (r"/orders/{id:\d+}/close.json", self.close),
            (r"/orders/{id:\d+}/open.json", self.reopen),
            ("/fulfillments.json", self.fulfil),
            (r"/orders/{id:\d+}/refunds.json", self.refund),
            (r"/orders/{id:\d+}/refunds/calculate.json", self.calculate_refund),
        ]
        for path, handler in post:
            app.router.add_post(API + path, self._guard(handler))
        app.router.add_put(API + r"/variants/{id:\d+}.json", self._guard(self.put_variant))
        # the SDK's variant.save() always uses the nested route
        nested = r"/products/{product_id:\d+}/variants/{id:\d+}.json"
        app.router.add_put(API + nested, self._guard(self.put_variant))
        app.router.add_get(
            API + r"/orders/{id:\d+}/fulfillment_orders.json", self._guard(self.fulfillment_orders)
        )
        app.router.add_get(
            API + r"/orders/{id:\d+}/transactions.json", self._guard(self.transactions)
        )

    def _guard(self, handler: Any) -> Any:
        async def guarded(request: web.Request) -> web.StreamResponse:
            refused = self.log.refusal() if request.method != "GET" else None
            if refused is not None:
                return _scripted(refused)
            try:
                response: web.StreamResponse = await handler(request)
            except Unprocessable as exc:
                return json_response(exc.body, status=422)
            except ScriptedFailure as exc:
                return _scripted(exc.status)
            return response

        return guarded

    async def _applied(self, what: str) -> None:
        status = await self.log.record(what)
        if status is not None:
            raise ScriptedFailure(status)

    # --- inventory ----------------------------------------------------------------------

    def _level(self, body: Payload) -> Payload:
        key = (_int_field(body, "inventory_item_id"), _int_field(body, "location_id"))
        level = self.state.inventory_levels.get(key)
        if level is None:
            raise Unprocessable(["Inventory item is not stocked at the location"])
        return level

    async def adjust(self, request: web.Request) -> web.Response:
        """POST inventory_levels/adjust.json {inventory_item_id, location_id, available_adjustment}.

        Relative: Shopify applies the delta to whatever the level is now.
        """
        body = await read_json(request)
        level = self._level(body)
        delta = _int_field(body, "available_adjustment")
        self._change(level, int(level["available"] or 0) + delta)
        await self._applied(f"adjust:{level['inventory_item_id']}:{level['location_id']}")
        return json_response({"inventory_level": level})

    async def set_level(self, request: web.Request) -> web.Response:
        """POST inventory_levels/set.json {inventory_item_id, location_id, available}."""
        body = await read_json(request)
        level = self._level(body)
        self._change(level, _int_field(body, "available"))
        await self._applied(f"set:{level['inventory_item_id']}:{level['location_id']}")
        return json_response({"inventory_level": level})

    async def connect(self, request: web.Request) -> web.Response:
        """POST inventory_levels/connect.json {inventory_item_id, location_id}: stock the item
        at the location with 0 available (an existing level is returned unchanged)."""
        body = await read_json(request)
        key = (_int_field(body, "inventory_item_id"), _int_field(body, "location_id"))
        if key[1] not in {loc["id"] for loc in self.state.locations}:
            raise Unprocessable({"location_id": ["Location not found"]})
        level = self.state.inventory_levels.get(key)
        if level is None:
            item, location = key
            ref = f"{location}?inventory_item_id={item}"
            level = {
                "inventory_item_id": item,
                "location_id": location,
                "available": 0,
                "updated_at": _now(),
                "admin_graphql_api_id": f"gid://shopify/InventoryLevel/{ref}",
            }
            self.state.inventory_levels[key] = level
            self.log.announce("inventory_levels/connect", level)
        await self._applied(f"connect:{key[0]}:{key[1]}")
        return json_response({"inventory_level": level}, status=201)

    def set_available(self, level: Payload, available: int) -> None:
        """Set a level's `available` (GraphQL's inventory mutations write through here too)."""
        self._change(level, available)

    def _change(self, level: Payload, available: int) -> None:
        level["available"] = available
        level["updated_at"] = _now()
        self.log.announce("inventory_levels/update", level)
        item = level["inventory_item_id"]
        total = sum(
            int(lv["available"] or 0)
            for (it, _), lv in self.state.inventory_levels.items()
            if it == item
        )
        for variant in self.state.variants():
            if variant["inventory_item_id"] == item:
                variant["old_inventory_quantity"] = variant["inventory_quantity"]
                variant["inventory_quantity"] = total

    # --- variants -----------------------------------------------------------------------

    async def put_variant(self, request: web.Request) -> web.Response:
        """PUT variants/{id}.json {"variant": {price, compare_at_price, ...}}."""
        ident = int(request.match_info["id"])
        found = next((v for v in self.state.variants() if v["id"] == ident), None)
        parent = request.match_info.get("product_id")
        if found is None or (parent is not None and int(parent) != found["product_id"]):
            return not_found()
        changes = (await read_json(request)).get("variant")
        if not isinstance(changes, dict):
            raise Unprocessable({"variant": ["Required parameter missing or invalid"]}, "errors")
        self.apply_variant(found, changes)
        await self._applied(f"variant:{ident}")
        return json_response({"variant": found})

    def apply_variant(self, variant: Payload, changes: Payload) -> None:
        """Set price / compare_at_price (REST names) and announce `products/update`."""
        updates: Payload = {}
        for name in ("price", "compare_at_price"):
            if name in changes:
                updates[name] = money_field(changes[name], name, nullable=name != "price")
        variant.update(updates)
        variant["updated_at"] = _now()
        product = next((p for p in self.state.products if p["id"] == variant["product_id"]), None)
        if product is not None:
            product["updated_at"] = variant["updated_at"]  # Shopify moves the product's on too
            self.log.announce("products/update", product)

    # --- orders -------------------------------------------------------------------------

    def _order(self, request: web.Request) -> Payload | None:
        return self.state.order(int(request.match_info["id"]))

    async def cancel(self, request: web.Request) -> web.Response:
        """POST orders/{id}/cancel.json {reason, restock}."""
        order = self._order(request)
        if order is None:
            return not_found()
        body = await read_json(request)
        self.apply_cancel(order, body.get("reason", "other"), bool(body.get("restock")))
        await self._applied(f"cancel:{order['id']}")
        return json_response({"order": order})

    def apply_cancel(self, order: Payload, reason: Any, restock: bool) -> None:
        """Cancel the order (optionally restocking its lines) and send Shopify's webhooks."""
        if order.get("cancelled_at"):
            raise Unprocessable("Order has already been cancelled", key="error")
        if reason not in CANCEL_REASONS:
            raise Unprocessable({"reason": ["is not included in the list"]})
        now = _now()
        order.update(cancelled_at=now, cancel_reason=reason, closed_at=now, updated_at=now)
        if order.get("financial_status") in ("pending", "authorized"):
            order["financial_status"] = "voided"
        for line in order["line_items"]:
            line["fulfillable_quantity"] = 0
        if restock:
            for line in order["line_items"]:
                self._restock(line, int(line["quantity"]))
        for topic in ("orders/cancelled", "orders/updated"):  # Shopify sends both
            self.log.announce(topic, order)

    def _restock(self, line: Payload, quantity: int) -> None:
        variant = next((v for v in self.state.variants() if v["id"] == line["variant_id"]), None)
        if variant is None or not self.state.locations:
            return
        key = (variant["inventory_item_id"], self.state.locations[0]["id"])
        level = self.state.inventory_levels.get(key)
        if level is not None:
            self._change(level, int(level["available"] or 0) + quantity)

    def fulfillment_order(self, order: Payload) -> Payload:
        """The order's one fulfillment order (GraphQL reads it through `Order`)."""
        return self._fulfillment_order(order)

    def _fulfillment_order(self, order: Payload) -> Payload:
        """The order's one fulfillment order (the sandbox ships everything from one place)."""
        ident = FULFILLMENT_ORDER_ID_BASE + int(order["number"])
        lines = [
            {
                "id": line["id"] + FO_LINE_OFFSET,
                "shop_id": self.state.shop["id"],
                "fulfillment_order_id": ident,
                "line_item_id": line["id"],
                "inventory_item_id": None,
                "quantity": line["quantity"],
                "fulfillable_quantity": line["fulfillable_quantity"],
                "variant_id": line["variant_id"],
            }
            for line in order["line_items"]
        ]
        if order.get("cancelled_at"):
            status = "cancelled"
        elif any(line["fulfillable_quantity"] for line in order["line_items"]):
            status = "open"
        else:
            status = "closed"
        location = self.state.locations[0]["id"] if self.state.locations else None
        return {
            "id": ident,
            "admin_graphql_api_id": gid("FulfillmentOrder", ident),
            "shop_id": self.state.shop["id"],
            "order_id": order["id"],
            "assigned_location_id": location,
            "request_status": "unsubmitted",
            "status": status,
            "supported_actions": ["create_fulfillment"] if status == "open" else [],
            "line_items": lines,
        }

    async def fulfillment_orders(self, request: web.Request) -> web.Response:
        """GET orders/{id}/fulfillment_orders.json."""
        order = self._order(request)
        if order is None:
            return not_found()
        return json_response({"fulfillment_orders": [self._fulfillment_order(order)]})

    async def fulfil(self, request: web.Request) -> web.Response:
        """POST fulfillments.json with line_items_by_fulfillment_order and tracking_info."""
        body = (await read_json(request)).get("fulfillment")
        if not isinstance(body, dict) or not body.get("line_items_by_fulfillment_order"):
            raise Unprocessable({"fulfillment": ["line_items_by_fulfillment_order is required"]})
        saved, order = self.apply_fulfil(body)
        await self._applied(f"fulfil:{order['id']}")
        return json_response({"fulfillment": saved}, status=201)

    def apply_fulfil(self, body: Payload) -> tuple[Payload, Payload]:
        """Ship fulfillment-order lines (REST's `fulfillment` body); (fulfillment, order)."""
        shipped: list[tuple[Payload, int]] = []
        order: Payload | None = None
        for group in body["line_items_by_fulfillment_order"]:
            order = self._order_of_fo(group.get("fulfillment_order_id"))
            shipped += _pick_lines(order, group.get("fulfillment_order_line_items"))
        assert order is not None
        for line, quantity in shipped:
            line["fulfillable_quantity"] -= quantity
            line["fulfillment_status"] = (
                "fulfilled" if not line["fulfillable_quantity"] else "partial"
            )
        saved = self._record_fulfillment(order, shipped, body.get("tracking_info") or {})
        self.log.announce("fulfillments/create", saved)
        done = order["fulfillment_status"] == "fulfilled"
        self.log.announce("orders/fulfilled" if done else "orders/partially_fulfilled", order)
        self.log.announce("orders/updated", order)
        return saved, order

    def _order_of_fo(self, fo_id: Any) -> Payload:
        for order in self.state.orders:
            if FULFILLMENT_ORDER_ID_BASE + int(order["number"]) == fo_id:
                if order.get("cancelled_at") or not any(
                    line["fulfillable_quantity"] for line in order["line_items"]
                ):
                    raise Unprocessable([f"Fulfillment order {fo_id} has an unfulfillable status"])
                return order
        raise Unprocessable([f"Fulfillment order {fo_id} does not exist"])

    def _record_fulfillment(
        self, order: Payload, shipped: list[tuple[Payload, int]], tracking: Payload
    ) -> Payload:
        ident = FULFILLMENT_ID_BASE + next(self._ids)
        now = _now()
        number = tracking.get("number")
        saved = {
            "id": ident,
            "admin_graphql_api_id": gid("Fulfillment", ident),
            "created_at": now,
            "location_id": self.state.locations[0]["id"] if self.state.locations else None,
            "name": f"{order['name']}.{len(order['fulfillments']) + 1}",
            "order_id": order["id"],
            "service": "manual",
            "shipment_status": None,
            "status": "success",
            "tracking_company": tracking.get("company"),
            "tracking_number": number,
            "tracking_numbers": [number] if number else [],
            "tracking_url": tracking.get("url"),
            "tracking_urls": [tracking["url"]] if tracking.get("url") else [],
            "updated_at": now,
            "line_items": [{**clone(line), "quantity": qty} for line, qty in shipped],
        }
        order["fulfillments"].append(saved)
        remaining = any(line["fulfillable_quantity"] for line in order["line_items"])
        order["fulfillment_status"] = "partial" if remaining else "fulfilled"
        order["updated_at"] = now
        return saved


def _pick_lines(order: Payload, items: Any) -> list[tuple[Payload, int]]:
    """(order line, quantity) for an FO group; the whole remaining quantity when not given."""
    by_fo_line = {line["id"] + FO_LINE_OFFSET: line for line in order["line_items"]}
    if not items:
        return [
            (ln, ln["fulfillable_quantity"])
            for ln in order["line_items"]
            if ln["fulfillable_quantity"]
        ]
    picked = []
    for item in items:
        line = by_fo_line.get(item.get("id")) if isinstance(item, dict) else None
        if line is None:
            raise Unprocessable(["Invalid fulfillment order line item id"])
        quantity = int(item.get("quantity") or 0)
        if quantity <= 0 or quantity > line["fulfillable_quantity"]:
            raise Unprocessable(
                [f"Invalid quantity for fulfillment order line item {item.get('id')}"]
            )
        picked.append((line, quantity))
    return picked


def add_write_routes(app: web.Application, state: ShopifyState) -> WriteLog:
    """Register the write endpoints; returns the log of applied writes."""
    routes = ShopifyWriteRoutes(state)
    routes.add_to(app)
    return routes.log
