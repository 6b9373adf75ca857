"""JWT end to end: a gateway with AuthGate([JwtAuthenticator]) over a Shopify sandbox."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aiohttp
from cryptography.hazmat.primitives.asymmetric import rsa

from gateway.app import create_app
from gateway.auth.authenticator import AuthGate
from gateway.auth.guard import REVALIDATE_SECONDS
from gateway.auth.jwt import JwtAuthenticator, JwtConfig
from gateway.auth.keys import KeyAuthenticator, KeyStore
from gateway.server import running
from gateway.stores import CacheTTLs, StoreRegistry
from tests.conftest import ServeShopify
from tests.helpers.jwks import AUDIENCE, ISSUER, Signer, serve_jwks

ORDERS = "{ orders(first: 3) { edges { node { number storeId } } } }"


async def post(
    session: aiohttp.ClientSession, url: str, token: str | None
) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.post(f"{url}/graphql", json={"query": ORDERS}, headers=headers) as resp:
        body: dict[str, Any] = await resp.json(content_type=None)
        return resp.status, body


def codes(body: dict[str, Any]) -> set[str]:
    return {e.get("extensions", {}).get("code") for e in body.get("errors") or []}


async def test_jwt_bearer_over_http(serve_shopify: ServeShopify) -> None:
    key = Signer("k1", "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))
    sandbox, conn = await serve_shopify("shop-a", orders=5, products=5)
    async with serve_jwks([key.jwk()]) as idp:
        config = JwtConfig(issuer=ISSUER, audience=AUDIENCE, jwks_url=idp.url)
        auth = AuthGate([JwtAuthenticator(config)])
        registry = StoreRegistry([conn], ttls=CacheTTLs(products=0, locations=0))
        async with running(create_app(registry, auth=auth)) as url, aiohttp.ClientSession() as s:
            status, body = await post(s, url, key.token(**{"cartgraph/stores": ["shop-a"]}))
            assert status == 200 and not body.get("errors"), body
            edges = body["data"]["orders"]["edges"]
            assert edges and {e["node"]["storeId"] for e in edges} == {"shop-a"}

            # a valid token without `read`: refused before any upstream call
            sandbox.calls.reset()
            status, body = await post(s, url, key.token(scope="events"))
            assert status == 200 and codes(body) == {"FORBIDDEN"}, body
            assert sandbox.calls.total == 0

            # no stores claim: deny by default, and no hint that shop-a exists
            status, body = await post(s, url, key.token(**{"cartgraph/stores": None}))
            assert status == 200 and body["data"]["orders"]["edges"] == [], body
            assert "shop-a" not in str(body)
            assert sandbox.calls.total == 0

            expired = key.token(exp=int(time.time()) - 3600)
            for token in [expired, "cg_not-a-jwt", None]:
                status, body = await post(s, url, token)
                assert status == 401 and codes(body) == {"UNAUTHENTICATED"}, body


async def test_jwt_socket_stays_open_and_closes_when_the_token_expires(
    serve_shopify: ServeShopify,
) -> None:
    key = Signer("k1", "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))
    _, conn = await serve_shopify("shop-a", orders=5, products=5)
    async with serve_jwks([key.jwk()]) as idp:
        config = JwtConfig(issuer=ISSUER, audience=AUDIENCE, jwks_url=idp.url, leeway_seconds=0)
        # the API-key authenticator too: a JWT socket must not be judged by the key store
        keys = KeyAuthenticator(KeyStore(None))
        auth = AuthGate([keys, JwtAuthenticator(config)])
        registry = StoreRegistry([conn], ttls=CacheTTLs(products=0, locations=0))
        async with running(create_app(registry, auth=auth)) as url, aiohttp.ClientSession() as s:
            token = key.token(scope="events", exp=int(time.time()) + 8)
            ws = await s.ws_connect(f"{url}/graphql", protocols=["graphql-transport-ws"])
            await ws.send_json(
                {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
            )
            assert (await ws.receive_json(timeout=10))["type"] == "connection_ack"
            await asyncio.sleep(REVALIDATE_SECONDS + 0.5)  # at least one re-check while valid
            await ws.send_json({"type": "ping"})
            assert (await ws.receive_json(timeout=10))["type"] == "pong"  # open past a re-check
            message = await ws.receive(timeout=20)  # exp passes within ~8 s
            assert message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
            assert ws.close_code == 4403
