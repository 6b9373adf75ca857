"""BigCommerce REST auth: the store's API account token in `X-Auth-Token` on every request."""

from __future__ import annotations

from dataclasses import replace

from platforms.http import Request


class TokenAuthenticator:
    """Adds `X-Auth-Token` (an API account's access token) and the JSON media types BigCommerce
    requires on V2 and V3 alike (V2 answers XML without `Accept: application/json`)."""

    def __init__(self, access_token: str) -> None:
        self._token = access_token

    def __repr__(self) -> str:
        return "TokenAuthenticator(access_token=***)"

    def apply(self, request: Request) -> Request:
        """The request with the token and JSON headers."""
        headers = {
            **request.headers,
            "X-Auth-Token": self._token,
            "Accept": "application/json",
        }
        if request.json is not None:
            headers["Content-Type"] = "application/json"
        return replace(request, headers=headers)
