"""Login with Amazon: the store's refresh token exchanged for hour-long access tokens, sent as
`x-amz-access-token`; refreshed before they expire and once when SP-API says one expired."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import aiohttp
import orjson

from platforms.errors import (
    AuthenticationError,
    CartgraphError,
    UpstreamConnectionError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
)
from platforms.http import CallContext, Request

LWA_TOKEN_URL = "https://api.amazon.com/auth/o2/token"  # noqa: S105 (an endpoint)
TOKEN_HEADER = "x-amz-access-token"  # noqa: S105 (a header name)
# refresh this long before `expires_in` runs out, so no request leaves with a dying token
REFRESH_MARGIN = 60.0


class AccessTokenAuthenticator:
    """Puts the current token on a request, unless the request carries its own (an RDT)."""

    __slots__ = ("_tokens",)

    def __init__(self, tokens: LwaTokens) -> None:
        self._tokens = tokens

    def apply(self, request: Request) -> Request:
        """The request with `x-amz-access-token` set (the LWA token, or the RDT it carries)."""
        if TOKEN_HEADER in request.headers:
            return request
        return replace(request, headers={**request.headers, TOKEN_HEADER: self._tokens.current})

    def __repr__(self) -> str:
        return "AccessTokenAuthenticator(token=***)"


class LwaTokens:
    """One store's access token: fetched on first use, refreshed `REFRESH_MARGIN` seconds
    before `expires_in` runs out, one refresh at a time. Secrets stay out of reprs and logs."""

    def __init__(
        self,
        *,
        refresh_token: str,
        client_id: str,
        client_secret: str,
        token_url: str,
        timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._form = {
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": client_id,
            "client_secret": client_secret,
        }
        self._url = token_url
        self._timeout = timeout
        self._clock = clock
        self._token = ""
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self._session: aiohttp.ClientSession | None = None
        self.exchanges = 0  # token requests sent (tests and metrics)

    def __repr__(self) -> str:
        return "LwaTokens(***)"

    @property
    def current(self) -> str:
        """The token last obtained ("" before the first exchange)."""
        return self._token

    def fresh(self) -> bool:
        """A token that outlives the refresh margin is held."""
        return bool(self._token) and self._clock() < self._expires_at - REFRESH_MARGIN

    def invalidate(self, token: str) -> None:
        """SP-API said `token` expired: the next `ensure` exchanges again (once per token)."""
        if token == self._token:
            self._expires_at = 0.0

    async def ensure(self, ctx: CallContext) -> str:
        """A token valid beyond the margin, exchanging the refresh token when needed."""
        if self.fresh():
            return self._token
        async with self._lock:
            if not self.fresh():
                await self._exchange(ctx)
        return self._token

    async def _exchange(self, ctx: CallContext) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout)
            )
        where = {**ctx.where(), "operation": "lwaToken"}
        self.exchanges += 1
        try:
            async with self._session.post(self._url, data=self._form) as response:
                status, body = response.status, await response.read()
        except TimeoutError as exc:
            raise UpstreamTimeoutError("Login with Amazon timed out", **where) from exc
        except aiohttp.ClientError as exc:
            raise UpstreamConnectionError(
                f"Login with Amazon failed: {type(exc).__name__}", **where
            ) from exc
        self._accept(status, body, where)

    def _accept(self, status: int, body: bytes, where: dict[str, Any]) -> None:
        """Adopt the answer's token, or raise what the refusal means (never its body)."""
        error: CartgraphError | None = None
        if status in (400, 401):
            error = AuthenticationError(
                f"Login with Amazon refused the store's credentials (HTTP {status})",
                status=status,
                **where,
            )
        elif status >= 400:
            error = UpstreamUnavailableError(
                f"Login with Amazon failed with HTTP {status}", status=status, **where
            )
        if error is not None:
            raise error
        try:
            payload = orjson.loads(body)
            token, lifetime = str(payload["access_token"]), float(payload["expires_in"])
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise AuthenticationError(
                "Login with Amazon answered without a token", status=status, **where
            ) from exc
        self._token, self._expires_at = token, self._clock() + lifetime

    async def aclose(self) -> None:
        """Close the token endpoint's session."""
        if self._session is not None:
            await self._session.close()
