"""Maps Magento error responses ({"message", "parameters"}) onto the error hierarchy."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson

from platforms.errors import CartgraphError, error_for_status
from platforms.http import CallContext, Response, parse_retry_after

_PLACEHOLDER = re.compile(r"%(\d+|[A-Za-z_][A-Za-z0-9_]*)")
_MAX_MESSAGE = 200


def fill_placeholders(message: str, parameters: Any) -> str:
    """Magento's message template with `%1` (list, 1-based) or `%name` (object) filled in."""

    def lookup(match: re.Match[str]) -> str:
        key = match.group(1)
        if isinstance(parameters, list) and key.isdigit():
            index = int(key) - 1
            if 0 <= index < len(parameters):
                return str(parameters[index])
        elif isinstance(parameters, dict) and key in parameters:
            return str(parameters[key])
        return match.group(0)

    return _PLACEHOLDER.sub(lookup, message)


def platform_message(body: bytes) -> str | None:
    """The platform's own short error text from a Magento error body, or None."""
    try:
        data = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        return None
    text = " ".join(fill_placeholders(data["message"], data.get("parameters")).split())
    return text[:_MAX_MESSAGE] + ("..." if len(text) > _MAX_MESSAGE else "")


class MagentoErrorClassifier:
    """4xx/5xx -> the hierarchy's error; the message quotes Magento's text, never the body."""

    def __init__(self, redact: Callable[[str], str] = lambda text: text) -> None:
        self._redact = redact

    def classify(self, response: Response, ctx: CallContext) -> CartgraphError | None:
        """None for a success; otherwise the error to raise (or retry on)."""
        if response.status < 400:
            return None
        said = platform_message(response.body)
        message = f"Magento {ctx.operation} failed with HTTP {response.status}"
        if said:
            message = f"{message}: {self._redact(said)}"
        return error_for_status(
            response.status,
            message,
            retry_after=parse_retry_after(response.headers),
            store_id=ctx.store_id,
            platform=ctx.platform,
            operation=ctx.operation,
            external_id=ctx.external_id,
        )
