"""Live fan-out between replicas: an append is announced on a Redis channel and wakes every
replica's log tail (the log stays the source of truth; a lost message costs latency only)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from gateway.shared.link import RedisLink

RECONNECT_SECONDS = 1.0


class RedisWakeups:
    """Publishes each append's newest sequence; a subscriber task wakes the tail on any."""

    def __init__(self, link: RedisLink) -> None:
        self._link = link
        self.channel = link.key("events")
        self.received = 0  # messages that woke this process's tail (tests, metrics)
        self._task: asyncio.Task[None] | None = None

    async def announce(self, sequence: int) -> None:
        """Tell every replica that the log grew up to `sequence`."""
        if not self._link.usable:
            return  # the tails' periodic re-read finds it
        try:
            await self._link.client.publish(self.channel, str(sequence))
        except (RedisError, OSError) as exc:
            self._link.failed("event wake-ups", exc)

    def watch(self, wake: Callable[[], None]) -> None:
        """Call `wake` whenever any replica announces an append (until `aclose`)."""
        self._task = asyncio.create_task(self._listen(wake), name="cartgraph-redis-wakeups")

    async def aclose(self) -> None:
        """Stop listening."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _listen(self, wake: Callable[[], None]) -> None:
        client = self._link.pubsub_client()
        try:
            while True:
                try:
                    await self._subscribed(client.pubsub(), wake)
                except (RedisError, OSError) as exc:
                    self._link.failed("event wake-ups", exc)
                await asyncio.sleep(RECONNECT_SECONDS)
        finally:
            await client.aclose()

    async def _subscribed(self, pubsub: PubSub, wake: Callable[[], None]) -> None:
        async with pubsub:
            await pubsub.subscribe(self.channel)
            wake()  # whatever was announced while we were not subscribed is read now
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    self.received += 1
                    wake()
