"""Turning a presented credential into a Principal: API keys, JWTs, or auth switched off."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Protocol

from gateway.auth.principal import ANONYMOUS, Principal


class Authenticator(Protocol):
    """One way of checking a bearer credential."""

    def accepts(self, token: str) -> bool:
        """Whether this authenticator is the one for this kind of token (cheap, no I/O)."""
        ...

    async def authenticate(self, token: str) -> Principal | None:
        """The caller, or None when the credential is not valid (unknown, revoked, expired)."""
        ...


class AuthGate:
    """What the app asks: the principal of a bearer token, or None (401/4401)."""

    def __init__(self, authenticators: Sequence[Authenticator], *, off: bool = False) -> None:
        self.authenticators = list(authenticators)
        self.off = off  # `[auth] mode = "off"`: every caller is ANONYMOUS with every right

    async def principal(self, token: str | None) -> Principal | None:
        """The caller for a presented token (None or empty: no credential)."""
        if self.off:
            return ANONYMOUS
        if not token:
            return None
        for authenticator in self.authenticators:
            if authenticator.accepts(token):
                return await authenticator.authenticate(token)
        return None

    async def still_valid(self, principal: Principal) -> bool:
        """Whether an open socket's caller is still allowed (revocation closes sockets)."""
        if self.off:
            return True
        if principal.expires_at is not None and principal.expires_at <= time.time():
            return False
        if principal.key_id is None:
            return True
        for authenticator in self.authenticators:
            check = getattr(authenticator, "still_valid", None)
            if check is not None and not await check(principal):
                return False
        return True


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, else None."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None
