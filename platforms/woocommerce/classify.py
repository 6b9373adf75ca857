"""Maps WooCommerce/WordPress REST error responses onto cartgraph's error hierarchy."""

from __future__ import annotations

from typing import Any

import orjson

from platforms.errors import CartgraphError, RequestReplayedError
from platforms.http import CallContext, Response, StatusClassifier

_MAX_TEXT = 200
# class-wc-rest-authentication.php's message for an OAuth 1.0a nonce it has seen before; its
# code is the generic woocommerce_rest_authentication_error, so the message is what tells.
NONCE_REUSED = "nonce has already been used"


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

    def classify(self, response: Response, ctx: CallContext) -> CartgraphError | None:
        """As by status, except a reused nonce: the credentials are fine and the first copy of
        the request reached the store (it may have been applied), so it is no auth failure
        but a retryable refusal, and a write that meets it is in doubt."""
        error = super().classify(response, ctx)
        if error is not None and response.status == 401 and NONCE_REUSED in self.detail(response):
            return RequestReplayedError(
                error.message, status=401, request_id=error.request_id, **ctx.where()
            )
        return error
