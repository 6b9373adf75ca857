"""WordPress collection semantics for the sandbox: param checks, filters, sort, pages, and the
answers every route shares (collections, WP_Error)."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

Payload = dict[str, Any]
PREFIX = "/wp-json/wc/v3"

ORDER_STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
    "trash",
)
ORDERS_ORDERBY = ("date", "id", "include", "title", "slug", "modified")
PRODUCTS_ORDERBY = (*ORDERS_ORDERBY, "price", "popularity", "rating", "menu_order")
PRODUCT_TYPES = ("simple", "grouped", "external", "variable")
PRODUCT_STATUSES = ("any", "future", "trash", "draft", "pending", "private", "publish")


class InvalidParam(Exception):
    """WordPress's 400 rest_invalid_param for one query parameter."""

    def __init__(self, param: str, reason: str) -> None:
        super().__init__(reason)
        self.param = param
        self.reason = reason

    def body(self) -> Payload:
        """The WP_Error JSON WordPress sends."""
        return {
            "code": "rest_invalid_param",
            "message": f"Invalid parameter(s): {self.param}",
            "data": {"status": 400, "params": {self.param: self.reason}, "details": {}},
        }


def int_param(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """An integer param within [low, high] (WP's minimum/maximum schema check)."""
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise InvalidParam(name, f"{name} is not of type integer.") from exc
    if value < low or value > high:
        raise InvalidParam(name, f"{name} must be between {low} (inclusive) and {high} (inclusive)")
    return value


def enum_param(query: Mapping[str, str], name: str, default: str, allowed: Sequence[str]) -> str:
    """One value from `allowed` (WP's enum check)."""
    value = query.get(name) or default
    if value not in allowed:
        raise InvalidParam(name, f"{name} is not one of {', '.join(allowed)}.")
    return value


def list_param(query: Mapping[str, str], name: str) -> list[str]:
    """A comma-separated list param (`include=1,2,3`); WP splits strings on commas."""
    raw = query.get(name) or ""
    return [part.strip() for part in raw.split(",") if part.strip()]


def id_list(query: Mapping[str, str], name: str) -> list[int]:
    """An integer array param (`include`, `exclude`)."""
    try:
        return [int(v) for v in list_param(query, name)]
    except ValueError as exc:
        raise InvalidParam(name, f"{name}[0] is not of type integer.") from exc


def date_param(query: Mapping[str, str], name: str) -> datetime | None:
    """An ISO 8601 date-time param, read as UTC when it has no offset."""
    raw = query.get(name)
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidParam(name, f"Invalid date.{name}") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def field_time(item: Payload, field: str) -> datetime:
    """A payload date field (`date_created_gmt`, or a site-local one) as a comparable UTC time."""
    return datetime.fromisoformat(item[field]).replace(tzinfo=UTC)


def date_filters(query: Mapping[str, str]) -> list[Callable[[Payload], bool]]:
    """after/before (created) and modified_after/modified_before, honouring dates_are_gmt.

    Without dates_are_gmt=true WooCommerce compares against the site-local dates.
    """
    gmt = query.get("dates_are_gmt") in ("true", "1")
    suffix = "_gmt" if gmt else ""
    checks: list[Callable[[Payload], bool]] = []
    for name, field, later in (
        ("after", "date_created", True),
        ("before", "date_created", False),
        ("modified_after", "date_modified", True),
        ("modified_before", "date_modified", False),
    ):
        bound = date_param(query, name)
        if bound is None:
            continue
        key = field + suffix

        def check(
            item: Payload, key: str = key, bound: datetime = bound, later: bool = later
        ) -> bool:
            value = field_time(item, key)
            return value > bound if later else value < bound

        checks.append(check)
    return checks


def sort_items(
    items: list[Payload], orderby: str, order: str, include: Sequence[int]
) -> list[Payload]:
    """WP_Query ordering; ties broken by id in the same direction."""
    reverse = order == "desc"
    if orderby == "include" and include:
        rank = {value: n for n, value in enumerate(include)}
        return sorted(items, key=lambda i: rank.get(i["id"], len(rank)))
    keys: dict[str, Callable[[Payload], Any]] = {
        "date": lambda i: (i["date_created_gmt"], i["id"]),
        "modified": lambda i: (i["date_modified_gmt"], i["id"]),
        "id": lambda i: i["id"],
        "title": lambda i: (str(i.get("name", i["id"])), i["id"]),
        "slug": lambda i: (str(i.get("slug", i["id"])), i["id"]),
        "menu_order": lambda i: (i.get("menu_order", 0), i["id"]),
        "price": lambda i: (float(i.get("price") or 0), i["id"]),
        "popularity": lambda i: (i.get("total_sales", 0), i["id"]),
        "rating": lambda i: (float(i.get("average_rating") or 0), i["id"]),
    }
    return sorted(items, key=keys.get(orderby, keys["date"]), reverse=reverse)


def paginate(
    items: list[Payload], query: Mapping[str, str], url: str
) -> tuple[list[Payload], dict[str, str]]:
    """Slice one page and build X-WP-Total, X-WP-TotalPages and Link (first/prev/next/last).

    Link URLs repeat the request's query (as WordPress does) minus the one-off oauth_*
    parameters, with `page` replaced.
    """
    per_page = int_param(query, "per_page", 10, 1, 100)
    page = int_param(query, "page", 1, 1, 10**9)
    offset = query.get("offset")
    start = int(offset) if offset and offset.isdigit() else (page - 1) * per_page
    total = len(items)
    pages = math.ceil(total / per_page) if total else 0
    headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
    kept = {k: v for k, v in query.items() if not k.startswith("oauth_")}

    def link(target: int) -> str:
        return f"{url}?{urlencode({**kept, 'page': str(target)})}"

    links = []
    if pages:
        links.append(f'<{link(1)}>; rel="first"')
    if page > 1 and pages:
        links.append(f'<{link(min(page - 1, pages))}>; rel="prev"')
    if page < pages:
        links.append(f'<{link(page + 1)}>; rel="next"')
    if pages:
        links.append(f'<{link(pages)}>; rel="last"')
    if links:
        headers["Link"] = ", ".join(links)
    return items[start : start + per_page], headers


def wp_error(status: int, code: str, message: str) -> web.Response:
    """A WP_Error as the REST server serialises it."""
    body = {"code": code, "message": message, "data": {"status": status}}
    return web.json_response(body, status=status)


def collection(
    request: web.Request,
    items: list[Payload],
    orderby_allowed: tuple[str, ...],
    default_orderby: str = "date",
    default_order: str = "desc",
) -> web.Response:
    """A collection route: include/exclude, date filters, orderby/order, then one page."""
    query = request.query
    include = id_list(query, "include")
    exclude = set(id_list(query, "exclude"))
    orderby = enum_param(query, "orderby", default_orderby, orderby_allowed)
    order = enum_param(query, "order", default_order, ("asc", "desc"))
    checks = date_filters(query)
    wanted = set(include)
    selected = [
        item
        for item in items
        if (not wanted or item["id"] in wanted)
        and item["id"] not in exclude
        and all(check(item) for check in checks)
    ]
    page, headers = paginate(
        sort_items(selected, orderby, order, include), query, str(request.url.with_query(None))
    )
    return web.json_response(page, headers=headers)
