"""The sandbox's Login with Amazon token endpoint and SP-API token checks: hour-long access
tokens (the lifetime is a knob), Restricted Data Tokens per path, expiry on demand."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web

from platforms.amazon.sandbox.query import sp_error

LWA_PATH = "/auth/o2/token"


@dataclass(frozen=True)
class Rdt:
    """A Restricted Data Token: the paths it opens and the personal data elements."""

    expires_at: float
    paths: frozenset[str]
    elements: frozenset[str]


@dataclass
class TokenDesk:
    """Issues and checks the store's tokens."""

    refresh_token: str
    client_id: str
    client_secret: str
    lifetime: int = 3600
    clock: Callable[[], float] = time.monotonic
    exchanges: int = 0  # token requests answered (not SP-API calls)
    _access: dict[str, float] = field(default_factory=dict)
    _rdts: dict[str, Rdt] = field(default_factory=dict)
    _serial: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def __repr__(self) -> str:
        return f"TokenDesk(access={len(self._access)}, rdts={len(self._rdts)})"

    async def lwa(self, request: web.Request) -> web.Response:
        """`POST /auth/o2/token` (grant_type=refresh_token), as api.amazon.com answers it."""
        self.exchanges += 1
        form = await request.post()
        if form.get("client_id") != self.client_id or (
            form.get("client_secret") != self.client_secret
        ):
            body: dict[str, object] = {
                "error": "invalid_client",
                "error_description": "Client authentication failed",
            }
            return web.json_response(body, status=401)
        if form.get("grant_type") != "refresh_token" or (
            form.get("refresh_token") != self.refresh_token
        ):
            body = {
                "error": "invalid_grant",
                "error_description": "The request has an invalid grant parameter : refresh_token",
            }
            return web.json_response(body, status=400)
        token = f"Atza|sandbox.{next(self._serial)}"
        self._access[token] = self.clock() + self.lifetime
        body = {
            "access_token": token,
            "refresh_token": self.refresh_token,
            "token_type": "bearer",
            "expires_in": self.lifetime,
        }
        return web.json_response(body)

    def issue_rdt(self, paths: frozenset[str], elements: frozenset[str]) -> tuple[str, int]:
        """A new RDT for `paths` (exact paths or `{orderId}` templates)."""
        token = f"Atz.sprdt|sandbox.{next(self._serial)}"
        self._rdts[token] = Rdt(self.clock() + self.lifetime, paths, elements)
        return token, self.lifetime

    def expire_all(self) -> None:
        """Every token issued so far is past its hour (tests: expiry mid-run)."""
        past = self.clock() - 1
        self._access = dict.fromkeys(self._access, past)

    def check(self, request: web.Request) -> web.Response | Rdt | None:
        """None for a live access token, the Rdt for a live RDT, else SP-API's 403."""
        token = request.headers.get("x-amz-access-token", "")
        if token in self._access:
            if self._access[token] <= self.clock():
                return _denied("The access token you provided has expired.")
            return None
        rdt = self._rdts.get(token)
        if rdt is None:
            return _denied("")
        if rdt.expires_at <= self.clock():
            return _denied("The access token you provided has expired.")
        return rdt


# the RDT a request came with (None: an access token)
RDT_KEY = web.RequestKey("amazon_rdt", object)


def _denied(details: str) -> web.Response:
    return sp_error(403, "Unauthorized", "Access to requested resource is denied.", details)


def rdt_covers(rdt: Rdt | None, path: str, elements: set[str]) -> bool:
    """The RDT opens `path` (exactly, or by the `{orderId}` template) for `elements`."""
    if rdt is None:
        return not elements
    template = path.rsplit("/", 1)[0] + "/{orderId}"
    return (path in rdt.paths or template in rdt.paths) and elements <= rdt.elements
