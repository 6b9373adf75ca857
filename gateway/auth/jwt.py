"""Optional JWT authentication: tokens from the team's identity provider, verified with its JWKS."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import jwt
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gateway.auth.principal import Principal, Scope, parse_scopes

log = logging.getLogger("cartgraph.auth")

# Only asymmetric algorithms: a JWKS publishes public keys, and accepting HS* (or `none`) with
# one is the classic algorithm-confusion hole (the public key used as an HMAC secret).
ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
# An unknown `kid` may be a key rotation, or a forged token: refetch at most this often, so a
# stream of made-up kids cannot make us hammer the identity provider. Failures wait as long.
REFETCH_MIN_SECONDS = 30.0
JWKS_MAX_BYTES = 256 * 1024  # real key sets are a few KiB; refuse to buffer an endless body
JWKS_TIMEOUT_SECONDS = 5.0  # requests queue behind one fetch: bound how long they wait
TOKEN_MAX_CHARS = 16 * 1024
_JWT_SHAPE = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_KNOWN_SCOPES = frozenset(s.value for s in Scope)


class JwtConfig(BaseModel):
    """The `[auth.jwt]` table: who issues the tokens, for whom, and where its keys are."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: str = Field(min_length=1)
    audience: str = Field(min_length=1)
    jwks_url: str | None = None
    jwks_file: Path | None = None
    algorithms: tuple[str, ...] = ("RS256", "ES256")
    stores_claim: str = Field(default="cartgraph/stores", min_length=1)
    scopes_claim: str = Field(default="scope", min_length=1)
    leeway_seconds: int = Field(default=30, ge=0, le=300)
    # at least the rotation refetch interval: below it the cache would not bound fetches anyway
    jwks_cache_seconds: int = Field(default=300, ge=int(REFETCH_MIN_SECONDS), le=86_400)

    @field_validator("jwks_url")
    @classmethod
    def _http_url(cls, url: str | None) -> str | None:
        if url is not None and not re.match(r"https?://[^/\s]+", url):
            raise ValueError("jwks_url must be an http:// or https:// URL")
        return url

    @field_validator("algorithms")
    @classmethod
    def _asymmetric_only(cls, algorithms: tuple[str, ...]) -> tuple[str, ...]:
        if not algorithms:
            raise ValueError("algorithms must not be empty")
        bad = [a for a in algorithms if a not in ASYMMETRIC_ALGORITHMS]
        if bad:
            allowed = ", ".join(sorted(ASYMMETRIC_ALGORITHMS))
            raise ValueError(
                f"algorithms {bad} not allowed with a JWKS (never `none` or HS*); use {allowed}"
            )
        return algorithms

    @model_validator(mode="after")
    def _one_key_source(self) -> JwtConfig:
        if (self.jwks_url is None) == (self.jwks_file is None):
            raise ValueError("set exactly one of jwks_url or jwks_file")
        return self


