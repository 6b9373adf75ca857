"""Shopify REST list semantics for the sandbox: filters, sorts, limit, fields, page_info, and
the JSON answers every route shares (lists, counts, single objects, 404s)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from aiohttp import web

from platforms.shopify.sandbox.format import parse_query_time, parse_wire_time

Payload = dict[str, Any]
Key = tuple[int, int]
API = r"/admin/api/{version:\d{4}-\d{2}|unstable}"

DEFAULT_LIMIT = 50
MAX_LIMIT = 250
# With page_info, Shopify accepts only these alongside it.
PAGE_INFO_COMPANIONS = frozenset({"limit", "fields", "page_info"})
SORT_FIELDS = ("updated_at", "created_at", "processed_at", "id")


class QueryError(Exception):
    """A request Shopify would refuse: carries the status and the `errors` value to answer with."""

    def __init__(self, status: int, errors: Any) -> None:
        super().__init__(str(errors))
        self.status = status
        self.errors = errors


@dataclass(frozen=True)
class Cursor:
    """What a page_info token holds: the first request's filters, its sort, and a position."""

    filters: Mapping[str, str]
    order: str
    last_value: int
    last_id: int
    direction: str  # "next" | "prev"

    def encode(self) -> str:
        """Opaque, URL-safe token (base64 of JSON, like Shopify's own)."""
        body = {
            **self.filters,
            "order": self.order,
            "last_value": self.last_value,
            "last_id": self.last_id,
            "direction": self.direction,
        }
        raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def decode(token: str) -> Cursor:
        """Parse a token this sandbox issued; anything else is Shopify's 400."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            body = json.loads(raw)
            order, value = str(body.pop("order")), int(body.pop("last_value"))
            last_id, direction = int(body.pop("last_id")), str(body.pop("direction"))
        except (binascii.Error, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise QueryError(400, {"page_info": "Invalid value."}) from exc
        if direction not in ("next", "prev"):
            raise QueryError(400, {"page_info": "Invalid value."})
        return Cursor({str(k): str(v) for k, v in body.items()}, order, value, last_id, direction)


@dataclass(frozen=True)
class Page:
    """One page of rows plus the cursors of its neighbours (None when there is none)."""

    rows: list[Payload]
    next_cursor: Cursor | None
    prev_cursor: Cursor | None


def parse_limit(params: Mapping[str, str]) -> int:
    """`limit`: default 50, 1..250, anything else answered 400 as Shopify does."""
    raw = params.get("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    try:
        limit = int(raw)
    except ValueError as exc:
        raise QueryError(400, {"limit": "Invalid value."}) from exc
    if limit < 1 or limit > MAX_LIMIT:
        raise QueryError(400, {"limit": f"Must be between 1 and {MAX_LIMIT}."})
    return limit


def resolve_listing(
    params: Mapping[str, str], default_order: str
) -> tuple[dict[str, str], str, Cursor | None]:
    """(filters, order, cursor) for a list request, enforcing the page_info rules."""
    token = params.get("page_info")
    if token is None:
        filters = {k: v for k, v in params.items() if k not in PAGE_INFO_COMPANIONS}
        order = filters.pop("order", None) or ("id asc" if "since_id" in filters else default_order)
        return filters, parse_order(order), None
    extra = sorted(k for k in params if k not in PAGE_INFO_COMPANIONS)
    if extra:
        raise QueryError(
            400,
            f"{extra[0]} cannot be passed when page_info is present. "
            "See https://shopify.dev/api/usage/pagination-rest for more information.",
        )
    cursor = Cursor.decode(token)
    return dict(cursor.filters), cursor.order, cursor


def parse_order(order: str) -> str:
    """Normalise "updated_at desc" style sorts; unknown fields or directions are a 400."""
    parts = order.replace("+", " ").split()
    field_name = parts[0] if parts else ""
    direction = parts[1].lower() if len(parts) > 1 else "asc"
    if field_name not in SORT_FIELDS or direction not in ("asc", "desc") or len(parts) > 2:
        raise QueryError(400, {"order": "Invalid value."})
    return f"{field_name} {direction}"


def sort_key(order: str) -> Callable[[Payload], Key]:
    """The (value, id) key an order string sorts by; ties always break on id."""
    field_name = order.split()[0]
    if field_name == "id":
        return lambda row: (int(row["id"]), int(row["id"]))
    return lambda row: (int(parse_wire_time(row[field_name]).timestamp()), int(row["id"]))


def paginate(
    rows: Sequence[Payload],
    key: Callable[[Payload], Key],
    descending: bool,
    limit: int,
    cursor: Cursor | None,
    filters: Mapping[str, str],
    order: str,
) -> Page:
    """Slice the sorted rows at the cursor; positions are keys, so pages stay stable."""
    keyed = sorted(((key(row), row) for row in rows), key=lambda pair: pair[0], reverse=descending)
    keys = [k for k, _ in keyed]
    start, stop = 0, min(limit, len(keyed))
    if cursor is not None:
        mark = (cursor.last_value, cursor.last_id)
        if cursor.direction == "next":
            start = next((i for i, k in enumerate(keys) if _beyond(k, mark, descending)), len(keys))
            stop = min(start + limit, len(keys))
        else:
            stop = sum(1 for k in keys if _beyond(mark, k, descending))
            start = max(0, stop - limit)
    if start >= stop:
        return Page([], None, None)
    first, last = keys[start], keys[stop - 1]
    nxt = Cursor(filters, order, last[0], last[1], "next") if stop < len(keys) else None
    prev = Cursor(filters, order, first[0], first[1], "prev") if start > 0 else None
    return Page([row for _, row in keyed[start:stop]], nxt, prev)


def _beyond(k: Key, mark: Key, descending: bool) -> bool:
    """Whether key `k` comes after `mark` in the listing's order."""
    return k < mark if descending else k > mark


