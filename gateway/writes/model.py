"""A write job as the queue stores it, and its lifecycle states."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from platforms.writes.commands import WriteCommand, command_from_payload


class JobStatus(enum.StrEnum):
    """Where a write stands."""

    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    RETRYING = "RETRYING"
    SUCCEEDED = "SUCCEEDED"
    QUARANTINED = "QUARANTINED"


ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.RETRYING)
FINAL = (JobStatus.SUCCEEDED, JobStatus.QUARANTINED)


@dataclass(frozen=True)
class Job:
    """One accepted write. It doubles as the idempotency record of (store_id, idempotency_key).

    `in_doubt` is set just before the request goes out and cleared once its outcome is known:
    a job found in doubt (worker killed, connection dropped, 5xx) is reconciled, not re-sent.
    Errors hold our own code and message, never response bodies or credentials.
    """

    id: str
    seq: int
    store_id: str
    kind: str
    payload: dict[str, Any]
    idempotency_key: str
    request_hash: str
    resource_key: str
    status: JobStatus
    attempts: int
    created_at: float
    updated_at: float
    next_attempt_at: float
    in_doubt: bool = False
    checkpoint: dict[str, Any] | None = None
    result: dict[str, Any] | None = None
    last_error_code: str | None = None
    last_error_message: str | None = None
    platform_request_id: str | None = None
    submitted_by: str | None = None  # the caller's key id (Principal.identity), never a secret

    @property
    def command(self) -> WriteCommand:
        """The write command this job carries."""
        return command_from_payload(self.kind, self.payload)

    @property
    def finished(self) -> bool:
        """True once the job succeeded or was quarantined."""
        return self.status in FINAL


@dataclass(frozen=True)
class NewJob:
    """What `enqueue` inserts (the store assigns seq and timestamps)."""

    id: str
    store_id: str
    kind: str
    payload: dict[str, Any]
    idempotency_key: str
    request_hash: str
    resource_key: str
    submitted_by: str | None = None
