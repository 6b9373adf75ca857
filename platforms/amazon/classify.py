"""Maps SP-API error answers (`{"errors": [{code, message, details}]}`) onto the hierarchy."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from platforms.errors import CartgraphError, PermissionDeniedError
from platforms.http import CallContext, Response, StatusClassifier

REQUEST_ID = "x-amzn-RequestId"
RATE_LIMIT = "x-amzn-RateLimit-Limit"


def error_text(body: bytes) -> str:
    """`code: message: details` of the first error; nothing else of the body is read."""
    try:
        payload: Any = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return ""
    errors = payload.get("errors") if isinstance(payload, dict) else None
    if not isinstance(errors, list) or not errors or not isinstance(errors[0], dict):
        return ""
    first = errors[0]
    parts = [first.get(k) for k in ("code", "message", "details")]
    return ": ".join(p for p in parts if isinstance(p, str) and p)


def rate_limit(headers: Any) -> float | None:
    """The operation's current rate (requests per second) from `x-amzn-RateLimit-Limit`."""
    try:
        value = float(headers.get(RATE_LIMIT, ""))
    except ValueError:
        return None
    return value if value > 0 else None


def token_expired(error: CartgraphError) -> bool:
    """SP-API's 403 for an access token past its hour (refresh once, then ask again)."""
    return isinstance(error, PermissionDeniedError) and "expired" in error.message.lower()


class AmazonClassifier(StatusClassifier):
    """By status; 429 `QuotaExceeded` waits one token of the operation's plan (SP-API sends
    no Retry-After, but `x-amzn-RateLimit-Limit`); `x-amzn-RequestId` kept on every error."""

    label = "Amazon SP-API"

    def __init__(self, known_rate: Callable[[], float | None] = lambda: None) -> None:
        super().__init__()
        # the refused operation's rate as Amazon last stated it (429s do not state it)
        self._known_rate = known_rate

    def detail(self, response: Response) -> str:
        """`code: message: details` of the first SP-API error."""
        return error_text(response.body)

    def classify(self, response: Response, ctx: CallContext) -> CartgraphError | None:
        """The hierarchy's error with Amazon's request id and, on 429, the plan's wait."""
        error = super().classify(response, ctx)
        if error is None:
            return None
        error.request_id = response.headers.get(REQUEST_ID) or error.request_id
        rate = rate_limit(response.headers) or self._known_rate()
        if response.status == 429 and rate is not None:
            error.retry_after = 1.0 / rate
        return error
