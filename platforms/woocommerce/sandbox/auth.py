"""Server-side WooCommerce REST auth for the sandbox: a port of class-wc-rest-authentication.php."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

REQUIRED = (
    "oauth_consumer_key",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
)
WINDOW_SECONDS = 15 * 60


class AuthFailure(Exception):
    """A 401 with WooCommerce's error code and message."""

    def __init__(self, message: str, code: str = "woocommerce_rest_authentication_error") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _rfc3986(value: str) -> str:
    # wc_rest_urlencode_rfc3986: rawurlencode, then "%" -> "%25" (WooCommerce's double encoding).
    return quote(value, safe="-_.~").replace("%", "%25")


def server_base_string(method: str, url_without_query: str, params: Mapping[str, str]) -> str:
    """What WooCommerce signs: params sorted with strcmp (byte order), key%3Dvalue, %26-joined."""
    ordered = sorted(params.items(), key=lambda kv: kv[0].encode())
    joined = "%26".join(f"{_rfc3986(k)}%3D{_rfc3986(v)}" for k, v in ordered)
    return f"{method.upper()}&{quote(url_without_query, safe='-_.~')}&{joined}"


@dataclass
class OAuthVerifier:
    """Checks one-legged OAuth 1.0a query signatures the way a WooCommerce site does.

    Order of checks as in WooCommerce: required params, consumer key, signature method and
    signature, then timestamp window (+-15 min) and nonce reuse (nonces remembered per key).
    """

    consumer_key: str
    consumer_secret: str
    clock: Callable[[], float] = time.time
    nonces: dict[str, int] = field(default_factory=dict)

    def verify(self, method: str, url_without_query: str, query: Mapping[str, str]) -> None:
        """Raise AuthFailure (-> 401) unless the request is correctly signed and fresh."""
        for name in REQUIRED:
            if not query.get(name):
                raise AuthFailure(f"Missing OAuth parameter {name}")
        if not hmac.compare_digest(query["oauth_consumer_key"], self.consumer_key):
            raise AuthFailure("Consumer key is invalid.")
        algorithm = {"HMAC-SHA1": hashlib.sha1, "HMAC-SHA256": hashlib.sha256}.get(
            query["oauth_signature_method"]
        )
        if algorithm is None:
            raise AuthFailure("Invalid signature - signature method is invalid.")
        # PHP decoded "+" to a space; WooCommerce puts it back before comparing.
        given = query["oauth_signature"].replace(" ", "+")
        params = {k: v for k, v in query.items() if k != "oauth_signature"}
        base = server_base_string(method, url_without_query, params)
        key = f"{self.consumer_secret}&".encode()
        expected = base64.b64encode(hmac.new(key, base.encode(), algorithm).digest()).decode()
        if not hmac.compare_digest(expected, given):
            raise AuthFailure("Invalid signature - provided signature does not match.")
        self._check_fresh(query["oauth_timestamp"], query["oauth_nonce"])

    def _check_fresh(self, timestamp_text: str, nonce: str) -> None:
        now = int(self.clock())
        try:
            stamp = int(timestamp_text)
        except ValueError as exc:
            raise AuthFailure("Invalid timestamp.") from exc
        if stamp < now - WINDOW_SECONDS or stamp > now + WINDOW_SECONDS:
            raise AuthFailure("Invalid timestamp.")
        # forget nonces older than the window, as WooCommerce does.
        self.nonces = {n: t for n, t in self.nonces.items() if t >= now - WINDOW_SECONDS}
        if nonce in self.nonces:
            raise AuthFailure("Invalid nonce - nonce has already been used.")
        self.nonces[nonce] = stamp
