"""Maps BigCommerce V2 and V3 error answers onto cartgraph's error hierarchy."""

from __future__ import annotations

from typing import Any

import orjson

from platforms.errors import CartgraphError
from platforms.http import CallContext, Response, StatusClassifier

_MAX_TEXT = 200
RESET_HEADER = "X-Rate-Limit-Time-Reset-Ms"


def error_text(body: bytes) -> str | None:
    """The short error text of either generation: V2's `[{"status", "message"}]`, V3's
    `{"status", "title"}`. Only those fields are read: `errors` may echo submitted values."""
    try:
        payload: Any = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return None
    if isinstance(payload, list) and payload and isinstance(payload[0], dict):
        payload = payload[0]
    if not isinstance(payload, dict):
        return None
    text = payload.get("title") or payload.get("message")
    return text[:_MAX_TEXT] if isinstance(text, str) and text else None


def reset_seconds(response: Response) -> float | None:
    """`X-Rate-Limit-Time-Reset-Ms` in seconds; None when absent or not a number."""
    value = response.headers.get(RESET_HEADER)
    try:
        return max(0.0, int(value) / 1000) if value is not None else None
    except ValueError:
        return None


class BigCommerceClassifier(StatusClassifier):
    """By status; a 429 waits what `X-Rate-Limit-Time-Reset-Ms` says (the window's end).

    A 429 without that header is the platform shedding load, not our quota: it waits what
    a `Retry-After` says, else the retry policy's capped exponential backoff.
    """

    label = "BigCommerce"

    def detail(self, response: Response) -> str:
        """V2 `message` or V3 `title`."""
        return error_text(response.body) or ""

    def classify(self, response: Response, ctx: CallContext) -> CartgraphError | None:
        """As by status, with the window's reset as the 429's retry-after."""
        error = super().classify(response, ctx)
        reset = reset_seconds(response)
        if error is not None and response.status == 429 and reset is not None:
            error.retry_after = reset
        return error
