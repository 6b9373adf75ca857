"""The write queue on PostgreSQL across replicas: a live worker's jobs are left alone, a dead
one's come back, late updates are fenced, and one resource never runs two jobs at once."""

from __future__ import annotations

import asyncio
import random

from gateway.writes.model import JobStatus
from gateway.writes.postgres import PgWriteStore
from tests.gateway.storage.test_write_store import new_job
from tests.helpers.postgres import pg_rows


def _lease_pid(url: str, job_id: str) -> int:
    """The backend pid holding the worker lease a RUNNING job was claimed under."""
    [(pid,)] = pg_rows(
        url,
        "SELECT l.pid FROM pg_locks l JOIN write_jobs j ON j.claimed_by = l.objid::bigint"
        " WHERE l.locktype = 'advisory' AND j.id = %(id)s",
        {"id": job_id},
    )
    return int(pid)


async def test_only_a_dead_workers_jobs_are_requeued(pg_url: str) -> None:
    a, b = PgWriteStore(pg_url), PgWriteStore(pg_url)
    await a.insert_or_get(new_job(1), now=0.0)
    assert [j.id for j in await a.claim(now=1.0, limit=5)] == ["wop_1"]
    assert await b.recover(now=2.0) == 0  # replica a is alive: its job stays RUNNING
    await a.close()  # replica a dies: its lease is gone with its connection
    # the server frees a session's advisory locks once it has seen the session end, which
    # on a loaded machine can trail the client's close by a moment: bounded re-checks.
    recovered = 0
    for _ in range(100):
        recovered = await b.recover(now=3.0)
        if recovered:
            break
        await asyncio.sleep(0.05)
    assert recovered == 1
    assert [j.id for j in await b.claim(now=3.0, limit=5)] == ["wop_1"]
    await b.close()


async def test_a_late_update_after_a_lost_lease_does_not_clobber_the_new_attempt(
    pg_url: str,
) -> None:
    a, b = PgWriteStore(pg_url), PgWriteStore(pg_url)
    await a.insert_or_get(new_job(1), now=0.0)
    await a.claim(now=1.0, limit=5)
    pg_rows(pg_url, "SELECT pg_terminate_backend(%(pid)s)", {"pid": _lease_pid(pg_url, "wop_1")})
    assert await b.recover(now=2.0) == 1
    assert [j.id for j in await b.claim(now=2.0, limit=5)] == ["wop_1"]
    late = await a.update("wop_1", 3.0, status=JobStatus.SUCCEEDED)
    assert late.status is JobStatus.RUNNING  # b's attempt owns the job now
    done = await b.update("wop_1", 4.0, status=JobStatus.SUCCEEDED)
    assert done.status is JobStatus.SUCCEEDED
    await asyncio.gather(a.close(), b.close())


async def test_replicas_run_each_resource_one_job_at_a_time_in_acceptance_order(
    pg_url: str,
) -> None:
    replicas = [PgWriteStore(pg_url) for _ in range(3)]
    resources = ["r1", "r2", "r3"]
    jobs = [(n, resources[n % 3]) for n in range(45)]
    # enqueued concurrently through every replica
    await asyncio.gather(*(replicas[n % 3].insert_or_get(new_job(n, r), now=0.0) for n, r in jobs))
    running: dict[str, str] = {}
    finished: dict[str, list[int]] = {r: [] for r in resources}
    overlaps: list[str] = []

    async def run(store: PgWriteStore, job_id: str, resource: str, seq: int) -> None:
        if resource in running:
            overlaps.append(f"{job_id} while {running[resource]}")
        running[resource] = job_id
        await asyncio.sleep(random.uniform(0, 0.01))  # jitter: interleave the replicas
        running.pop(resource, None)
        finished[resource].append(seq)
        await store.update(job_id, 1.0, status=JobStatus.SUCCEEDED)

    async def worker(store: PgWriteStore) -> None:
        while sum(map(len, finished.values())) < len(jobs):
            claimed = await store.claim(now=1.0, limit=4)
            await asyncio.gather(*(run(store, j.id, j.resource_key, j.seq) for j in claimed))
            await asyncio.sleep(0)

    await asyncio.wait_for(asyncio.gather(*(worker(s) for s in replicas)), 30)
    assert overlaps == []
    assert all(seqs == sorted(seqs) and len(seqs) == 15 for seqs in finished.values())
    await asyncio.gather(*(s.close() for s in replicas))


async def test_an_enqueue_on_one_replica_wakes_the_others_worker(pg_url: str) -> None:
    a, b = PgWriteStore(pg_url), PgWriteStore(pg_url)
    woke = asyncio.Event()
    b.watch(woke.set)
    await b.claim(now=0.0, limit=1)  # starts b's listener (the queue's first dispatch does)
    await asyncio.wait_for(woke.wait(), 5)  # the wake every (re)connect gives
    woke.clear()
    await a.insert_or_get(new_job(1), now=0.0)
    await asyncio.wait_for(woke.wait(), 2)  # NOTIFY, well before the 2 s safety-net poll
    await asyncio.gather(a.close(), b.close())
