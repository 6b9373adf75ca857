"""Credentials for tests of other features: one admin key, in memory or in a config file."""

from __future__ import annotations

from gateway.auth.authenticator import AuthGate
from gateway.auth.keys import KeyAuthenticator, KeyStore, StaticKey, hash_secret
from gateway.auth.principal import ALL_SCOPES

# A fixed, well-formed key for config files and child processes (deterministic fixtures).
TEST_KEY = "cg_0123456789ab_tests-only-not-a-secret-0000000000000000000000"
TEST_KEY_ENV = "CARTGRAPH_TEST_KEY"
AUTH_HEADERS = {"Authorization": f"Bearer {TEST_KEY}"}
INIT_PAYLOAD = {"Authorization": f"Bearer {TEST_KEY}"}
AUTH_TOML = f'[[auth.keys]]\nname = "tests"\nkey = "env:{TEST_KEY_ENV}"\nscopes = ["admin"]\n'


def admin_gate(store: KeyStore | None = None) -> AuthGate:
    """A gate that knows TEST_KEY (every scope, every store) and the keys of `store`."""
    static = StaticKey("0123456789ab", "tests", hash_secret(TEST_KEY), None, ALL_SCOPES)
    return AuthGate([KeyAuthenticator(store or KeyStore(None), [static])])
