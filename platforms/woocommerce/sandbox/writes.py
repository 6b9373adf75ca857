"""WooCommerce sandbox write endpoints: PUT products / variations / orders, POST refunds."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from platforms.sandbox.writes import WriteLog
from platforms.woocommerce.sandbox.people import refund as refund_payload
from platforms.woocommerce.sandbox.query import ORDER_STATUSES, PREFIX
from platforms.woocommerce.sandbox.seed import SeedState, dates, fmt

Payload = dict[str, Any]
# what a PUT may set: the statuses a listing filters on, less the checkout's own draft state
WRITABLE_STATUSES = tuple(s for s in ORDER_STATUSES if s != "checkout-draft")


class WpError(Exception):
    """A WP_Error answer."""

    def __init__(self, status: int, code: str, message: str, params: Payload | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.params = status, code, message, params

    def response(self) -> web.Response:
        data: Payload = {"status": self.status}
        if self.params:
            data["params"] = self.params
        body = {"code": self.code, "message": self.message, "data": data}
        return web.json_response(body, status=self.status)


def _invalid(name: str, why: str) -> WpError:
    return WpError(400, "rest_invalid_param", f"Invalid parameter(s): {name}", {name: why})


def _stamp(payload: Payload) -> None:
    payload.update(dates("date_modified", datetime.now(UTC)))


def _price(value: Any, name: str) -> str:
    """WooCommerce keeps prices as strings; "" clears a sale price."""
    if value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise _invalid(name, f"{name} is not of type string.") from None
    if not amount.is_finite() or amount < 0:
        raise _invalid(name, f"{name} must be a positive number.")
    return str(value)


class WooCommerceWriteRoutes:
    """Write handlers over one store's seed state; each applied write lands in `log`."""

    def __init__(self, state: SeedState) -> None:
        self.state = state
        self.log = WriteLog()
        self._next_refund = 9_000_001

    def add_to(self, router: web.UrlDispatcher) -> None:
        """Register before the sandbox's catch-all 404 route."""
        router.add_put(f"{PREFIX}/products/{{id:\\d+}}", self._guard(self.put_product))
        router.add_put(
            f"{PREFIX}/products/{{id:\\d+}}/variations/{{vid:\\d+}}",
            self._guard(self.put_variation),
        )
        router.add_put(f"{PREFIX}/orders/{{id:\\d+}}", self._guard(self.put_order))
        router.add_post(f"{PREFIX}/orders/{{id:\\d+}}/refunds", self._guard(self.post_refund))

    def _guard(self, handler: Any) -> Any:
        async def guarded(request: web.Request) -> web.StreamResponse:
            refused = self.log.refusal()
            if refused is not None:
                return _scripted(refused)
            try:
                body = await request.json()
            except ValueError:
                body = None
            if not isinstance(body, dict):
                return WpError(400, "rest_invalid_json", "Invalid JSON body passed.").response()
            try:
                payload, what = handler(request, body)
            except WpError as error:
                return error.response()
            self._announce(request, what)
            status = await self.log.record(what)
            if status is not None:
                return _scripted(status)
            result: web.StreamResponse = web.json_response(
                payload, status=201 if "refund" in what else 200
            )
            return result

        return guarded

    def _announce(self, request: web.Request, what: str) -> None:
        # WooCommerce has no finer topics: an order change is order.updated (a refund too),
        # a product or variation change is product.updated with the object as REST shows it.
        kind, _, _ = what.partition(":")
        if kind in ("order", "refund"):
            self.log.announce("order.updated", self.state.orders[int(request.match_info["id"])])
        elif kind == "product":
            ident = int(request.match_info.get("vid") or request.match_info["id"])
            target = self.state.products.get(ident) or self.state.variations.get(ident)
            self.log.announce("product.updated", target)

    def _apply(self, target: Payload, body: Payload) -> None:
        changes: Payload = {}
        if "stock_quantity" in body:
            quantity = body["stock_quantity"]
            if isinstance(quantity, bool) or not isinstance(quantity, int):
                raise _invalid("stock_quantity", "stock_quantity is not of type integer.")
            changes["stock_quantity"] = quantity
            changes["stock_status"] = "instock" if quantity > 0 else "outofstock"
        if "manage_stock" in body:
            changes["manage_stock"] = bool(body["manage_stock"])
        for name in ("regular_price", "sale_price"):
            if name in body:
                changes[name] = _price(body[name], name)
        target.update(changes)
        if "regular_price" in changes or "sale_price" in changes:
            on_sale = _on_sale(target.get("regular_price"), target.get("sale_price"))
            target["on_sale"] = on_sale
            target["price"] = target["sale_price"] if on_sale else target["regular_price"]
        _stamp(target)

    def put_product(self, request: web.Request, body: Payload) -> tuple[Payload, str]:
        """PUT products/{id} (a variation id works too, as in WooCommerce)."""
        pid = int(request.match_info["id"])
        target = self.state.products.get(pid) or self.state.variations.get(pid)
        if target is None:
            raise WpError(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
        self._apply(target, body)
        return target, f"product:{pid}"

    def put_variation(self, request: web.Request, body: Payload) -> tuple[Payload, str]:
        """PUT products/{pid}/variations/{vid}."""
        vid = int(request.match_info["vid"])
        variation = self.state.variations.get(vid)
        if variation is None or variation["parent_id"] != int(request.match_info["id"]):
            raise WpError(404, "woocommerce_rest_product_variation_invalid_id", "Invalid ID.")
        self._apply(variation, body)
        return variation, f"product:{vid}"

    def put_order(self, request: web.Request, body: Payload) -> tuple[Payload, str]:
        """PUT orders/{id}: the sandbox applies `status` (cancel is status=cancelled)."""
        oid = int(request.match_info["id"])
        order = self.state.orders.get(oid)
        if order is None:
            raise WpError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        status = body.get("status", order["status"])
        if status not in WRITABLE_STATUSES:
            raise _invalid("status", f"status is not one of {', '.join(WRITABLE_STATUSES)}.")
        order["status"] = status
        _stamp(order)
        return order, f"order:{oid}:{status}"

    def post_refund(self, request: web.Request, body: Payload) -> tuple[Payload, str]:
        """POST orders/{id}/refunds {amount, reason, line_items, api_refund, api_restock}."""
        oid = int(request.match_info["id"])
        order = self.state.orders.get(oid)
        if order is None:
            raise WpError(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        amount = Decimal(_price(body.get("amount") or "0", "amount") or "0")
        refunded = sum((-Decimal(r["total"]) for r in order.get("refunds") or []), Decimal(0))
        if amount <= 0 or amount + refunded > Decimal(order["total"]):
            raise WpError(
                400, "woocommerce_rest_cannot_create_order_refund", "Invalid refund amount."
            )
        lines = _refund_lines(order, body.get("line_items"))
        rid = self._next_refund
        self._next_refund += 1
        summary = {"id": rid, "reason": str(body.get("reason") or ""), "total": f"-{fmt(amount)}"}
        order.setdefault("refunds", []).insert(0, summary)
        # api_refund (default true) asks the gateway to send the money back
        self.state.refunds[rid] = {"line_items": lines, "api_refund": body.get("api_refund", True)}
        if amount + refunded == Decimal(order["total"]):
            order["status"] = "refunded"
        _stamp(order)
        return refund_payload(order, summary, self.state.refunds[rid]), f"refund:{oid}"


def _on_sale(regular: Any, sale: Any) -> bool:
    """WooCommerce's is_on_sale(): both prices set and the sale price below the regular one
    (a sale price above it is kept, but is no sale: the regular price is the price)."""
    if sale in (None, "") or regular in (None, ""):
        return False
    return Decimal(str(sale)) < Decimal(str(regular))


def _refund_lines(order: Payload, requested: Any) -> list[Payload]:
    """The `line_items` of a refund request, checked against the order's lines."""
    if requested is None:
        return []
    if not isinstance(requested, list):
        raise _invalid("line_items", "line_items is not of type array.")
    by_id = {line["id"]: line for line in order["line_items"]}
    out = []
    for item in requested:
        line = by_id.get(item.get("id")) if isinstance(item, dict) else None
        if line is None:
            raise WpError(400, "woocommerce_rest_invalid_line_item", "Invalid line item ID.")
        quantity = int(item.get("quantity") or 0)
        share = Decimal(line["total"]) * quantity / line["quantity"] if line["quantity"] else 0
        total = Decimal(_price(item.get("refund_total") or fmt(Decimal(share)), "refund_total"))
        out.append({"line": line, "quantity": quantity, "refund_total": total})
    return out


def _scripted(status: int) -> web.Response:
    code = "too_many_requests" if status == 429 else "internal_server_error"
    headers = {"Retry-After": "1"} if status == 429 else None
    body = {"code": code, "message": "Scripted failure", "data": {"status": status}}
    return web.json_response(body, status=status, headers=headers)


def add_write_routes(router: web.UrlDispatcher, state: SeedState) -> WriteLog:
    """Register the write endpoints; returns the log of applied writes."""
    routes = WooCommerceWriteRoutes(state)
    routes.add_to(router)
    return routes.log
