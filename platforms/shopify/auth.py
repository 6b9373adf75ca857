"""Shopify Admin API authentication: the access token travels only in its request header."""

from __future__ import annotations

import dataclasses

from platforms.errors import ConfigError
from platforms.http import Request

TOKEN_HEADER = "X-Shopify-Access-Token"  # noqa: S105 - a header name, not a secret


class ShopifyTokenAuth:
    """Adds `X-Shopify-Access-Token` to every request; the token is never in URLs or reprs."""

    def __init__(self, access_token: str, *, store_id: str | None = None) -> None:
        if not access_token:
            where = f" for store {store_id!r}" if store_id else ""
            raise ConfigError(f"Shopify credentials{where} lack 'access_token'", platform="shopify")
        self._token = access_token

    def __repr__(self) -> str:
        return "ShopifyTokenAuth(access_token=<redacted>)"

    def apply(self, request: Request) -> Request:
        """Return a copy of the request carrying the token header."""
        return dataclasses.replace(request, headers={**request.headers, TOKEN_HEADER: self._token})

    def redact(self, text: str) -> str:
        """`text` with the token blanked out, for anything that might echo it."""
        return text.replace(self._token, "<redacted>")
