"""Shopify response classification and rate-limit usage: errors and `used/size` bucket sync."""

from __future__ import annotations

from typing import Any

from platforms.errors import CartgraphError
from platforms.http import Response, StatusClassifier, short_text
from platforms.ratelimit import RateBucket

CALL_LIMIT_HEADER = "X-Shopify-Shop-Api-Call-Limit"


def _detail(errors: Any) -> str:
    """Shopify's own short error text: `"Not Found"`, `{"title": ["can't be blank"]}` or a list."""
    if isinstance(errors, str):
        return errors
    if isinstance(errors, dict):
        parts = []
        for field, messages in errors.items():
            texts = messages if isinstance(messages, list) else [messages]
            parts.append(f"{field}: {', '.join(str(t) for t in texts)}")
        return "; ".join(parts)
    if isinstance(errors, list):
        return "; ".join(str(e) for e in errors)
    return ""


def error_detail(response: Response) -> str:
    """The platform's error text from a response body; "" when there is none."""
    try:
        body = response.json()
    except CartgraphError:
        return ""
    errors = body.get("errors", body.get("error")) if isinstance(body, dict) else None
    return short_text(_detail(errors))


class ShopifyErrorClassifier(StatusClassifier):
    """Maps non-2xx answers onto the error hierarchy (401 re-auth, 429/5xx retry, 4xx fail)."""

    label = "Shopify"

    def detail(self, response: Response) -> str:
        """Shopify's `errors` text (string, field map or list)."""
        return error_detail(response)


def parse_call_limit(value: str | None) -> tuple[float, float] | None:
    """`"32/40"` -> (32.0, 40.0); None when absent or malformed."""
    if not value or "/" not in value:
        return None
    used, _, size = value.partition("/")
    try:
        parsed = float(used), float(size)
    except ValueError:
        return None
    return parsed if parsed[1] > 0 else None


class ShopifyCallLimitObserver:
    """Feeds Shopify's `X-Shopify-Shop-Api-Call-Limit: used/size` back into our bucket.

    Other apps and replicas share the store's bucket, so Shopify's count is the truth.
    """

    def observe(self, response: Response, bucket: RateBucket) -> None:
        """Adopt the reported usage (and size, when the plan's bucket differs)."""
        parsed = parse_call_limit(response.headers.get(CALL_LIMIT_HEADER))
        if parsed is None:
            return
        used, size = parsed
        bucket.observe(used, size)
