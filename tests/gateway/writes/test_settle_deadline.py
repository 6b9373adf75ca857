"""The write store keeps an in-doubt job's settle deadline: across a crash recovery, and as
the line of its resource while it sits quarantined in doubt (clock values, no waiting)."""

from __future__ import annotations

from gateway.writes.model import JobStatus, NewJob
from gateway.writes.sqlite import SqliteWriteStore


def _job(n: int, resource: str = "inventory:1:1") -> NewJob:
    return NewJob(
        id=f"wop_{n}",
        store_id="s",
        kind="SET_INVENTORY",
        payload={"variant_id": "1", "location_id": "1", "available": n},
        idempotency_key=f"k{n}",
        request_hash=f"h{n}",
        resource_key=resource,
    )


async def test_recovery_keeps_an_in_doubt_jobs_deadline() -> None:
    store = SqliteWriteStore(":memory:")
    for n in (1, 2):
        await store.insert_or_get(_job(n, f"inventory:{n}:1"), now=0.0)
    await store.claim(now=1.0, limit=2)
    # wop_1 was sent (in doubt, the store may apply it until t=50); wop_2 was not yet
    await store.update("wop_1", 1.0, in_doubt=True, next_attempt_at=50.0)
    assert await store.recover(now=10.0) == 2
    assert [j.id for j in await store.claim(now=10.0, limit=5)] == ["wop_2"]
    assert [j.id for j in await store.claim(now=50.0, limit=5)] == ["wop_1"]
    await store.close()


async def test_a_job_quarantined_in_doubt_holds_its_resource_until_its_deadline() -> None:
    store = SqliteWriteStore(":memory:")
    for n in (1, 2):
        await store.insert_or_get(_job(n), now=0.0)
    await store.insert_or_get(_job(3, "inventory:2:1"), now=0.0)
    assert [j.id for j in await store.claim(now=1.0, limit=5)] == ["wop_1", "wop_3"]
    fields = {"status": JobStatus.QUARANTINED, "in_doubt": True, "next_attempt_at": 30.0}
    await store.update("wop_1", 2.0, **fields)
    assert await store.claim(now=29.0, limit=5) == []  # wop_1 may still land on this resource
    assert [j.id for j in await store.claim(now=30.0, limit=5)] == ["wop_2"]
    await store.close()
