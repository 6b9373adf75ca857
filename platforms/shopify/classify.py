"""Shopify response classification and rate-limit usage: errors and `used/size` bucket sync."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from platforms.errors import CartgraphError, error_for_status
from platforms.http import CallContext, Response, parse_retry_after
from platforms.ratelimit import LeakyBucket

CALL_LIMIT_HEADER = "X-Shopify-Shop-Api-Call-Limit"
_MAX_DETAIL = 200


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
    """The platform's error text from a response body, truncated; "" when there is none."""
    try:
        body = response.json()
    except CartgraphError:
        return ""
    errors = body.get("errors", body.get("error")) if isinstance(body, dict) else None
    text = " ".join(_detail(errors).split())
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 3] + "..."


class ShopifyErrorClassifier:
    """Maps non-2xx answers onto the error hierarchy (401 re-auth, 429/5xx retry, 4xx fail)."""

    def __init__(self, redact: Callable[[str], str] | None = None) -> None:
        # Shopify does not echo tokens, but the message is ours to keep clean regardless.
        self._redact = redact or (lambda text: text)

    def classify(self, response: Response, ctx: CallContext) -> CartgraphError | None:
        """None for a success; otherwise the error carrying where, status and retry-after."""
        if 200 <= response.status < 300:
            return None
        detail = self._redact(error_detail(response))
        message = f"Shopify {ctx.operation} answered HTTP {response.status}"
        retryable = response.status == 429 or response.status >= 500
        return error_for_status(
            response.status,
            f"{message}: {detail}" if detail else message,
            retry_after=parse_retry_after(response.headers) if retryable else None,
            store_id=ctx.store_id,
            platform=ctx.platform,
            operation=ctx.operation,
            external_id=ctx.external_id,
            request_id=response.headers.get("X-Request-Id"),
        )


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

    def observe(self, response: Response, bucket: LeakyBucket) -> None:
        """Adopt the reported usage (and size, when the plan's bucket differs)."""
        parsed = parse_call_limit(response.headers.get(CALL_LIMIT_HEADER))
        if parsed is None:
            return
        used, size = parsed
        bucket.observe(used, size)
