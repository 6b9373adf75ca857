"""Bearer-token authentication for Magento's REST API (integration or admin token)."""

from __future__ import annotations

from dataclasses import replace

from platforms.http import Request


class BearerAuthenticator:
    """Adds `Authorization: Bearer <token>`; the token never appears in repr or logs."""

    __slots__ = ("_token",)

    def __init__(self, token: str) -> None:
        self._token = token

    def apply(self, request: Request) -> Request:
        """The request with the Authorization header set."""
        return replace(
            request, headers={**request.headers, "Authorization": f"Bearer {self._token}"}
        )

    def redact(self, text: str) -> str:
        """`text` with the token masked, for anything that might echo a request back."""
        return text.replace(self._token, "***") if self._token else text

    def __repr__(self) -> str:
        return "BearerAuthenticator(token=***)"
