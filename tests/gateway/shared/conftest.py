"""Fixtures of the shared-state tests: Redis (fails in CI when it does not answer)."""

from tests.helpers.redis import redis_prefix, redis_url  # noqa: F401 - fixtures
