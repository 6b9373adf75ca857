"""BigCommerce list semantics for the sandbox: V2 arrays (204 when empty), V3 `data`+`meta`,
`:in` filters, the error bodies of each generation."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from aiohttp import web

from platforms.bigcommerce.mapping.common import parse_time

Payload = dict[str, Any]
V3_ERROR_TYPE = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"
MAX_LIMIT = 250


class BadRequest(Exception):
    """A parameter the platform refuses (400 in the generation's error shape)."""


def v2_error(status: int, message: str) -> web.Response:
    """V2's error answer: a list of one `{"status", "message"}`."""
    return web.json_response([{"status": status, "message": message}], status=status)


def v3_error(status: int, title: str, errors: Mapping[str, str] | None = None) -> web.Response:
    """V3's error answer: `{"status", "title", "type", "errors"}`."""
    body = {"status": status, "title": title, "type": V3_ERROR_TYPE, "errors": dict(errors or {})}
    return web.json_response(body, status=status)


def error_for(path: str, status: int, text: str) -> web.Response:
    """The error in the shape of the generation `path` belongs to."""
    return v2_error(status, text) if "/v2/" in path else v3_error(status, text)


def ids_param(query: Mapping[str, str], name: str) -> set[int] | None:
    """An `id:in`-style list of integers; None when not given."""
    raw = query.get(name)
    if raw is None:
        return None
    try:
        return {int(part) for part in raw.split(",") if part.strip()}
    except ValueError as exc:
        raise BadRequest(f"{name} must list integers") from exc


def int_param(query: Mapping[str, str], name: str, default: int) -> int:
    """An integer parameter (limit capped at 250, as the platform does)."""
    raw = query.get(name)
    try:
        value = default if raw in (None, "") else int(str(raw))
    except ValueError as exc:
        raise BadRequest(f"{name} must be an integer") from exc
    if value < 1:
        raise BadRequest(f"{name} must be at least 1")
    return min(value, MAX_LIMIT) if name == "limit" else value


def time_param(query: Mapping[str, str], name: str) -> datetime | None:
    """A date filter in RFC 2822 or ISO 8601 (both generations accept either)."""
    raw = query.get(name)
    if raw is None:
        return None
    parsed = parse_time(raw)
    if parsed is None:
        raise BadRequest(f"{name} is not a date")
    return parsed


def v2_page(rows: Sequence[Payload], query: Mapping[str, str], default: int = 50) -> web.Response:
    """A V2 page of `rows`: a plain array, or 204 No Content when it is empty."""
    limit, page = int_param(query, "limit", default), int_param(query, "page", 1)
    chosen = list(rows[(page - 1) * limit : page * limit])
    return web.json_response(chosen) if chosen else web.Response(status=204)


def v3_page(rows: Sequence[Payload], query: Mapping[str, str], default: int = 50) -> web.Response:
    """A V3 page: `data` and `meta.pagination` (total, count, per_page, pages, links)."""
    limit, page = int_param(query, "limit", default), int_param(query, "page", 1)
    chosen = list(rows[(page - 1) * limit : page * limit])
    pages = max(1, math.ceil(len(rows) / limit))
    links = {"current": f"?page={page}&limit={limit}"}
    if page < pages:
        links["next"] = f"?page={page + 1}&limit={limit}"
    if page > 1:
        links["previous"] = f"?page={page - 1}&limit={limit}"
    meta = {
        "total": len(rows),
        "count": len(chosen),
        "per_page": limit,
        "current_page": page,
        "total_pages": pages,
        "links": links,
    }
    return web.json_response({"data": chosen, "meta": {"pagination": meta}})


def v3_one(data: Payload) -> web.Response:
    """A V3 single object: `{"data": …, "meta": {}}`."""
    return web.json_response({"data": data, "meta": {}})


async def json_body(request: web.Request) -> Any:
    """The request's JSON body; BadRequest when it is not JSON."""
    try:
        return await request.json()
    except ValueError as exc:
        raise BadRequest("The request body is not valid JSON") from exc
