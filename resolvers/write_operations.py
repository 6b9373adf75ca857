"""Write operations in GraphQL: their type, the shared result types, lookup, listing, replay."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import strawberry
from strawberry.scalars import JSON

from gateway.auth.principal import Principal, Scope
from gateway.writes.model import Job, JobStatus
from platforms.errors import InvalidInputError, UnsupportedOnPlatformError
from platforms.writes.commands import IdempotencyKeyReusedError, WriteCommand
from resolvers.connections import PageInfo

if TYPE_CHECKING:
    from gateway.writes.queue import WriteQueue

MAX_AMOUNT = Decimal(10) ** 15  # money arguments: far above any real price or refund
WAIT_SECONDS = 10.0  # `wait: true` answers within this, else returns WriteQueued
IDEMPOTENCY_HEADER = "Idempotency-Key"
S = TypeVar("S")

WriteOperationStatus = strawberry.enum(
    JobStatus,
    name="WriteOperationStatus",
    description="Where a write stands: QUEUED, RUNNING, RETRYING, SUCCEEDED or QUARANTINED.",
)


@strawberry.type(description="Why the last attempt of a write failed (our words, never secrets).")
class WriteError:
    code: str = strawberry.field(
        description="Machine-readable error code, e.g. UPSTREAM_VALIDATION."
    )
    message: str = strawberry.field(description="What went wrong, with the platform's own reason.")


def _time(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


@strawberry.type(description="One accepted write and where it stands; writes apply exactly once.")
class WriteOperation:
    id: strawberry.ID = strawberry.field(description="The operation's id.")
    store_id: str = strawberry.field(description="The store the write goes to.")
    kind: str = strawberry.field(description="What the write does, e.g. ADJUST_INVENTORY.")
    status: WriteOperationStatus = strawberry.field(description="Where the write stands.")  # type: ignore[valid-type]
    idempotency_key: str = strawberry.field(
        description="The key that makes resending this request safe (given or generated)."
    )
    attempts: int = strawberry.field(description="Attempts made so far (since the last replay).")
    created_at: datetime = strawberry.field(description="When the write was accepted (UTC).")
    updated_at: datetime = strawberry.field(description="When its state last changed (UTC).")
    next_attempt_at: datetime | None = strawberry.field(
        description="When a waiting or retrying write is next tried; null once finished."
    )
    last_error: WriteError | None = strawberry.field(description="The last attempt's error.")
    platform_request_id: str | None = strawberry.field(
        description="The platform's request id of the last answer (e.g. Shopify X-Request-Id)."
    )
    input: JSON = strawberry.field(description="The write's input, in platform ids.")
    result: JSON | None = strawberry.field(description="What the platform returned, once done.")
    submitted_by: str | None = strawberry.field(
        description="The id of the API key (or `jwt:issuer#subject`) that submitted the write."
    )

    @classmethod
    def of(cls, job: Job) -> WriteOperation:
        """From a stored job."""
        error = (
            WriteError(code=job.last_error_code, message=job.last_error_message or "")
            if job.last_error_code
            else None
        )
        return cls(
            id=strawberry.ID(job.id),
            store_id=job.store_id,
            kind=job.kind,
            status=job.status,
            idempotency_key=job.idempotency_key,
            attempts=job.attempts,
            created_at=_time(job.created_at),
            updated_at=_time(job.updated_at),
            next_attempt_at=None if job.finished else _time(job.next_attempt_at),
            last_error=error,
            platform_request_id=job.platform_request_id,
            input=cast(JSON, job.payload),
            result=cast(JSON, job.result),
            submitted_by=job.submitted_by,
        )


@strawberry.type(
    description="The write was accepted and has not finished yet; poll writeOperation."
)
class WriteQueued:
    operation: WriteOperation = strawberry.field(description="The queued operation.")


@strawberry.type(description="The write was quarantined: the platform refused it permanently.")
class WriteFailed:
    operation: WriteOperation = strawberry.field(description="The quarantined operation.")
    code: str = strawberry.field(description="Error code, e.g. UPSTREAM_VALIDATION, NOT_FOUND.")
    message: str = strawberry.field(description="The reason, with the platform's own message.")


@strawberry.type(description="This idempotency key was already used for a different request.")
class IdempotencyKeyReused:
    idempotency_key: str = strawberry.field(description="The reused key.")
    message: str = strawberry.field(description="Which operation holds the key.")


@strawberry.type(description="The store's platform has no API for this write.")
class UnsupportedOnPlatform:
    store_id: str = strawberry.field(description="The store.")
    message: str = strawberry.field(description="What is unsupported where.")


Outcome = Job | IdempotencyKeyReused | UnsupportedOnPlatform


def queue_of(info: strawberry.Info) -> WriteQueue:
    """The gateway's write queue."""
    request = info.context.request
    queue: WriteQueue | None = getattr(request.app.state, "writes", None) if request else None
    if queue is None:
        raise InvalidInputError("Writes are not enabled on this gateway")
    return queue


