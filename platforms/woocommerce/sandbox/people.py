"""Sandbox customers, order refunds and Shipment Tracking meta, derived from the orders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from aiohttp import web

from platforms.woocommerce.mapping.people import TRACKING_META
from platforms.woocommerce.sandbox.query import (
    PREFIX,
    enum_param,
    id_list,
    paginate,
    sort_items,
    wp_error,
)
from platforms.woocommerce.sandbox.seed import SITE_URL, Payload, SeedState, dates, fmt

CUSTOMERS_ORDERBY = ("id", "include", "name", "registered_date")
_ROLES = ("all", "administrator", "editor", "author", "contributor", "subscriber", "customer")


def _gmt(text: str) -> datetime:
    """A `date_*_gmt` value (UTC, no designator) as an aware datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def add_tracking(state: SeedState) -> None:
    """Every third completed order carries the Shipment Tracking extension's meta (the
    others are completed without tracking, as on stores without the extension)."""
    for oid, order in state.orders.items():
        if order["status"] != "completed" or oid % 3:
            continue
        if any(m.get("key") == TRACKING_META for m in order["meta_data"]):
            continue
        shipped = order["date_completed_gmt"] or order["date_modified_gmt"]
        epoch = int(_gmt(shipped).timestamp())
        item = {
            "tracking_provider": "dhl",
            "custom_tracking_provider": "",
            "custom_tracking_link": "",
            "tracking_number": f"00340434{oid:010d}",
            "date_shipped": str(epoch - epoch % 86400),
            "tracking_id": f"{oid:08x}",
        }
        order["meta_data"].append({"id": oid * 100 + 3, "key": TRACKING_META, "value": [item]})


def customer(cid: int, orders: list[Payload]) -> Payload:
    """Customer `cid` as GET customers returns it; profile from their latest order."""
    latest = max(orders, key=lambda o: o["id"])
    first = min(orders, key=lambda o: o["date_created_gmt"])
    created = _gmt(first["date_created_gmt"]) - timedelta(days=30 + cid % 60)
    modified = _gmt(max(o["date_modified_gmt"] for o in orders))
    billing = dict(latest["billing"])
    shipping = {k: v for k, v in latest["shipping"].items() if k not in ("email",)}
    return {
        "id": cid,
        **dates("date_created", created),
        **dates("date_modified", modified),
        "email": billing["email"],
        "first_name": billing["first_name"],
        "last_name": billing["last_name"],
        "role": "customer",
        "username": f"customer{cid}",
        "billing": billing,
        "shipping": shipping,
        "is_paying_customer": any(o["status"] in ("completed", "processing") for o in orders),
        "avatar_url": f"https://secure.gravatar.com/avatar/{cid:032x}?s=96",
        "meta_data": [],
        "_links": {
            "self": [{"href": f"{SITE_URL}/wp-json/wc/v3/customers/{cid}"}],
            "collection": [{"href": f"{SITE_URL}/wp-json/wc/v3/customers"}],
        },
    }


def _negated(value: str) -> str:
    return fmt(-Decimal(value))


def refund(order: Payload, summary: Payload, asked: Payload | None = None) -> Payload:
    """The full refund object behind an order's `refunds` summary entry. `asked` is what
    its POST said (SeedState.refunds): the lines it named, and `api_refund` (a gateway
    refund; false records it only). A seeded refund of the whole total returns every line
    and the shipping through the gateway; a smaller one is money only."""
    rid, oid = summary["id"], order["id"]
    amount = -Decimal(summary["total"])
    full = asked is None and amount == Decimal(order["total"])
    named = (
        asked["line_items"]
        if asked
        else [
            {"line": line, "quantity": line["quantity"], "refund_total": Decimal(line["total"])}
            for line in (order["line_items"] if full else [])
        ]
    )
    via_gateway = asked["api_refund"] is not False if asked else True
    shipping = [
        {"id": rid * 10 + 8, "method_title": s["method_title"], "total": _negated(s["total"])}
        for s in (order["shipping_lines"] if full else [])
        if Decimal(s["total"])
    ]
    return {
        "id": rid,
        **dates("date_created", _gmt(order["date_modified_gmt"])),
        "amount": fmt(amount),
        "reason": summary.get("reason") or "",
        "refunded_by": 1,
        # only a gateway that can refund (Stripe here, not bank transfer) moves money
        "refunded_payment": via_gateway and order["payment_method"] == "stripe",
        "meta_data": [],
        "line_items": [_refund_line(rid * 10 + n, x) for n, x in enumerate(named)],
        "shipping_lines": shipping,
        "_links": {
            "self": [{"href": f"{SITE_URL}/wp-json/wc/v3/orders/{oid}/refunds/{rid}"}],
            "collection": [{"href": f"{SITE_URL}/wp-json/wc/v3/orders/{oid}/refunds"}],
            "up": [{"href": f"{SITE_URL}/wp-json/wc/v3/orders/{oid}"}],
        },
    }


