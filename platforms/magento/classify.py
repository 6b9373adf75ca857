"""Maps Magento error responses ({"message", "parameters"}) onto the error hierarchy."""

from __future__ import annotations

import re
from typing import Any

import orjson

from platforms.http import Response, StatusClassifier

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


class MagentoErrorClassifier(StatusClassifier):
    """4xx/5xx -> the hierarchy's error; the message quotes Magento's text, never the body."""

    label = "Magento"

    def detail(self, response: Response) -> str:
        """Magento's message with its `%1`/`%name` placeholders filled in."""
        return platform_message(response.body) or ""
