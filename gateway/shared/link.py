"""One Redis connection pool per process, its key names, and a liveness probe."""

from __future__ import annotations

import logging
import time

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger("cartgraph.redis")

# a replica must not hang on a Redis that stopped answering: each command fails over
# (to this process's own bucket, to the platform for a cache miss) after this long.
COMMAND_TIMEOUT = 2.0
# after a failure, stay on the local fallback this long before trying Redis again, so an
# outage costs one timeout per interval instead of one per upstream call.
RETRY_AFTER_FAILURE = 2.0


class RedisLink:
    """A Redis URL with a key prefix: the pool every shared piece of one process uses."""

    def __init__(self, url: str, prefix: str = "cartgraph") -> None:
        self.url = url
        self.prefix = prefix
        self.client: Redis = Redis.from_url(
            url,
            socket_connect_timeout=COMMAND_TIMEOUT,
            socket_timeout=COMMAND_TIMEOUT,
            health_check_interval=30,
        )
        self._down_until = 0.0

    def __repr__(self) -> str:
        return f"RedisLink(prefix={self.prefix!r})"  # the URL may carry a password

    def key(self, *parts: str) -> str:
        """A key of this deployment: `<prefix>:<part>:<part>`."""
        return ":".join((self.prefix, *parts))

    def pubsub_client(self) -> Redis:
        """A second pool for subscriptions: a subscriber idles for long, which the command
        pool's read timeout would take for a dead server."""
        return Redis.from_url(self.url, socket_connect_timeout=COMMAND_TIMEOUT)

    @property
    def usable(self) -> bool:
        """False for a moment after a failure (callers use their fallback meanwhile)."""
        return time.monotonic() >= self._down_until

    def failed(self, what: str, exc: Exception) -> None:
        """Record a failure: log it once per outage and back off."""
        if self.usable:
            log.warning("redis unavailable for %s: %s; using the local fallback", what, exc)
        self._down_until = time.monotonic() + RETRY_AFTER_FAILURE

    async def ping(self) -> str | None:
        """None when Redis answers, else why not (for /readyz)."""
        try:
            await self.client.ping()
        except (RedisError, OSError) as exc:
            return f"redis: {type(exc).__name__}"
        self._down_until = 0.0  # answered: callers may use it again at once
        return None

    async def aclose(self) -> None:
        """Close the pool."""
        await self.client.aclose()