def id_list(params: Mapping[str, str], name: str, cap: int | None = None) -> list[int] | None:
    """A comma-separated id list (None when absent); more than `cap` ids is a 422."""
    raw = params.get(name)
    if raw is None:
        return None
    ids = [int(part) for part in raw.split(",") if part.strip().isdigit()]
    if cap is not None and len(ids) > cap:
        raise QueryError(422, {name: [f"must contain at most {cap} ids"]})
    return ids


def time_filter(filters: Mapping[str, str]) -> Callable[[Payload], bool]:
    """Inclusive *_min / *_max filters on the timestamp fields Shopify lets you filter by."""
    bounds: list[tuple[str, str, datetime]] = []
    for field_name in ("updated_at", "created_at", "processed_at"):
        for suffix in ("min", "max"):
            raw = filters.get(f"{field_name}_{suffix}")
            if raw is None:
                continue
            try:
                bounds.append((field_name, suffix, parse_query_time(raw)))
            except ValueError as exc:
                raise QueryError(400, {f"{field_name}_{suffix}": "Invalid value."}) from exc

    def keep(row: Payload) -> bool:
        for field_name, suffix, bound in bounds:
            if row.get(field_name) is None:
                continue
            value = parse_wire_time(row[field_name])
            if (value < bound) if suffix == "min" else (value > bound):
                return False
        return True

    return keep


def id_filter(filters: Mapping[str, str]) -> Callable[[Payload], bool]:
    """`ids` and `since_id` (strictly greater) filters."""
    listed = id_list(filters, "ids")
    ids = None if listed is None else frozenset(listed)
    raw_since = filters.get("since_id", "")
    since = int(raw_since) if raw_since.isdigit() else None
    return lambda row: (ids is None or row["id"] in ids) and (since is None or row["id"] > since)


def select_fields(item: Payload, params: Mapping[str, str]) -> Payload:
    """Apply `fields=a,b`: keep only those top-level keys, in the resource's own order."""
    raw = params.get("fields")
    if not raw:
        return item
    wanted = {part.strip() for part in raw.split(",") if part.strip()}
    return {k: v for k, v in item.items() if k in wanted}


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    """A JSON answer the way Shopify sends it (int64 ids kept exact)."""
    return web.Response(
        body=orjson.dumps(body),
        status=status,
        content_type="application/json",
        charset="utf-8",
        headers=headers,
    )


def not_found() -> web.Response:
    """Shopify's 404 for a missing resource or an unknown route."""
    return json_response({"errors": "Not Found"}, status=404)


def link_header(request: web.Request, page: Page, limit: int) -> dict[str, str]:
    """Shopify's Link header: absolute URLs, `; rel="..."` parts joined by ", "."""
    parts = []
    for cursor, rel in ((page.prev_cursor, "previous"), (page.next_cursor, "next")):
        if cursor is None:
            continue
        query = {"limit": str(limit), "page_info": cursor.encode()}
        if request.query.get("fields"):
            query["fields"] = request.query["fields"]
        url = request.url.with_query(query)
        parts.append(f'<{url}>; rel="{rel}"')
    return {"Link": ", ".join(parts)} if parts else {}


def list_response(
    request: web.Request,
    root: str,
    rows: Sequence[Payload],
    default_order: str,
    build_filter: Callable[[Mapping[str, str]], Callable[[Payload], bool]],
) -> web.Response:
    """A paginated list endpoint: filter, sort, slice at page_info, trim fields, link."""
    try:
        limit = parse_limit(request.query)
        filters, order, cursor = resolve_listing(request.query, default_order)
        keep = build_filter(filters)
        matching = [row for row in rows if keep(row)]
        page = paginate(
            matching, sort_key(order), order.endswith("desc"), limit, cursor, filters, order
        )
    except QueryError as exc:
        return json_response({"errors": exc.errors}, status=exc.status)
    items = [select_fields(row, request.query) for row in page.rows]
    return json_response({root: items}, headers=link_header(request, page, limit))


def count_response(
    request: web.Request,
    rows: Sequence[Payload],
    build_filter: Callable[[Mapping[str, str]], Callable[[Payload], bool]],
) -> web.Response:
    """A count endpoint: the list's filters (`limit` ignored), the matching rows counted."""
    try:
        keep = build_filter({k: v for k, v in request.query.items() if k != "limit"})
    except QueryError as exc:
        return json_response({"errors": exc.errors}, status=exc.status)
    return json_response({"count": sum(1 for row in rows if keep(row))})


def one_response(request: web.Request, root: str, rows: Sequence[Payload]) -> web.Response:
    """One object by the `id` in the path, or Shopify's 404."""
    found = find(rows, int(request.match_info["id"]))
    if found is None:
        return not_found()
    return json_response({root: select_fields(found, request.query)})


def find(rows: Sequence[Payload], ident: int) -> Payload | None:
    """The row with this id, if any."""
    return next((row for row in rows if row["id"] == ident), None)
