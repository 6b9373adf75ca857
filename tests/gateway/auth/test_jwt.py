"""JwtAuthenticator against a local JWKS server: claims, rejections, caching and key rotation."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from pydantic import ValidationError

from gateway.auth.jwt import JwtAuthenticator, JwtConfig
from gateway.auth.principal import Scope
from gateway.server import free_port
from tests.helpers.jwks import AUDIENCE, ISSUER, JwksServer, Signer, serve_jwks


@pytest.fixture(scope="module")
def rsa_key() -> Signer:
    return Signer("rsa-1", "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="module")
def rsa_key_2() -> Signer:
    return Signer("rsa-2", "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="module")
def ec_key() -> Signer:
    return Signer("ec-1", "ES256", ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture
async def jwks(rsa_key: Signer, ec_key: Signer) -> AsyncIterator[JwksServer]:
    async with serve_jwks([rsa_key.jwk(), ec_key.jwk()]) as server:
        yield server


class Clock:
    """A monotonic clock the test moves by hand (the JWKS cache's only notion of time)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_auth(url: str, clock: Callable[[], float] | None = None, **cfg: Any) -> JwtAuthenticator:
    config = JwtConfig(issuer=ISSUER, audience=AUDIENCE, jwks_url=url, **cfg)
    return JwtAuthenticator(config, clock=clock or Clock())


def raw_token(
    header: dict[str, Any], claims: dict[str, Any], sign: Callable[[bytes], bytes]
) -> str:
    """A JWS built by hand, for the tokens PyJWT refuses to mint (alg none, HS256 + PEM)."""

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    return f"{signing_input}.{b64(sign(signing_input.encode()))}"


def good_claims() -> dict[str, Any]:
    now = int(time.time())
    return {"iss": ISSUER, "aud": AUDIENCE, "sub": "mallory", "exp": now + 3600, "scope": "admin"}


# --- config ---


def test_config_defaults() -> None:
    cfg = JwtConfig(issuer=ISSUER, audience=AUDIENCE, jwks_url="https://idp/jwks")
    assert cfg.algorithms == ("RS256", "ES256")
    assert (cfg.stores_claim, cfg.scopes_claim) == ("cartgraph/stores", "scope")
    assert (cfg.leeway_seconds, cfg.jwks_cache_seconds) == (30, 300)


@pytest.mark.parametrize(
    "fields",
    [
        {"jwks_url": "https://idp/jwks", "jwks_file": "/etc/jwks.json"},  # both sources
        {},  # no source
        {"jwks_url": "ftp://idp/jwks"},
        {"jwks_url": "https://idp/jwks", "algorithms": ["none"]},
        {"jwks_url": "https://idp/jwks", "algorithms": ["RS256", "HS256"]},
        {"jwks_url": "https://idp/jwks", "algorithms": []},
        {"jwks_url": "https://idp/jwks", "secret": "x"},  # extra="forbid"
    ],
)
def test_config_rejects(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        JwtConfig(issuer=ISSUER, audience=AUDIENCE, **fields)


def test_accepts_jwt_shaped_tokens_only(rsa_key: Signer) -> None:
    auth = make_auth("https://idp/jwks")
    assert auth.accepts(rsa_key.token())
    assert not auth.accepts("cg_abc.def.ghi")  # our own API keys
    assert not auth.accepts("cg_0123456789abcdef")
    assert not auth.accepts("not a token")
    assert not auth.accepts("a.b")


# --- valid tokens ---


async def test_valid_rsa_token_maps_claims(jwks: JwksServer, rsa_key: Signer) -> None:
    token = rsa_key.token(
        scope="read write:orders profile email", **{"cartgraph/stores": ["a", "b"]}
    )
    principal = await make_auth(jwks.url).authenticate(token)
    assert principal is not None
    assert principal.name == "jwt:alice"
    assert principal.key_id == f"jwt:{ISSUER}#alice"
    assert principal.store_ids == frozenset({"a", "b"})
    # other APIs' scopes (profile, email) are ignored, not an error
    assert principal.scopes == frozenset({Scope.READ, Scope.WRITE_ORDERS})


async def test_valid_ec_token_with_all_stores_and_list_scopes(
    jwks: JwksServer, ec_key: Signer
) -> None:
    token = ec_key.token(scope=["read", "events"], **{"cartgraph/stores": "*"})
    principal = await make_auth(jwks.url).authenticate(token)
    assert principal is not None
    assert principal.store_ids is None and principal.sees_store("any-store")
    assert principal.scopes == frozenset({Scope.READ, Scope.EVENTS})


async def test_custom_claim_names(jwks: JwksServer, rsa_key: Signer) -> None:
    token = rsa_key.token(stores=["x"], permissions=["write:inventory"])
    auth = make_auth(jwks.url, stores_claim="stores", scopes_claim="permissions")
    principal = await auth.authenticate(token)
    assert principal is not None
    assert principal.store_ids == frozenset({"x"})
    assert principal.scopes == frozenset({Scope.WRITE_INVENTORY})


async def test_no_stores_claim_sees_no_store(jwks: JwksServer, rsa_key: Signer) -> None:
    principal = await make_auth(jwks.url).authenticate(rsa_key.token(**{"cartgraph/stores": None}))
    assert principal is not None
    assert principal.store_ids == frozenset()
    assert not principal.sees_store("shop-a")


async def test_no_scope_claim_holds_no_scope(jwks: JwksServer, rsa_key: Signer) -> None:
    principal = await make_auth(jwks.url).authenticate(rsa_key.token(scope=None))
    assert principal is not None and principal.scopes == frozenset()


async def test_expiry_within_leeway_is_accepted(jwks: JwksServer, rsa_key: Signer) -> None:
    # 10 s past exp, inside the 30 s default leeway: a margin no slow machine can eat
    token = rsa_key.token(exp=int(time.time()) - 10)
    assert await make_auth(jwks.url).authenticate(token) is not None


async def test_jwks_file(tmp_path: Path, rsa_key: Signer) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [rsa_key.jwk()]}))
    config = JwtConfig(issuer=ISSUER, audience=AUDIENCE, jwks_file=path)
    assert await JwtAuthenticator(config).authenticate(rsa_key.token()) is not None


