"""The shared bucket's Lua script and its pump: one level per store for every replica,
the platform's count adopted, a 429 pausing every replica, fair turns within a process.

Asserted by grants, refusals and order, never by elapsed time (the leak is slow here)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from gateway.server import free_port
from gateway.shared.bucket import Report
from gateway.shared.link import RedisLink
from gateway.shared.state import RedisShared
from platforms.adapter import RateLimitSettings
from platforms.ratelimit import CallScope, current_scope

SLOW = RateLimitSettings(capacity=6, leak_per_second=0.01)  # usable 5; ~nothing leaks
NOTHING = Report()

Replicas = Callable[[int], list[RedisShared]]


@pytest.fixture
async def replicas(redis_url: str, redis_prefix: str) -> AsyncIterator[Replicas]:
    """`n` processes' shared state on one Redis (each its own pool, like a replica)."""
    made: list[RedisShared] = []

    def make(n: int) -> list[RedisShared]:
        made.extend(RedisShared.connect(redis_url, redis_prefix) for _ in range(n))
        return made[-n:]

    yield make
    for shared in made:
        await shared.aclose()


async def test_one_level_for_every_replica(replicas: Replicas) -> None:
    a, b, c = (s.bucket("shop", SLOW) for s in replicas(3))
    answers = [await bucket.run_script(1, NOTHING) for bucket in (a, b, c, a, b, c)]

    assert [x.granted for x in answers] == [True] * 5 + [False]  # 5 usable slots in all
    assert answers[-1].wait > 0  # and it says when to ask again


async def test_the_platforms_higher_count_is_adopted_and_a_lower_one_is_not(
    replicas: Replicas,
) -> None:
    a, b = (s.bucket("shop", SLOW) for s in replicas(2))
    first = await a.run_script(1, Report(used=4))
    after = await b.run_script(1, NOTHING)
    lower = await b.run_script(0, Report(used=0))

    assert first.granted and first.level == pytest.approx(5, abs=0.01)  # 4 reported + 1
    assert not after.granted  # the other replica sees the platform's count
    assert lower.level == pytest.approx(5, abs=0.01)  # ours was higher: kept


async def test_a_429_pauses_the_store_for_every_replica(replicas: Replicas) -> None:
    a, b = (s.bucket("shop", RateLimitSettings(40, 1000)) for s in replicas(2))
    await a.run_script(0, Report(pause=30))
    refused = await b.run_script(1, NOTHING)

    assert not refused.granted  # even with a near-empty, fast-leaking bucket
    assert 25 < refused.wait <= 30  # the pause, from Redis's clock


async def test_capacity_granted_and_never_used_goes_back(replicas: Replicas) -> None:
    [shared] = replicas(1)
    bucket = shared.bucket("shop", SLOW)
    for _ in range(5):
        await bucket.acquire()
    refunded = await bucket.run_script(1, Report(refund=2))

    assert refunded.granted and refunded.level == pytest.approx(4, abs=0.01)


async def test_acquire_waits_for_the_shared_level_then_is_granted(replicas: Replicas) -> None:
    fast = RateLimitSettings(capacity=3, leak_per_second=50)  # usable 2
    a, b = (s.bucket("shop", fast) for s in replicas(2))
    await asyncio.gather(*(bucket.acquire() for bucket in (a, b, a, b, a, b)))
    level = await a.run_script(0, NOTHING)

    assert level.level <= 2  # six granted through a bucket of two: each waited its turn


async def test_callers_take_turns_within_a_process(replicas: Replicas) -> None:
    [shared] = replicas(1)
    bucket = shared.bucket("shop", RateLimitSettings(capacity=2, leak_per_second=200))
    order: list[str] = []

    async def call(identity: str) -> None:
        current_scope.set(CallScope(identity))
        await bucket.acquire()
        order.append(identity)

    heavy = [asyncio.create_task(call("heavy")) for _ in range(60)]
    while len(order) < 2:  # noqa: ASYNC110 - the heavy calls are queued in the bucket
        await asyncio.sleep(0.001)
    light = asyncio.create_task(call("light"))
    await asyncio.gather(*heavy, light)

    assert order.index("light") <= 4  # behind at most a couple of the heavy caller's calls


async def test_an_unreachable_redis_falls_back_to_the_process_bucket() -> None:
    closed = RedisShared(RedisLink(f"redis://127.0.0.1:{free_port()}/0", "cgtest:down"))
    bucket = closed.bucket("shop", RateLimitSettings(capacity=4, leak_per_second=100))
    try:
        await asyncio.gather(*(bucket.acquire() for _ in range(10)))  # paced locally
        problem = await closed.ready()
    finally:
        await closed.aclose()

    assert problem is not None and problem.startswith("redis")
