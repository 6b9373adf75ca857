"""Building the AuthGate from `[auth]`, and refusing to open a door that has no lock."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

from gateway.auth.authenticator import Authenticator, AuthGate
from gateway.auth.jwt import JwtAuthenticator
from gateway.auth.keys import KeyAuthenticator, StaticKey, hash_secret, key_id_of
from gateway.auth.pg_keys import open_key_store
from gateway.auth.principal import parse_scopes
from gateway.config import AuthConfig, resolve_secret
from platforms.errors import ConfigError

log = logging.getLogger("cartgraph.auth")


def build_gate(
    config: AuthConfig,
    data_dir: str | Path | None,
    *,
    environ: Mapping[str, str] | None = None,
    source: str = "config",
    storage_url: str | None = None,
) -> AuthGate:
    """The gateway's AuthGate; ConfigError when auth is on but nothing could authenticate."""
    if config.mode == "off":
        log.warning(
            'authentication is OFF ([auth] mode = "off"): anyone who reaches this port'
            " can read every store and write to it"
        )
        return AuthGate([], off=True)
    store = open_key_store(data_dir, storage_url)  # PostgreSQL when [storage] url is set
    static = [_static_key(i, source, environ, config) for i in range(len(config.keys))]
    authenticators: list[Authenticator] = [KeyAuthenticator(store, static)]
    if config.jwt is not None:
        authenticators.append(JwtAuthenticator(config.jwt))
    if not static and config.jwt is None and store.count_live() == 0:
        raise ConfigError(
            f"{source}: auth: no API key and no [auth.jwt]: create a key with"
            " `cartgraph keys create --config … --name NAME --scopes read`, configure"
            ' [auth.jwt], or set [auth] mode = "off" to serve without credentials'
        )
    return AuthGate(authenticators)


def _static_key(
    index: int, source: str, environ: Mapping[str, str] | None, config: AuthConfig
) -> StaticKey:
    entry = config.keys[index]
    where = f"{source}: auth.keys[{index}].key"
    token = resolve_secret(entry.key, where=where, environ=environ)
    key_id = key_id_of(token)
    if key_id is None:
        raise ConfigError(f"{where}: not a cartgraph key (cg_<id>_<secret>)")
    stores = None if entry.stores is None else frozenset(entry.stores)
    return StaticKey(key_id, entry.name, hash_secret(token), stores, parse_scopes(entry.scopes))
