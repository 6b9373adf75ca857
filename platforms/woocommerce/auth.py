"""WooCommerce REST auth: HTTP Basic over HTTPS, OAuth 1.0a one-legged query signature over HTTP."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from urllib.parse import quote, urlsplit, urlunsplit

from platforms.http import Request


def _encode(value: str) -> str:
    # RFC 3986 (PHP rawurlencode), then WooCommerce's extra "%" -> "%25" pass.
    return quote(value, safe="~").replace("%", "%25")


def signature_base_string(method: str, url: str, params: Mapping[str, str]) -> str:
    """OAuth 1.0a base string as WooCommerce builds it (class-wc-rest-authentication.php).

    METHOD & rawurlencode(URL without query, port kept) & the params sorted by key, each
    `key%3Dvalue` RFC3986-encoded with "%" re-encoded, joined by "%26".
    """
    parts = urlsplit(url)
    bare = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    pairs = [
        f"{_encode(k)}%3D{_encode(v)}" for k, v in sorted(params.items()) if k != "oauth_signature"
    ]
    return f"{method.upper()}&{quote(bare, safe='~')}&{'%26'.join(pairs)}"


def sign(method: str, url: str, params: Mapping[str, str], consumer_secret: str) -> str:
    """base64 HMAC-SHA256 of the base string, key `consumer_secret&` (no token secret)."""
    base = signature_base_string(method, url, params)
    digest = hmac.new(f"{consumer_secret}&".encode(), base.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class WooCommerceAuthenticator:
    """Applies consumer key/secret the way WooCommerce expects for the base URL's scheme.

    HTTPS: `Authorization: Basic base64(ck:cs)`. Plain HTTP (the local sandbox, dev sites):
    OAuth 1.0a one-legged, HMAC-SHA256, parameters in the query string, a fresh nonce and
    timestamp on every attempt (WooCommerce rejects a reused nonce).
    """

    def __init__(
        self,
        consumer_key: str,
        consumer_secret: str,
        *,
        clock: Callable[[], float] = time.time,
        nonce: Callable[[], str] = lambda: secrets.token_hex(20),
    ) -> None:
        self._key = consumer_key
        self._secret = consumer_secret
        self._clock = clock
        self._nonce = nonce

    def __repr__(self) -> str:
        return "WooCommerceAuthenticator(consumer_key=***, consumer_secret=***)"

    def apply(self, request: Request) -> Request:
        """Return the request with Basic auth (HTTPS) or an OAuth1 query signature (HTTP)."""
        if request.url.lower().startswith("https://"):
            token = base64.b64encode(f"{self._key}:{self._secret}".encode()).decode()
            return replace(request, headers={**request.headers, "Authorization": f"Basic {token}"})
        params = {
            **request.params,
            "oauth_consumer_key": self._key,
            "oauth_timestamp": str(int(self._clock())),
            "oauth_nonce": self._nonce(),
            "oauth_signature_method": "HMAC-SHA256",
        }
        params["oauth_signature"] = sign(request.method, request.url, params, self._secret)
        return replace(request, params=params)
