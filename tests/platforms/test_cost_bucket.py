"""The points bucket: reserves a document's requested cost, gives back what it did not spend,
and takes the platform's reported bucket as the truth."""

from __future__ import annotations

import asyncio

from platforms.adapter import RateLimitSettings
from platforms.cost_bucket import STARTING_POINTS, PointsBucket


async def test_it_reserves_the_requested_cost_and_refunds_the_rest() -> None:
    bucket = PointsBucket(RateLimitSettings(1000, 100))
    bucket.in_flight = 2  # reservations count while other requests of ours are on their way

    await bucket.acquire(900)
    assert bucket.level >= 899
    bucket.refund(900 - 300)  # the answer said: 300 actually spent

    assert 299 <= bucket.level <= 300
    await asyncio.wait_for(bucket.acquire(650), 0.1)  # fits again at once


async def test_a_document_waits_until_the_restore_has_paid_for_it() -> None:
    bucket = PointsBucket(RateLimitSettings(100, 1000))
    bucket.in_flight = 2
    await bucket.acquire(100)

    started = asyncio.get_running_loop().time()
    await bucket.acquire(50)

    assert asyncio.get_running_loop().time() - started >= 0.04  # 50 points at 1,000 a second


async def test_alone_the_reported_level_is_the_truth_whichever_way() -> None:
    bucket = PointsBucket()
    bucket.in_flight = 1  # the request whose answer this is

    bucket.adopt(maximum=2000, available=1500, restore_rate=200)
    assert (bucket.max_rate, bucket.restore_rate) == (2000, 200)
    assert 499 <= bucket.level <= 500

    bucket.adopt(maximum=2000, available=2000, restore_rate=200)  # another app's spend restored
    assert bucket.level <= 1


async def test_with_others_in_flight_only_a_fuller_report_is_taken() -> None:
    bucket = PointsBucket()
    await bucket.acquire(600)
    bucket.in_flight = 2  # another document of ours is on its way, not yet in the report

    bucket.adopt(maximum=1000, available=1000, restore_rate=100)
    assert bucket.level >= 599

    bucket.adopt(maximum=1000, available=100, restore_rate=100)  # others spent the store's
    assert bucket.level >= 899


async def test_it_starts_at_the_smallest_plan_and_never_waits_forever() -> None:
    bucket = PointsBucket()
    assert (bucket.max_rate, bucket.restore_rate) == (
        STARTING_POINTS.capacity,
        STARTING_POINTS.leak_per_second,
    )

    await asyncio.wait_for(bucket.acquire(5000), 0.1)  # clamped to the whole bucket


async def test_after_throttled_nothing_starts_for_the_wait_and_no_longer() -> None:
    bucket = PointsBucket(RateLimitSettings(1000, 100))
    bucket.penalise(0.05)

    started = asyncio.get_running_loop().time()
    await bucket.acquire(900)  # a large document waits the pause, not its cost on top

    assert 0.04 <= asyncio.get_running_loop().time() - started < 0.5


async def test_alone_a_failed_attempts_reservation_is_not_held_against_the_retry() -> None:
    bucket = PointsBucket(RateLimitSettings(1000, 100))
    bucket.in_flight = 1
    await bucket.acquire(950)  # sent, then dropped: no answer, no cost reported

    await asyncio.wait_for(bucket.acquire(950), 0.1)  # the retry: not 9.5 s of restore
