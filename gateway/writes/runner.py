"""One attempt of one job: reconcile if in doubt, checkpoint, send once, record the outcome."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from gateway.writes.model import Job, JobStatus
from gateway.writes.store import WriteStore
from platforms.errors import CartgraphError, RateLimitedError, RetryableError
from platforms.http import RetryPolicy
from platforms.writes import PlatformWriter, WriteOutcome

log = logging.getLogger("cartgraph.writes")

MAX_MESSAGE = 500


class JobRunner:
    """Drives a claimed (RUNNING) job through one attempt and stores where it ended."""

    def __init__(
        self,
        store: WriteStore,
        writer_for: Callable[[str], PlatformWriter],
        retry: RetryPolicy,
        clock: Callable[[], float],
        on_finish: Callable[[], None],
        on_success: Callable[[Job], None] | None = None,
    ) -> None:
        self.store = store
        self.writer_for = writer_for
        self.retry = retry
        self.clock = clock
        self.on_finish = on_finish
        self.on_success = on_success
        self._events: dict[str, asyncio.Event] = {}

    def finished_event(self, job_id: str) -> asyncio.Event:
        """An event set when this process records a new state for the job."""
        return self._events.setdefault(job_id, asyncio.Event())

    async def run(self, job: Job) -> None:
        """One attempt; every exit path records the job's new state."""
        doubt, sending = job.in_doubt, False
        try:
            writer = self.writer_for(job.store_id)
            command = job.command
            key = job.idempotency_key
            if doubt and job.checkpoint is not None:
                # the last attempt may have been applied: look before sending again.
                found = await writer.reconcile(
                    command, operation_key=key, checkpoint=job.checkpoint
                )
                if found is not None:
                    await self._succeed(job, found)
                    return
                doubt = False
                await self._save(job, in_doubt=False)
            checkpoint = job.checkpoint
            if checkpoint is None:
                checkpoint = await writer.prepare(command, operation_key=key)
                await self._save(job, checkpoint=checkpoint)
            # durable before the request leaves: a kill from here on is reconciled on restart.
            doubt = sending = True
            await self._save(job, in_doubt=True)
            outcome = await writer.execute(command, operation_key=key, checkpoint=checkpoint)
            await self._succeed(job, outcome)
        except CartgraphError as error:
            if sending and _not_applied(error):
                doubt = False
            await self._fail(job, error, doubt)
        except Exception as error:  # a bug must not leave the job RUNNING forever
            log.exception("write job %s failed unexpectedly", job.id)
            internal = CartgraphError(f"Internal error ({type(error).__name__})")
            await self._fail(job, internal, doubt, retry=False)
        finally:
            self._notify(job.id)

    async def _save(self, job: Job, **fields: Any) -> None:
        await self.store.update(job.id, self.clock(), **fields)

    async def _succeed(self, job: Job, outcome: WriteOutcome) -> None:
        await self._save(
            job,
            status=JobStatus.SUCCEEDED,
            in_doubt=False,
            result=outcome.data,
            platform_request_id=outcome.platform_request_id,
            last_error_code=None,
            last_error_message=None,
        )
        if self.on_success is not None:
            self.on_success(job)
        log.info("write %s %s succeeded", job.id, job.kind, extra={"store_id": job.store_id})

    async def _fail(
        self, job: Job, error: CartgraphError, doubt: bool, *, retry: bool = True
    ) -> None:
        transient = retry and isinstance(error, RetryableError)
        fields: dict[str, Any] = {
            "in_doubt": doubt,
            "last_error_code": error.code,
            "last_error_message": str(error)[:MAX_MESSAGE],
            "platform_request_id": error.request_id or job.platform_request_id,
        }
        if transient and job.attempts < self.retry.max_attempts:
            delay = self.retry.delay(job.attempts, error)
            fields.update(status=JobStatus.RETRYING, next_attempt_at=self.clock() + delay)
        else:
            fields.update(status=JobStatus.QUARANTINED)
        await self._save(job, **fields)
        log.warning(
            "write %s %s: %s -> %s",
            job.id,
            job.kind,
            error.code,
            fields["status"].value,
            extra={"store_id": job.store_id, "attempt": job.attempts},
        )

    def _notify(self, job_id: str) -> None:
        event = self._events.pop(job_id, None)
        if event is not None:
            event.set()
        self.on_finish()


def _not_applied(error: CartgraphError) -> bool:
    """True when the platform answered and refused, so the write surely did not happen.

    429 and 4xx are refusals; 5xx, timeouts and dropped connections may follow an applied
    write, so those keep the job in doubt. A response with no status (our mapping failed on a
    2xx) may also follow an applied write.
    """
    if isinstance(error, RateLimitedError):
        return True
    return error.status is not None and 400 <= error.status < 500
