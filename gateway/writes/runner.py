"""One attempt of one job: reconcile if in doubt, checkpoint, send once, record the outcome."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gateway.writes.model import Job, JobStatus
from gateway.writes.store import WriteStore
from platforms.errors import (
    CartgraphError,
    RateLimitedError,
    RequestReplayedError,
    RetryableError,
    UpstreamConnectionError,
    UpstreamTimeoutError,
)
from platforms.http import RetryPolicy
from platforms.writes.commands import (
    Checkpoint,
    PlatformWriter,
    SettleWindow,
    WriteOutcome,
    WriteRefusedError,
)
from platforms.writes.progress import StillProcessing, progress_saved_by

log = logging.getLogger("cartgraph.writes")

MAX_MESSAGE = 500


class JobRunner:
    """Drives a claimed (RUNNING) job through one attempt and stores where it ended.

    A write whose request may still be running at the store (timed out, connection dropped,
    a proxy's 502/504, a replayed nonce, or a worker killed after sending) is re-checked only
    once the store's `SettleWindow` has passed: a sooner re-check can see "not applied" and
    re-send, and the late apply then doubles it, or overwrites the resource's next write,
    which waits in line meanwhile. None of the three REST APIs has a compare-and-swap write
    to re-send with (Shopify's is `inventorySetQuantities` `changeFromQuantity`, GraphQL
    only), so waiting out the window before re-checking is the defence.
    """

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
        state = _Attempt(doubt=job.in_doubt)
        progress = _Progress(self, job, job.checkpoint or {})
        try:
            with progress_saved_by(progress.save):
                await self._attempt(job, state, progress)
        except CartgraphError as error:
            if state.sending and _not_applied(error):
                state.doubt = False
            settled = None
            if state.sending and state.doubt and state.window and _may_land_late(error):
                settled = state.window.after_failure(self.clock())
            await self._fail(job, error, state.doubt, settled_at=settled)
        except StillProcessing as pending:
            await self._park(job, pending)
        except Exception as error:  # a bug must not leave the job RUNNING forever
            log.exception("write job %s failed unexpectedly", job.id)
            internal = CartgraphError(f"Internal error ({type(error).__name__})")
            await self._fail(job, internal, state.doubt, retry=False)
        finally:
            self._notify(job.id)

    async def _attempt(self, job: Job, state: _Attempt, progress: _Progress) -> None:
        writer = self.writer_for(job.store_id)
        command = job.command
        key = job.idempotency_key
        if state.doubt and job.checkpoint is not None:
            # the last attempt may have been applied: look before sending again.
            found = await writer.reconcile(command, operation_key=key, checkpoint=job.checkpoint)
            if found is not None:
                await self._succeed(job, found)
                return
            state.doubt = False
            await self._save(job, in_doubt=False)
        if job.checkpoint is None:
            await progress.save(await writer.prepare(command, operation_key=key))
        checkpoint = dict(progress.checkpoint)  # what execute sees; later saves go on growing
        # durable before the request leaves: a kill from here on is reconciled on restart,
        # once the store can no longer apply it (recovery keeps this `next_attempt_at`).
        state.doubt = state.sending = True
        state.window = writer.settle
        await self._save(job, in_doubt=True, next_attempt_at=state.window.after_send(self.clock()))
        outcome = await writer.execute(command, operation_key=key, checkpoint=checkpoint)
        await self._succeed(job, outcome)

    async def _park(self, job: Job, pending: StillProcessing) -> None:
        """The platform is still processing what was sent: run the write again later, from
        its checkpoint (which says how far it got: the writer goes on from there rather than
        send again), and count no attempt."""
        await self._save(
            job,
            status=JobStatus.RETRYING,
            in_doubt=False,
            attempts=max(0, job.attempts - 1),
            next_attempt_at=self.clock() + pending.retry_after,
        )
        log.info(
            "write %s %s: %s; looking again in %.1f s",
            job.id,
            job.kind,
            pending,
            pending.retry_after,
            extra={"store_id": job.store_id, "attempt": job.attempts},
        )

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
        self,
        job: Job,
        error: CartgraphError,
        doubt: bool,
        *,
        retry: bool = True,
        settled_at: float | None = None,
    ) -> None:
        transient = retry and isinstance(error, RetryableError)
        fields: dict[str, Any] = {
            "in_doubt": doubt,
            "last_error_code": error.code,
            "last_error_message": str(error)[:MAX_MESSAGE],
            "platform_request_id": error.request_id or job.platform_request_id,
        }
        if isinstance(error, WriteRefusedError) and error.details is not None:
            fields["result"] = error.details  # e.g. the stock a compare-and-swap found
        now = self.clock()
        if transient and job.attempts < self.retry.max_attempts:
            due = now + self.retry.delay(job.attempts, error)
            fields.update(status=JobStatus.RETRYING, next_attempt_at=max(due, settled_at or now))
        else:
            # quarantined in doubt, the store may still apply it until `settled_at`: the
            # resource's next write waits until then (see the store's claim).
            fields.update(status=JobStatus.QUARANTINED, next_attempt_at=settled_at or now)
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

    429 and 4xx are refusals, except a replayed nonce's 401 (the store received the first
    copy); 5xx, timeouts and dropped connections may follow an applied write, so those keep
    the job in doubt. A response with no status (our mapping failed on a 2xx) may also
    follow an applied write.
    """
    if isinstance(error, RateLimitedError | WriteRefusedError):
        return True  # WriteRefusedError: refused in a 200 answer (GraphQL userErrors)
    if isinstance(error, RequestReplayedError):
        return False
    return error.status is not None and 400 <= error.status < 500


def _may_land_late(error: CartgraphError) -> bool:
    """True when the store may still be working on the request: we gave up on it, the
    connection dropped, a proxy answered for it (502/504), or the store saw it twice (the
    first copy may still run). A 500/503 is the store's own answer: that request is over."""
    late = (UpstreamTimeoutError, UpstreamConnectionError, RequestReplayedError)
    return isinstance(error, late) or error.status in (502, 504)


@dataclass
class _Attempt:
    """Where one attempt got: whether its request may have been applied (`doubt`), whether it
    was sent at all, and the store's settle window once it was."""

    doubt: bool
    sending: bool = False
    window: SettleWindow | None = None


class _Progress:
    """The job's checkpoint: what `prepare` found, grown by what the writer learns while
    sending (an Amazon feed's id), each change stored before the writer goes on."""

    def __init__(self, runner: JobRunner, job: Job, checkpoint: Checkpoint) -> None:
        self._runner, self._job, self.checkpoint = runner, job, dict(checkpoint)

    async def save(self, update: Checkpoint) -> None:
        self.checkpoint.update(update)
        await self._runner._save(self._job, checkpoint=dict(self.checkpoint))
