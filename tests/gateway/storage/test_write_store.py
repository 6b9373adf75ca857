"""The write store's contract on SQLite and PostgreSQL: one job per idempotency key, one
resource's jobs in acceptance order, a crashed worker's jobs run again (clock values)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from gateway.writes.model import JobStatus, NewJob
from tests.helpers.postgres import Backend


def new_job(n: int, resource: str = "inventory:1:1", key: str | None = None) -> NewJob:
    """Job n of store s on one resource (its own idempotency key unless `key`)."""
    return NewJob(
        id=f"wop_{n}",
        store_id="s",
        kind="SET_INVENTORY",
        payload={"variant_id": "1", "location_id": "1", "available": n},
        idempotency_key=key or f"k{n}",
        request_hash="h",
        resource_key=resource,
    )


async def test_one_key_is_one_job_however_many_race_for_it(
    backend: Backend, tmp_path: Path
) -> None:
    store = backend.write_store(tmp_path)
    results = await asyncio.gather(
        *(store.insert_or_get(new_job(n, key="same"), now=0.0) for n in range(20))
    )
    assert sum(created for _, created in results) == 1
    assert len({job.id for job, _ in results}) == 1
    assert await store.count(store_ids=["s"], status=None) == 1
    await store.close()


async def test_a_resource_runs_one_job_at_a_time_in_acceptance_order(
    backend: Backend, tmp_path: Path
) -> None:
    store = backend.write_store(tmp_path)
    for n, resource in ((1, "r1"), (2, "r1"), (3, "r2"), (4, "r1")):
        await store.insert_or_get(new_job(n, resource), now=0.0)
    assert [j.id for j in await store.claim(now=1.0, limit=10)] == ["wop_1", "wop_3"]
    assert await store.claim(now=1.0, limit=10) == []  # wop_2 waits behind running wop_1
    await store.update("wop_1", 2.0, status=JobStatus.SUCCEEDED)
    assert [j.id for j in await store.claim(now=2.0, limit=10)] == ["wop_2"]
    retry = {"status": JobStatus.RETRYING, "next_attempt_at": 9.0}
    await store.update("wop_2", 3.0, **retry)
    assert await store.claim(now=3.0, limit=10) == []  # a retrying job still holds the line
    assert await store.claim(now=8.9, limit=10) == []
    assert [j.id for j in await store.claim(now=9.0, limit=10)] == ["wop_2"]
    listed = await store.list_jobs(store_ids=["s"], status=None, before_seq=None, limit=10)
    assert [j.id for j in listed] == ["wop_4", "wop_3", "wop_2", "wop_1"]
    assert (await store.get("wop_2")).attempts == 2  # type: ignore[union-attr]
    await store.close()


async def test_a_dead_workers_jobs_run_again_keeping_the_settle_deadline(
    backend: Backend, tmp_path: Path
) -> None:
    dead = backend.write_store(tmp_path)
    for n in (1, 2):
        await dead.insert_or_get(new_job(n, f"inventory:{n}:1"), now=0.0)
    await dead.claim(now=1.0, limit=2)
    # wop_1 was sent (in doubt: the store may apply it until t=50); wop_2 was not yet
    await dead.update("wop_1", 1.0, in_doubt=True, next_attempt_at=50.0)
    await dead.close()  # the worker dies (on PostgreSQL its lease goes with it)
    store = backend.write_store(tmp_path)
    assert await store.recover(now=10.0) == 2
    assert [j.id for j in await store.claim(now=10.0, limit=5)] == ["wop_2"]
    assert [j.id for j in await store.claim(now=50.0, limit=5)] == ["wop_1"]
    await store.close()


async def test_a_job_quarantined_in_doubt_holds_its_resource_until_its_deadline(
    backend: Backend, tmp_path: Path
) -> None:
    store = backend.write_store(tmp_path)
    for n in (1, 2):
        await store.insert_or_get(new_job(n), now=0.0)
    await store.insert_or_get(new_job(3, "inventory:2:1"), now=0.0)
    assert [j.id for j in await store.claim(now=1.0, limit=5)] == ["wop_1", "wop_3"]
    fields = {"status": JobStatus.QUARANTINED, "in_doubt": True, "next_attempt_at": 30.0}
    await store.update("wop_1", 2.0, **fields)
    assert await store.claim(now=29.0, limit=5) == []  # wop_1 may still land on this resource
    assert [j.id for j in await store.claim(now=30.0, limit=5)] == ["wop_2"]
    await store.close()
