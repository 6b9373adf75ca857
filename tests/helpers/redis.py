"""The Redis tests run on: this machine's server, each test under a key prefix of its own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis

# the server this machine kind starts; CARTGRAPH_TEST_REDIS points elsewhere.
REDIS_URL = os.environ.get("CARTGRAPH_TEST_REDIS", "redis://127.0.0.1:6379/0")


def _unreachable(exc: Exception) -> None:
    reason = f"Redis at {REDIS_URL} is unreachable ({exc}); the shared-state tests"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} must run in CI (.ci/run starts the server)", pytrace=False)
    pytest.skip(f"{reason} are SKIPPED: start Redis to run them")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The test Redis's URL, once it answered (CI: fails when it does not, never skips)."""
    try:
        with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2) as client:
            client.ping()
    except (redis.RedisError, OSError) as exc:
        _unreachable(exc)
    return REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix for one test; its keys are deleted after it."""
    prefix = f"cgtest:{uuid.uuid4().hex[:12]}"
    try:
        yield prefix
    finally:
        with redis.Redis.from_url(redis_url) as client:
            names = list(client.scan_iter(match=f"{prefix}:*", count=500))
            if names:
                client.unlink(*names)
