"""A local identity provider for JWT tests: signing keys and a JWKS endpoint on a real port."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from gateway.server import free_port

ISSUER = "https://idp.example.test/"
AUDIENCE = "cartgraph"


@dataclass
class Signer:
    """A private key and the `kid`/`alg` it publishes under."""

    kid: str
    alg: str
    private: Any

    def jwk(self) -> dict[str, Any]:
        algorithm = RSAAlgorithm if self.alg.startswith("RS") else ECAlgorithm
        out: dict[str, Any] = algorithm.to_jwk(self.private.public_key(), as_dict=True)
        return out | {"kid": self.kid, "alg": self.alg, "use": "sig"}

    def public_pem(self) -> bytes:
        return bytes(
            self.private.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )

    def token(self, kid: str | None = None, /, **overrides: Any) -> str:
        """A token with good claims, `overrides` applied (None removes a claim)."""
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": now, "exp": now + 3600}
        claims |= {"cartgraph/stores": ["shop-a"], "scope": "read"}
        claims = {k: v for k, v in (claims | overrides).items() if v is not None}
        return jwt.encode(
            claims, self.private, algorithm=self.alg, headers={"kid": kid or self.kid}
        )


@dataclass
class JwksServer:
    """A local identity provider's JWKS endpoint; counts fetches."""

    url: str = ""
    keys: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    hits: int = 0

    async def handle(self, _: web.Request) -> web.Response:
        self.hits += 1
        return web.json_response({"keys": self.keys}, status=self.status)


@contextlib.asynccontextmanager
async def serve_jwks(keys: list[dict[str, Any]]) -> AsyncIterator[JwksServer]:
    """Serve `keys` at /.well-known/jwks.json on 127.0.0.1 until the block ends."""
    server = JwksServer(keys=keys)
    app = web.Application()
    app.router.add_get("/.well-known/jwks.json", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    server.url = f"http://127.0.0.1:{port}/.well-known/jwks.json"
    try:
        yield server
    finally:
        await runner.cleanup()
