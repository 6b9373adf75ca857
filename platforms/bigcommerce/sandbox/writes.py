"""Sandbox write endpoints: V3 inventory adjustments and variant prices, V2 order status and
shipments, V3 refund quotes and refunds. Every applied write lands in the `WriteLog`."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from platforms.bigcommerce.sandbox.orders import public
from platforms.bigcommerce.sandbox.query import (
    BadRequest,
    Payload,
    error_for,
    json_body,
    v2_error,
    v3_error,
    v3_one,
)
from platforms.bigcommerce.sandbox.seed import StoreState, rfc2822, v3_money
from platforms.bigcommerce.sandbox.seed_orders import refund, ship
from platforms.sandbox.writes import WriteLog

Applied = tuple[Any, str, int]  # (answer body, what was written, status)


class Refused(Exception):
    """A write the platform refuses (422 and friends), in the path's error shape."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status, self.text = status, text


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Refused(422, f"{name} must be an integer")
    return value


class WriteRoutes:
    """Write handlers over the store's state."""

    def __init__(self, state: StoreState) -> None:
        self.state = state
        self.log = WriteLog()

    def add_to(self, router: web.UrlDispatcher, prefix: str) -> None:
        """Register the write routes under `/stores/{hash}`."""
        add = router.add_route
        add("PUT", f"{prefix}/v3/inventory/adjustments/absolute", self._guard(self.absolute))
        add("POST", f"{prefix}/v3/inventory/adjustments/relative", self._guard(self.relative))
        add(
            "PUT",
            f"{prefix}/v3/catalog/products/{{pid:\\d+}}/variants/{{vid:\\d+}}",
            self._guard(self.price),
        )
        add("PUT", f"{prefix}/v2/orders/{{id:\\d+}}", self._guard(self.order_status))
        add("POST", f"{prefix}/v2/orders/{{id:\\d+}}/shipments", self._guard(self.shipment))
        add("POST", f"{prefix}/v3/orders/{{id:\\d+}}/payment_actions/refund_quotes", self.quote)
        add(
            "POST",
            f"{prefix}/v3/orders/{{id:\\d+}}/payment_actions/refunds",
            self._guard(self.refund),
        )

    def _guard(self, handler: Callable[[web.Request, Any], Awaitable[Applied]]) -> Any:
        async def guarded(request: web.Request) -> web.StreamResponse:
            refused = self.log.refusal()
            if refused is not None:
                return error_for(request.path, refused, "Scripted refusal")
            try:
                body, what, status = await handler(request, await json_body(request))
            except BadRequest as bad:
                return error_for(request.path, 400, str(bad))
            except Refused as refusal:
                return error_for(request.path, refusal.status, refusal.text)
            scripted = await self.log.record(what)
            if scripted is not None:
                return error_for(request.path, scripted, "Scripted failure after apply")
            return web.json_response(body, status=status)

        return guarded

    # --- inventory --------------------------------------------------------------------

    def _items(self, body: Any) -> list[tuple[int, int, int]]:
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("items"), list)
            or not body["items"]
        ):
            raise Refused(422, "JSON data is missing or invalid")
        found = []
        for item in body["items"]:
            if not isinstance(item, dict) or "variant_id" not in item:
                raise Refused(
                    422, "Items must name a variant_id (sku and product_id: not emulated)"
                )
            vid, lid = (
                _int(item["variant_id"], "variant_id"),
                _int(item.get("location_id"), "location_id"),
            )
            if self.state.variant(vid) is None or lid not in self.state.locations:
                raise Refused(422, f"Items with identity: [variant_id {vid}] were not found")
            found.append((vid, lid, _int(item.get("quantity"), "quantity")))
        return found

    async def absolute(self, _: web.Request, body: Any) -> Applied:
        items = self._items(body)
        for vid, lid, quantity in items:
            record = self.state.stock.setdefault((vid, lid), {"onhand": 0, "safety": 0})
            record["onhand"] = quantity  # on hand; available to sell is less the safety stock
        self._stock_changed(items, "absolute")
        what = ";".join(f"stock:{v}:{lo}=abs{q}" for v, lo, q in items)
        return {"transaction_id": _transaction(what)}, what, 200

    async def relative(self, _: web.Request, body: Any) -> Applied:
        items = self._items(body)
        never = [v for v, lo, _ in items if (v, lo) not in self.state.stock]
        if never:
            # the platform's own words (realworld/bigcommerce/inventory_adjust_error_422_v3.json)
            raise Refused(
                422,
                f"Items with identity: [variant_id {never[0]}] "
                "requires absolute adjustment before relative",
            )
        for vid, lid, delta in items:
            self.state.stock[(vid, lid)]["onhand"] += delta
        self._stock_changed(items, "relative")
        what = ";".join(f"stock:{v}:{lo}={q:+d}" for v, lo, q in items)
        return {"transaction_id": _transaction(what)}, what, 200

    async def price(self, request: web.Request, body: Any) -> Applied:
        found = self.state.variant(int(request.match_info["vid"]))
        if found is None or found[0]["id"] != int(request.match_info["pid"]):
            raise Refused(404, "The requested variant was not found.")
        product, variant = found
        for name in ("price", "sale_price", "retail_price"):
            if name in body:
                try:
                    amount = Decimal(str(body[name] if body[name] is not None else 0))
                except InvalidOperation:
                    raise Refused(422, f"{name} must be a number") from None
                variant[name] = v3_money(amount)
        variant["calculated_price"] = variant["sale_price"] or variant["price"]
        product["date_modified"] = self.state.clock.tick().isoformat()
        self.log.announce("store/product/updated", {"type": "product", "id": product["id"]})
        return {"data": variant, "meta": {}}, f"price:{variant['id']}={variant['price']}", 200

    def _stock_changed(self, items: list[tuple[int, int, int]], method: str) -> None:
        for vid, lid, _ in items:
            found = self.state.variant(vid)
            if found is None:
                continue
            value = self.state.stock[(vid, lid)]["onhand"]
            inventory = {
                "product_id": found[0]["id"],
                "method": method,
                "value": value,
                "variant_id": vid,
            }
            self.log.announce(
                "store/sku/inventory/updated", {"type": "sku", "id": vid, "inventory": inventory}
            )

    # --- orders -----------------------------------------------------------------------

    def _order(self, request: web.Request) -> tuple[int, Payload]:
        oid = int(request.match_info["id"])
        if oid not in self.state.orders:
            raise Refused(404, "The requested resource was not found.")
        return oid, self.state.orders[oid]

    def _touch(self, oid: int) -> datetime:
        now = self.state.clock.tick()
        self.state.modified[oid] = now
        self.state.orders[oid]["date_modified"] = rfc2822(now)
        return now

    async def order_status(self, request: web.Request, body: Any) -> Applied:
        oid, order = self._order(request)
        status = body.get("status_id") if isinstance(body, dict) else None
        order["status_id"] = _int(status, "status_id")
        self._touch(oid)
        self.log.announce("store/order/statusUpdated", {"type": "order", "id": oid})
        return order, f"order:{oid}:status={status}", 200

    async def shipment(self, request: web.Request, body: Any) -> Applied:
        oid, _ = self._order(request)
        rows = {r["id"]: r for r in self.state.order_products[oid]}
        wanted = [i.get("order_product_id") for i in body.get("items") or () if isinstance(i, dict)]
        if not wanted or any(w not in rows for w in wanted):
            raise Refused(400, "The field 'items' is invalid.")
        now = self._touch(oid)
        provider = str(body.get("shipping_provider") or "")
        shipment = ship(
            self.state, oid, [rows[w] for w in wanted], now, (provider, provider.upper())
        )
        shipment.update(
            {k: body[k] for k in ("tracking_number", "comments", "tracking_carrier") if k in body}
        )
        self.log.announce(
            "store/shipment/created", {"type": "shipment", "id": shipment["id"], "orderId": oid}
        )
        return shipment, f"shipment:{oid}:{shipment['id']}", 201

    async def quote(self, request: web.Request) -> web.StreamResponse:
        oid = int(request.match_info["id"])
        if oid not in self.state.orders:
            return v3_error(404, "Order not found")
        body = await json_body(request)
        rows = {r["id"]: r for r in self.state.order_products[oid]}
        total = Decimal(0)
        for item in body.get("items") or ():
            row = rows.get(item.get("item_id"))
            if row is None:
                return v3_error(422, "Refund item not found on the order")
            share = Decimal(item.get("quantity") or 0) / row["quantity"]
            total += (row["_net"] + row["_tax"]) * share
        quote = {
            "order_id": oid,
            "total_refund_amount": float(round(total, 2)),
            "rounding": 0,
            "refund_methods": [
                [
                    {
                        "provider_id": "storecredit",
                        "provider_description": "Store Credit",
                        "amount": float(round(total, 2)),
                        "offline": True,
                        "offline_provider": True,
                        "offline_reason": "",
                    }
                ]
            ],
        }
        return v3_one(quote)

    async def refund(self, request: web.Request, body: Any) -> Applied:
        oid, _ = self._order(request)
        rows = {r["id"]: r for r in self.state.order_products[oid]}
        items = [i for i in body.get("items") or () if isinstance(i, dict)]
        chosen = [rows[i["item_id"]] for i in items if i.get("item_id") in rows]
        if not chosen or len(chosen) != len(items):
            raise Refused(422, "Refund items must name products of the order")
        quantities = [_int(i.get("quantity"), "quantity") for i in items]
        if any(
            q < 1 or q > r["quantity"] - r["quantity_refunded"]
            for q, r in zip(quantities, chosen, strict=True)
        ):
            raise Refused(422, "Refund quantity exceeds what is left to refund")
        now = self._touch(oid)
        made = refund(self.state, oid, chosen, full=False, at=now, quantities=quantities)
        if body.get("reason"):
            made["reason"] = str(body["reason"])
        refund_data = {"type": "order", "id": oid, "refund": {"refund_id": made["id"]}}
        self.log.announce("store/order/refund/created", refund_data)
        return {"data": made, "meta": {}}, f"refund:{oid}:{made['id']}", 201


def _transaction(what: str) -> str:
    return "tx-" + hashlib.sha256(what.encode()).hexdigest()[:16]


__all__ = ["WriteRoutes", "public", "v2_error"]