# --- rejected tokens ---


@pytest.mark.parametrize(
    "overrides",
    [
        {"iss": "https://other-idp.example.test/"},
        {"aud": "another-api"},
        {"exp": int(time.time()) - 3600},  # expired, far beyond leeway
        {"nbf": int(time.time()) + 3600},  # not yet valid
        {"exp": None},  # exp is required
        {"sub": None},
        {"cartgraph/stores": "shop-a"},  # malformed: neither a list nor "*"
        {"scope": 7},
    ],
    ids=["issuer", "audience", "expired", "not-yet-valid", "no-exp", "no-sub", "stores", "scope"],
)
async def test_bad_claims_are_rejected(
    jwks: JwksServer, rsa_key: Signer, overrides: dict[str, Any]
) -> None:
    assert await make_auth(jwks.url).authenticate(rsa_key.token(**overrides)) is None


async def test_bad_signature(jwks: JwksServer, rsa_key: Signer, rsa_key_2: Signer) -> None:
    forged = rsa_key_2.token(rsa_key.kid)  # another key claiming the published kid
    assert await make_auth(jwks.url).authenticate(forged) is None
    header, payload, sig = rsa_key.token().split(".")
    tampered = f"{header}.{payload}.{sig[:-4]}AAAA"
    assert await make_auth(jwks.url).authenticate(tampered) is None


async def test_alg_none(jwks: JwksServer, rsa_key: Signer) -> None:
    token = raw_token({"alg": "none", "kid": rsa_key.kid}, good_claims(), lambda _: b"")
    auth = make_auth(jwks.url)
    assert auth.accepts(token)  # ours to refuse, not passed on to another authenticator
    assert await auth.authenticate(token) is None


async def test_hs256_with_the_public_key_as_secret(jwks: JwksServer, rsa_key: Signer) -> None:
    secret = rsa_key.public_pem()
    token = raw_token(
        {"alg": "HS256", "kid": rsa_key.kid, "typ": "JWT"},
        good_claims(),
        lambda data: hmac.new(secret, data, hashlib.sha256).digest(),
    )
    assert await make_auth(jwks.url).authenticate(token) is None


async def test_token_alg_must_match_the_key(jwks: JwksServer, ec_key: Signer) -> None:
    # an ES256 key's kid on an RS256 token: refused even though both algorithms are allowed
    rs_signed = Signer(ec_key.kid, "RS256", rsa.generate_private_key(65537, 2048)).token()
    assert await make_auth(jwks.url).authenticate(rs_signed) is None


async def test_unknown_kid(jwks: JwksServer, rsa_key_2: Signer) -> None:
    assert await make_auth(jwks.url).authenticate(rsa_key_2.token()) is None