async def submit(
    info: strawberry.Info,
    store_id: str,
    command: WriteCommand,
    idempotency_key: str | None,
    wait: bool,
) -> Outcome:
    """Enqueue for a store in the caller's scope; wait for the outcome when asked."""
    info.context.store(store_id)
    key = idempotency_key or _header_key(info)
    queue = queue_of(info)
    try:
        job = await queue.enqueue(
            store_id, command, key, submitted_by=info.context.principal.identity
        )
    except IdempotencyKeyReusedError as error:
        return IdempotencyKeyReused(idempotency_key=key or "", message=error.message)
    except UnsupportedOnPlatformError as error:
        return UnsupportedOnPlatform(store_id=store_id, message=error.message)
    return await queue.wait(job.id, WAIT_SECONDS) if wait else job


# every mutation's result union is its Success type, then these in this order (schema order)
NotDone = WriteQueued | WriteFailed | IdempotencyKeyReused | UnsupportedOnPlatform
Succeed = Callable[[WriteOperation, dict[str, Any]], S]


async def run_write(
    info: strawberry.Info,
    store_id: str,
    command: WriteCommand,
    idempotency_key: str | None,
    wait: bool,
    succeed: Succeed[S],
) -> S | NotDone:
    """A mutation's outcome: `succeed(operation, platform result)` once the job succeeded,
    else the refusal, queued or failed result as is."""
    found = await submit(info, store_id, command, idempotency_key, wait)
    if not isinstance(found, Job):
        return found
    if found.status is not JobStatus.SUCCEEDED:
        return pending_or_failed(found)
    return succeed(WriteOperation.of(found), found.result or {})


def money_input(value: Decimal, name: str) -> str:
    """A money argument as the platforms take it (2 decimals); BAD_USER_INPUT if negative
    or not below MAX_AMOUNT."""
    if not value.is_finite() or value < 0:
        raise InvalidInputError(f"`{name}` must be a non-negative amount")
    if value >= MAX_AMOUNT:  # "1E+400" would go out as 401 digits: no platform takes that
        raise InvalidInputError(f"`{name}` must be below {MAX_AMOUNT:,}")
    return f"{value:.2f}"


def pending_or_failed(job: Job) -> WriteQueued | WriteFailed | UnsupportedOnPlatform:
    """The result for a job that has not succeeded."""
    if job.status is not JobStatus.QUARANTINED:
        return WriteQueued(operation=WriteOperation.of(job))
    if job.last_error_code == UnsupportedOnPlatformError.code:
        return UnsupportedOnPlatform(store_id=job.store_id, message=job.last_error_message or "")
    return WriteFailed(
        operation=WriteOperation.of(job),
        code=job.last_error_code or "INTERNAL",
        message=job.last_error_message or "",
    )


async def _visible_job(info: strawberry.Info, queue: WriteQueue, id: strawberry.ID) -> Job | None:
    """The stored job `id`, or None when there is none in the caller's scope."""
    job = await queue.store.get(str(id))
    if job is None or job.store_id not in info.context.visible_store_ids:
        return None
    caller = _only_caller(info)
    return job if caller is None or job.submitted_by == caller else None


def _only_caller(info: strawberry.Info) -> str | None:
    """The caller's identity when it may see only its own writes (no `admin` scope)."""
    principal: Principal = info.context.principal
    return None if principal.has(Scope.ADMIN) else principal.identity