class JwtAuthenticator:
    """Verifies bearer JWTs against the issuer's JWKS and maps their claims to a Principal."""

    def __init__(self, config: JwtConfig, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._clock = clock  # monotonic seconds; injectable so cache tests need no sleeps
        self._keys: jwt.PyJWKSet | None = None
        self._fetched_at = 0.0
        self._last_attempt: float | None = None
        self._lock = asyncio.Lock()  # concurrent misses share one fetch

    def accepts(self, token: str) -> bool:
        """Three base64url segments, and not one of our own `cg_` API keys."""
        return (
            len(token) <= TOKEN_MAX_CHARS
            and not token.startswith("cg_")
            and _JWT_SHAPE.fullmatch(token) is not None
        )

    async def authenticate(self, token: str) -> Principal | None:
        """The token's principal, or None: bad signature, claims, time window or keys."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            return None
        if kid is not None and not isinstance(kid, str):
            return None
        key = await self._key(kid)
        if key is None:
            return None
        claims = self._verify(token, key)
        return None if claims is None else self._principal(claims)

    def _verify(self, token: str, key: jwt.PyJWK) -> dict[str, Any] | None:
        cfg = self.config
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=list(cfg.algorithms),
                audience=cfg.audience,
                issuer=cfg.issuer,
                leeway=cfg.leeway_seconds,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError as exc:
            # the reason only: the token and its claims are credentials and personal data
            log.info("JWT rejected: %s", type(exc).__name__)
            return None
        return claims

    def _principal(self, claims: dict[str, Any]) -> Principal | None:
        sub, iss = claims.get("sub"), claims["iss"]
        if not isinstance(sub, str) or not sub:
            log.info("JWT rejected: `sub` is not a non-empty string (iss=%.200s)", iss)
            return None
        try:
            stores = _store_ids(claims.get(self.config.stores_claim))
            scopes = _scope_names(claims.get(self.config.scopes_claim))
        except ValueError as exc:
            log.info("JWT rejected: %s (iss=%.200s sub=%.200s)", exc, iss, sub)
            return None
        return Principal(
            name=f"jwt:{sub}",
            key_id=f"jwt:{iss}#{sub}",
            store_ids=stores,
            # unknown names are ignored: a token minted for other APIs too may carry theirs
            scopes=parse_scopes([n for n in scopes if n in _KNOWN_SCOPES]),
            expires_at=float(claims["exp"]) + self.config.leeway_seconds,
        )

    async def _key(self, kid: str | None) -> jwt.PyJWK | None:
        """The signing key for `kid`, refetching the set when stale or on an unknown kid."""
        if self._keys is not None and not self._stale():
            key = _find(self._keys, kid)
            if key is not None:
                return key  # the common case takes no lock, so never waits behind a fetch
        async with self._lock:
            if self._keys is None or self._stale():
                await self._refresh()
            key = _find(self._keys, kid)
            if key is None and self._keys is not None:
                await self._refresh()  # maybe a rotation; throttled inside
                key = _find(self._keys, kid)
            return key

    def _stale(self) -> bool:
        return self._clock() - self._fetched_at >= self.config.jwks_cache_seconds

    async def _refresh(self) -> None:
        now = self._clock()
        if self._last_attempt is not None and now - self._last_attempt < REFETCH_MIN_SECONDS:
            return
        self._last_attempt = now
        try:
            self._keys = _key_set(await self._load())
        except (aiohttp.ClientError, TimeoutError, OSError, ValueError, jwt.PyJWTError) as exc:
            # no stale keys: a failed fetch answers 401 until the next attempt succeeds
            self._keys = None
            log.warning("JWKS from %s unavailable: %s", self._source(), _describe(exc))
            return
        self._fetched_at = now

    async def _load(self) -> bytes:
        if self.config.jwks_file is not None:
            return await asyncio.to_thread(self.config.jwks_file.read_bytes)
        assert self.config.jwks_url is not None  # the config validator guarantees one source
        timeout = aiohttp.ClientTimeout(total=JWKS_TIMEOUT_SECONDS)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.get(self.config.jwks_url, allow_redirects=False) as resp,
        ):
            if resp.status != 200:
                raise ValueError(f"HTTP {resp.status}")
            body = bytearray()
            async for chunk in resp.content.iter_chunked(64 * 1024):
                body += chunk
                if len(body) > JWKS_MAX_BYTES:
                    raise ValueError(f"JWKS larger than {JWKS_MAX_BYTES} bytes")
            return bytes(body)

    def _source(self) -> str:
        return str(self.config.jwks_file or self.config.jwks_url)


def _key_set(raw: bytes) -> jwt.PyJWKSet:
    """Signing keys only: `use: enc` and symmetric (`oct`) members are dropped."""
    doc = json.loads(raw)
    members = doc.get("keys") if isinstance(doc, dict) else None
    if not isinstance(members, list):
        raise ValueError("JWKS has no `keys` list")
    keys = [
        k
        for k in members
        if isinstance(k, dict) and k.get("use", "sig") == "sig" and k.get("kty") != "oct"
    ]
    return jwt.PyJWKSet(keys)


def _find(keys: jwt.PyJWKSet | None, kid: str | None) -> jwt.PyJWK | None:
    """The key named `kid`; a token without one only matches a set of exactly one key."""
    if keys is None:
        return None
    if kid is None:
        return keys.keys[0] if len(keys.keys) == 1 else None
    return next((k for k in keys.keys if k.key_id == kid), None)


def _store_ids(claim: object) -> frozenset[str] | None:
    """`"*"`: every store (None); a list of ids; absent: no store at all."""
    if claim is None:
        return frozenset()  # deny by default: a token that names no store sees none
    if claim == "*":
        return None
    if isinstance(claim, list) and all(isinstance(s, str) for s in claim):
        return frozenset(claim)
    raise ValueError("malformed stores claim")


def _scope_names(claim: object) -> list[str]:
    """A space-separated string (RFC 8693 `scope`) or a list of names; absent: none."""
    if claim is None:
        return []
    if isinstance(claim, str):
        return claim.split()
    if isinstance(claim, list) and all(isinstance(s, str) for s in claim):
        return claim
    raise ValueError("malformed scopes claim")


def _describe(exc: BaseException) -> str:
    """An error for the log: its type and a capped message (never a response body)."""
    return f"{type(exc).__name__}: {str(exc)[:200]}"
