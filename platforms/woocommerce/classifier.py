"""Maps WooCommerce/WordPress REST error responses onto cartgraph's error hierarchy."""

from __future__ import annotations

from typing import Any

import orjson

from platforms.errors import CartgraphError, error_for_status
from platforms.http import CallContext, Response, parse_retry_after

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


class WooCommerceClassifier:
    """Classifies by HTTP status (WooCommerce puts the same status in `data.status`).

    Hosts and WAFs in front of WordPress answer 429/503 with Retry-After, which is honoured.
    """

    def classify(self, response: Response, ctx: CallContext) -> CartgraphError | None:
        """None for 2xx/3xx; else the hierarchy's error with the platform's short text."""
        if response.status < 400:
            return None
        detail = error_text(response.body)
        message = f"WooCommerce {ctx.operation} failed with HTTP {response.status}"
        if detail:
            message = f"{message}: {detail}"
        return error_for_status(
            response.status,
            message,
            retry_after=parse_retry_after(response.headers),
            store_id=ctx.store_id,
            platform=ctx.platform,
            operation=ctx.operation,
            external_id=ctx.external_id,
        )