def _header_key(info: strawberry.Info) -> str | None:
    request = info.context.request
    headers = getattr(request, "headers", None)
    value = headers.get(IDEMPOTENCY_HEADER) if headers is not None else None
    return str(value) if value else None


@strawberry.type(description="One write operation in a list.")
class WriteOperationEdge:
    cursor: str = strawberry.field(description="Position of this operation in the list.")
    node: WriteOperation = strawberry.field(description="The operation.")


@strawberry.type(description="A page of write operations, newest first.")
class WriteOperationConnection:
    edges: list[WriteOperationEdge] = strawberry.field(description="The operations on this page.")
    page_info: PageInfo = strawberry.field(description="Where this page stands.")
    total_count: int = strawberry.field(
        description="How many operations match (all pages): lets a harness count finished writes."
    )


def _cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"wop:{seq}".encode()).decode()


def _seq(cursor: str) -> int:
    try:
        kind, _, seq = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        # ASCII digits below 2**63: the queue's seq is an SQLite INTEGER (found by fuzzing)
        if kind == "wop" and seq.isascii() and seq.isdigit() and int(seq) < 2**63:
            return int(seq)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidInputError(f"Invalid cursor {cursor[:64]!r}")


@strawberry.type
class WriteOperationQueries:
    @strawberry.field(description="One write operation by id; null when there is none in scope.")
    async def write_operation(
        self, info: strawberry.Info, id: strawberry.ID
    ) -> WriteOperation | None:
        job = await _visible_job(info, queue_of(info), id)
        return None if job is None else WriteOperation.of(job)

    @strawberry.field(
        description="Write operations of a store (all visible stores when null), newest first."
    )
    async def write_operations(
        self,
        info: strawberry.Info,
        store_id: str | None = None,
        status: WriteOperationStatus | None = None,  # type: ignore[valid-type]
        first: int = 50,
        after: str | None = None,
    ) -> WriteOperationConnection:
        limit = info.context.limits.max_page_size
        if not 1 <= first <= limit:
            raise InvalidInputError(f"`first` must be between 1 and {limit}, got {first}")
        stores = [info.context.store(store_id).connection.store_id] if store_id else None
        store_ids = stores or info.context.visible_store_ids
        queue = queue_of(info)
        before = _seq(after) if after else None
        caller = _only_caller(info)
        jobs = await queue.list_jobs(store_ids, status, before, first + 1, submitted_by=caller)
        edges = [WriteOperationEdge(cursor=_cursor(j.seq), node=WriteOperation.of(j)) for j in jobs]
        page = edges[:first]
        return WriteOperationConnection(
            edges=page,
            page_info=PageInfo(
                has_next_page=len(edges) > first, end_cursor=page[-1].cursor if page else None
            ),
            total_count=await queue.count(store_ids, status, submitted_by=caller),
        )


@strawberry.type(description="The replayed operation, queued again.")
class ReplayWriteOperationSuccess:
    operation: WriteOperation = strawberry.field(description="The operation, back in the queue.")


@strawberry.type(description="The operation cannot be replayed (unknown, or not quarantined).")
class ReplayRefused:
    message: str = strawberry.field(description="Why not.")


ReplayWriteOperationResult = Annotated[
    ReplayWriteOperationSuccess | ReplayRefused,
    strawberry.union("ReplayWriteOperationResult", description="The outcome of a replay."),
]


@strawberry.input(description="Which quarantined write to run again.")
class ReplayWriteOperationInput:
    id: strawberry.ID = strawberry.field(description="The quarantined operation's id.")


@strawberry.type
class WriteOperationMutations:
    @strawberry.mutation(
        description="Run a quarantined write again (after fixing its cause); a write that may "
        "already have been applied is checked against the platform before any re-send."
    )
    async def replay_write_operation(
        self, info: strawberry.Info, input: ReplayWriteOperationInput
    ) -> ReplayWriteOperationResult:
        queue = queue_of(info)
        job = await _visible_job(info, queue, input.id)
        if job is None:
            return ReplayRefused(message=f"No write operation {str(input.id)[:64]!r}")
        try:
            job = await queue.replay(job.id)
        except InvalidInputError as error:
            return ReplayRefused(message=error.message)
        return ReplayWriteOperationSuccess(operation=WriteOperation.of(job))