async def test_garbage_tokens(jwks: JwksServer) -> None:
    auth = make_auth(jwks.url)
    for token in ["a.b.c", "eyJhbGciOiJSUzI1NiJ9.e30.", "e30.e30.e30"]:
        assert await auth.authenticate(token) is None


# --- JWKS cache, rotation and outages ---


async def test_keys_are_cached(jwks: JwksServer, rsa_key: Signer, ec_key: Signer) -> None:
    clock = Clock()
    auth = make_auth(jwks.url, clock)
    for _ in range(5):
        assert await auth.authenticate(rsa_key.token()) is not None
        assert await auth.authenticate(ec_key.token()) is not None
    assert jwks.hits == 1
    jwks.keys = [ec_key.jwk()]  # rsa-1 withdrawn by the IdP
    clock.now += 299
    assert await auth.authenticate(rsa_key.token()) is not None  # still cached
    clock.now += 1  # the cache (300 s) expires: the refetch drops rsa-1
    assert await auth.authenticate(rsa_key.token()) is None
    assert await auth.authenticate(ec_key.token()) is not None
    assert jwks.hits == 2


async def test_key_rotation(jwks: JwksServer, rsa_key: Signer, rsa_key_2: Signer) -> None:
    clock = Clock()
    auth = make_auth(jwks.url, clock)
    assert await auth.authenticate(rsa_key.token()) is not None
    jwks.keys = [*jwks.keys, rsa_key_2.jwk()]  # the IdP publishes its next key
    clock.now += 31  # past the unknown-kid refetch throttle, well inside the 300 s cache
    assert await auth.authenticate(rsa_key_2.token()) is not None
    assert jwks.hits == 2


async def test_forged_kids_do_not_hammer_the_idp(jwks: JwksServer, rsa_key: Signer) -> None:
    clock = Clock()
    auth = make_auth(jwks.url, clock)
    assert await auth.authenticate(rsa_key.token()) is not None
    for i in range(50):
        assert await auth.authenticate(rsa_key.token(f"forged-{i}")) is None
    assert jwks.hits == 1  # within 30 s of the last fetch: no refetch at all
    clock.now += 31
    for i in range(50):
        assert await auth.authenticate(rsa_key.token(f"forged-again-{i}")) is None
    assert jwks.hits == 2  # one refetch per 30 s, however many made-up kids


async def test_jwks_server_down(rsa_key: Signer, caplog: pytest.LogCaptureFixture) -> None:
    url = f"http://127.0.0.1:{free_port()}/jwks.json"  # nothing listens there
    token = rsa_key.token()
    with caplog.at_level(logging.DEBUG):
        assert await make_auth(url).authenticate(token) is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings and "JWKS" in warnings[0].getMessage()
    assert token not in caplog.text and token.split(".")[1] not in caplog.text


async def test_jwks_error_then_recovery(jwks: JwksServer, rsa_key: Signer) -> None:
    clock = Clock()
    auth = make_auth(jwks.url, clock)
    jwks.status = 503
    assert await auth.authenticate(rsa_key.token()) is None
    assert await auth.authenticate(rsa_key.token()) is None
    assert jwks.hits == 1  # failures are throttled too
    jwks.status = 200
    clock.now += 31
    assert await auth.authenticate(rsa_key.token()) is not None


async def test_logs_carry_no_token_or_claims(
    jwks: JwksServer, rsa_key: Signer, caplog: pytest.LogCaptureFixture
) -> None:
    secret_store = "store-named-after-a-customer"
    tokens = [
        rsa_key.token(**{"cartgraph/stores": [secret_store]}),
        rsa_key.token(aud="elsewhere", **{"cartgraph/stores": [secret_store]}),
        rsa_key.token(scope={"nested": secret_store}),
    ]
    with caplog.at_level(logging.DEBUG):
        for token in tokens:
            await make_auth(jwks.url).authenticate(token)
    assert caplog.records  # the rejections are logged...
    for token in tokens:
        assert token.split(".")[1] not in caplog.text  # ...without the token
    assert secret_store not in caplog.text


async def test_concurrent_first_requests_share_one_fetch(jwks: JwksServer, rsa_key: Signer) -> None:
    auth = make_auth(jwks.url)
    results = await asyncio.gather(*(auth.authenticate(rsa_key.token()) for _ in range(20)))
    assert all(p is not None for p in results)
    assert jwks.hits == 1