def _refund_line(ident: int, named: Payload) -> Payload:
    """A refund's line: negative quantity and amounts, the order line in its meta."""
    line, quantity, total = named["line"], named["quantity"], named["refund_total"]
    tax = Decimal(line["total_tax"]) * quantity / line["quantity"] if line["quantity"] else 0
    return {
        "id": ident,
        "name": line["name"],
        "product_id": line["product_id"],
        "variation_id": line["variation_id"],
        "quantity": -quantity,
        "tax_class": "",
        "subtotal": fmt(-total),
        "subtotal_tax": fmt(-Decimal(tax)),
        "total": fmt(-total),
        "total_tax": fmt(-Decimal(tax)),
        "taxes": [],
        "meta_data": [{"id": ident, "key": "_refunded_item_id", "value": str(line["id"])}],
        "sku": line["sku"],
        "price": -line["price"],
    }


class WooCommercePeopleRoutes:
    """GET customers, customers/{id} and orders/{id}/refunds over the sandbox state."""

    def __init__(self, state: SeedState) -> None:
        self.state = state

    def add_to(self, router: web.UrlDispatcher) -> None:
        """Register the routes (before the sandbox's catch-all `rest_no_route`)."""
        router.add_get(f"{PREFIX}/customers", self.customers_route)
        router.add_get(f"{PREFIX}/customers/{{id:\\d+}}", self.customer_route)
        router.add_get(f"{PREFIX}/orders/{{id:\\d+}}/refunds", self.refunds_route)

    def customers(self) -> dict[int, Payload]:
        """Every customer some order references (guest orders have customer_id 0)."""
        orders: dict[int, list[Payload]] = {}
        for order in self.state.orders.values():
            if order["customer_id"]:
                orders.setdefault(order["customer_id"], []).append(order)
        return {cid: customer(cid, rows) for cid, rows in sorted(orders.items())}

    async def customers_route(self, request: web.Request) -> web.Response:
        """GET customers: include, exclude, email, role, orderby, order, page, per_page."""
        query = request.query
        include, exclude = id_list(query, "include"), set(id_list(query, "exclude"))
        role = enum_param(query, "role", "customer", _ROLES)
        orderby = enum_param(query, "orderby", "name", CUSTOMERS_ORDERBY)
        order = enum_param(query, "order", "asc", ("asc", "desc"))
        email = (query.get("email") or "").lower()
        rows = [
            c
            for c in self.customers().values()
            if (not include or c["id"] in include)
            and c["id"] not in exclude
            and (role == "all" or c["role"] == role)
            and (not email or c["email"].lower() == email)
        ]
        by = {"registered_date": "date", "name": "title"}.get(orderby, orderby)
        page, headers = paginate(
            sort_items(rows, by, order, include), query, str(request.url.with_query(None))
        )
        return web.json_response(page, headers=headers)

    async def customer_route(self, request: web.Request) -> web.Response:
        """GET customers/{id}."""
        found = self.customers().get(int(request.match_info["id"]))
        if found is None:
            return wp_error(404, "woocommerce_rest_invalid_id", "Invalid resource ID.")
        return web.json_response(found)

    async def refunds_route(self, request: web.Request) -> web.Response:
        """GET orders/{id}/refunds, newest first."""
        order = self.state.orders.get(int(request.match_info["id"]))
        if order is None:
            return wp_error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        rows = [
            refund(order, s, self.state.refunds.get(s["id"])) for s in order.get("refunds") or []
        ]
        rows.sort(key=lambda r: r["id"], reverse=True)
        page, headers = paginate(rows, request.query, str(request.url.with_query(None)))
        return web.json_response(page, headers=headers)
