"""Maps WooCommerce/WordPress REST error responses onto cartgraph's error hierarchy."""

from __future__ import annotations

from typing import Any

import orjson

from platforms.http import Response, StatusClassifier

_MAX_TEXT = 200


def error_text(body: bytes) -> str | None:
    """The platform's own short error text: `code: message` of a WP error body, truncated.

    Only these two fields are read; the rest of the body (which may echo request params)
    never reaches an error message.
    """
    try:
        payload: Any = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return None
    if not isinstance(payload, dict):
        return None
    code, message = payload.get("code"), payload.get("message")
    parts = [p for p in (code, message) if isinstance(p, str) and p]
    return ": ".join(parts)[:_MAX_TEXT] if parts else None


class WooCommerceClassifier(StatusClassifier):
    """Classifies by HTTP status (WooCommerce puts the same status in `data.status`).

    Hosts and WAFs in front of WordPress answer 429/503 with Retry-After, which is honoured.
    """

    label = "WooCommerce"

    def detail(self, response: Response) -> str:
        """`code: message` of the WP error body."""
        return error_text(response.body) or ""
