"""SP-API list semantics and shared answers: error bodies, tokens for the next page, params."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
from aiohttp import web

from platforms.mapping.kit import utc_datetime

Payload = dict[str, Any]


class InvalidInput(Exception):
    """A parameter SP-API would refuse with 400 InvalidInput."""

    def __init__(self, details: str) -> None:
        super().__init__(details)
        self.details = details


def sp_error(status: int, code: str, message: str, details: str = "") -> web.Response:
    """SP-API's error list body."""
    body = {"errors": [{"code": code, "message": message, "details": details}]}
    return web.json_response(body, status=status)


def csv_param(query: Mapping[str, str], name: str) -> list[str]:
    """A comma-delimited array parameter."""
    return [v for v in query.get(name, "").split(",") if v]


def int_param(query: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    """An integer parameter within [low, high]."""
    raw = query.get(name)
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise InvalidInput(f"{name} must be an integer between {low} and {high}")
    return int(raw)


def date_param(query: Mapping[str, str], name: str) -> datetime | None:
    """An ISO 8601 parameter."""
    raw = query.get(name)
    if raw is None:
        return None
    parsed = utc_datetime(raw.replace("Z", "+00:00"))
    if parsed is None:
        raise InvalidInput(f"{name} is not an ISO 8601 date-time")
    return parsed


def fingerprint(query: Mapping[str, str], ignore: Sequence[str]) -> str:
    """What a page token is bound to: the other parameters."""
    kept = sorted((k, v) for k, v in query.items() if k not in ignore)
    return hashlib.sha256(orjson.dumps(kept)).hexdigest()[:12]


def next_token(offset: int, bound: str) -> str:
    """An opaque token for the page at `offset` of the query `bound` names."""
    return base64.urlsafe_b64encode(orjson.dumps({"o": offset, "q": bound})).decode()


def token_offset(token: str | None, bound: str) -> int:
    """The offset a token names; InvalidInput for a foreign or mangled one."""
    if token is None:
        return 0
    try:
        data = orjson.loads(base64.urlsafe_b64decode(token.encode()))
        offset, origin = int(data["o"]), data["q"]
    except (ValueError, KeyError, TypeError, orjson.JSONDecodeError) as exc:
        raise InvalidInput("Invalid pagination token") from exc
    if origin != bound or offset < 0:
        raise InvalidInput("The pagination token belongs to another query")
    return offset


def page(
    items: list[Payload], token: str | None, size: int, bound: str
) -> tuple[list[Payload], str | None]:
    """One page of `items` and the token of the next (None on the last)."""
    start = token_offset(token, bound)
    chunk = items[start : start + size]
    more = start + size < len(items)
    return chunk, next_token(start + size, bound) if more else None
