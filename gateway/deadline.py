"""One HTTP execution under a deadline, cancelled with its upstream calls when the client leaves."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import Any

from graphql import GraphQLError
from starlette.requests import Request
from strawberry.types import ExecutionResult

from platforms.ratelimit import CallScope, current_scope


async def run_guarded(
    execution: Coroutine[Any, Any, ExecutionResult],
    request: Request,
    identity: str,
    timeout: float,  # noqa: ASYNC109 (the deadline also cancels the call scope)
) -> ExecutionResult:
    """The execution's result; a TIMEOUT error after `timeout` seconds (0: none). On timeout
    or client disconnect the execution task is cancelled and so is its `CallScope`, which
    stops the calls its dataloader batches (separate tasks) have not started yet."""
    scope = CallScope(identity)
    token = current_scope.set(scope)
    try:
        work = asyncio.ensure_future(execution)  # the task copies the context: scope included
    finally:
        current_scope.reset(token)
    gone = asyncio.ensure_future(_client_gone(request))
    try:
        done, _ = await asyncio.wait(
            {work, gone}, timeout=timeout or None, return_when=asyncio.FIRST_COMPLETED
        )
    except asyncio.CancelledError:  # server shutting down: stop the work too
        done = set()
        raise
    finally:
        gone.cancel()
        if work not in done:
            scope.cancel()
            work.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await work
    if work in done:
        return work.result()
    if gone in done:  # nobody will read this answer
        return _failure("The client closed the request", "CLIENT_CLOSED_REQUEST")
    return timed_out(timeout)


def timed_out(timeout: float) -> ExecutionResult:
    """The answer of an execution stopped at its deadline (HTTP and WebSocket alike)."""
    return _failure(
        f"The request ran longer than {timeout:g} s and was stopped; ask for less",
        "TIMEOUT",
        timeoutSeconds=timeout,
    )


async def _client_gone(request: Request) -> None:
    """Returns when the client disconnects (the body is already read: nothing else arrives)."""
    while (await request.receive())["type"] != "http.disconnect":
        pass


def _failure(message: str, code: str, **more: Any) -> ExecutionResult:
    error = GraphQLError(message, extensions={"code": code, "retryable": True, **more})
    return ExecutionResult(data=None, errors=[error])
