"""Sandbox bulk queries: run in the background, polled to COMPLETED, served as JSONL."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import web
from graphql import ExecutionResult, OperationType, execute, parse

from platforms.sandbox.kit import CONTROL_PREFIX
from platforms.shopify.sandbox.graphql_context import (
    Ctx,
    Payload,
    field_resolver,
    resolves,
    type_resolver,
)
from platforms.shopify.sandbox.graphql_errors import parse_or_errors, validation_errors
from platforms.shopify.sandbox.graphql_mutations import mutation, user_error
from platforms.shopify.sandbox.graphql_resolvers_root import NODE_FINDERS
from platforms.shopify.sandbox.graphql_schema import admin_schema, gid, gid_number
from platforms.shopify.sandbox.graphql_search import UNPAGED, Term, connection, search

BULK_ID_BASE = 3_100_000_000_000
MAX_RUNNING = 5  # concurrent bulk queries per shop since 2026-01
RUN_DELAY = 0.05  # seconds in RUNNING: long enough for a poll to see it, short for tests
_BULK_TERMS = {
    "status": Term(lambda op: op["status"]),
    "operation_type": Term(lambda op: op["type"]),
    "created_at": Term(lambda op: op["createdAt"], "time"),
    "id": Term(lambda op: gid_number(op["id"], "BulkOperation"), "number"),
}


@dataclass
class BulkRun:
    """One bulk operation, as `BulkOperation` reports it."""

    number: int
    query: str
    created_at: str
    status: str = "CREATED"
    completed_at: str | None = None
    object_count: int = 0
    root_object_count: int = 0
    file_size: int | None = None
    url: str | None = None
    error_code: str | None = None
    lines: bytes = field(default=b"", repr=False)

    def payload(self) -> Payload:
        return {
            "id": gid("BulkOperation", self.number),
            "status": self.status,
            "type": "QUERY",
            "query": self.query,
            "createdAt": self.created_at,
            "completedAt": self.completed_at,
            "objectCount": self.object_count,
            "rootObjectCount": self.root_object_count,
            "fileSize": self.file_size,
            "url": self.url,
            "partialDataUrl": None,
            "errorCode": self.error_code,
        }


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _runs(ctx: Ctx) -> dict[int, BulkRun]:
    runs: dict[int, BulkRun] = ctx.extras["bulk"]
    return runs


@mutation("bulkOperationRunQuery", "BulkOperationUserError")
def _run_query(ctx: Ctx, args: dict[str, Any]) -> Payload:
    text, errors_type = str(args["query"]), "BulkOperationUserError"
    problem = _invalid(text)
    if problem is not None:
        bad = {**user_error(errors_type, "INVALID", ["query"]), "message": problem}
        return {"bulkOperation": None, "userErrors": [bad]}
    active = [r for r in _runs(ctx).values() if r.status in ("CREATED", "RUNNING")]
    if len(active) >= MAX_RUNNING:
        message = (
            "A bulk query operation for this app and shop is already in progress: "
            f"{gid('BulkOperation', active[0].number)}."
        )
        busy = {**user_error(errors_type, "OPERATION_IN_PROGRESS", None), "message": message}
        return {"bulkOperation": None, "userErrors": [busy]}
    run = BulkRun(BULK_ID_BASE + ctx.next_number("bulk"), text, _now())
    _runs(ctx)[run.number] = run
    worker = Ctx(ctx.state, ctx.writes, ctx.people, ctx.base_url, extras=ctx.extras)
    task = asyncio.get_running_loop().create_task(_complete(run, worker))
    ctx.extras.setdefault("tasks", set()).add(task)
    task.add_done_callback(ctx.extras["tasks"].discard)
    return {"bulkOperation": run.payload(), "userErrors": []}


def _invalid(text: str) -> str | None:
    """Why Shopify would refuse this bulk query (None when it runs)."""
    parsed = parse_or_errors(text)
    if isinstance(parsed, list):
        return f"Invalid bulk query: {parsed[0]['message']}"
    errors = validation_errors(admin_schema(), text)
    if errors:
        return f"Invalid bulk query: {errors[0]['message']}"
    operations = [d for d in parsed.definitions if hasattr(d, "operation")]
    if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
        return "Bulk queries must contain exactly one query operation."
    if "edges" not in text and "nodes" not in text:
        return "Bulk queries must contain at least one connection."
    return None


async def _complete(run: BulkRun, ctx: Ctx) -> None:
    """CREATED → RUNNING → COMPLETED: the whole query at once, written as JSONL."""
    await asyncio.sleep(0)
    run.status = "RUNNING"
    await asyncio.sleep(RUN_DELAY)
    token = UNPAGED.set(True)
    try:
        result = execute(
            admin_schema(),
            parse(run.query),
            context_value=ctx,
            field_resolver=field_resolver,
            type_resolver=type_resolver,
        )
    finally:
        UNPAGED.reset(token)
    assert isinstance(result, ExecutionResult)  # every resolver is synchronous
    if result.errors or result.data is None:
        run.status, run.error_code, run.completed_at = "FAILED", "INTERNAL_SERVER_ERROR", _now()
        return
    lines, roots = _jsonl(result.data)
    run.lines = b"".join(orjson.dumps(line) + b"\n" for line in lines)
    run.object_count, run.root_object_count = len(lines), roots
    run.file_size = len(run.lines) if lines else None
    run.url = f"{ctx.base_url}{CONTROL_PREFIX}/bulk/{run.number}.jsonl" if lines else None
    run.status, run.completed_at = "COMPLETED", _now()


def _jsonl(data: Payload) -> tuple[list[Payload], int]:
    """Shopify's bulk JSONL: one line per connection node; a nested connection's nodes become
    lines of their own with `__parentId`; plain objects stay inline. (lines, root count)"""
    lines: list[Payload] = []
    roots = 0
    for value in data.values():
        for node in _nodes(value):
            roots += 1
            lines += _flatten(node, None)
    return lines, roots


def _flatten(node: Payload, parent: Any) -> list[Payload]:
    line: Payload = {}
    children: list[Payload] = []
    for key, value in node.items():
        nested = list(_nodes(value))
        if nested or _is_connection(value):
            children += nested
        else:
            line[key] = value
    if parent is not None:
        line["__parentId"] = parent
    out = [line]
    for child in children:
        out += _flatten(child, node.get("id"))
    return out


def _is_connection(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and set(value) <= {"edges", "nodes", "pageInfo"}


def _nodes(value: Any) -> Iterator[Payload]:
    if not _is_connection(value):
        return
    if isinstance(value.get("nodes"), list):
        yield from (n for n in value["nodes"] if isinstance(n, dict))
    elif isinstance(value.get("edges"), list):
        yield from (e["node"] for e in value["edges"] if isinstance(e, dict) and e.get("node"))


# --- polling --------------------------------------------------------------------------


@resolves("QueryRoot.bulkOperation")
def _one(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    run = _runs(ctx).get(gid_number(args["id"], "BulkOperation") or 0)
    return run.payload() if run else None


@resolves("QueryRoot.currentBulkOperation")
def _current(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    if str(args.get("type") or "QUERY") != "QUERY" or not _runs(ctx):
        return None
    return _runs(ctx)[max(_runs(ctx))].payload()


@resolves("QueryRoot.bulkOperations")
def _all(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
    keep = search(args.get("query"), _BULK_TERMS)
    rows = [p for p in (r.payload() for r in _runs(ctx).values()) if keep(p)]
    number = lambda p: gid_number(p["id"], "BulkOperation") or 0  # noqa: E731
    return connection(rows, args, number, lambda p: {**p, "__typename": "BulkOperation"}, number)


NODE_FINDERS["BulkOperation"] = lambda ctx, n, q: (
    {**_runs(ctx)[n].payload(), "__typename": "BulkOperation"} if n in _runs(ctx) else None
)


def add_bulk_routes(app: web.Application, extras: dict[str, Any]) -> None:
    """`GET /_sandbox/bulk/{id}.jsonl`: a completed operation's file (Shopify signs a storage
    URL instead; like that URL, it needs no access token)."""

    async def download(request: web.Request) -> web.StreamResponse:
        run = extras["bulk"].get(int(request.match_info["id"]))
        if run is None or run.status != "COMPLETED":
            raise web.HTTPNotFound()
        return web.Response(body=run.lines, content_type="application/jsonl")

    async def stop(_: web.Application) -> None:
        for task in list(extras.get("tasks", ())):
            task.cancel()

    app.router.add_get(CONTROL_PREFIX + r"/bulk/{id:\d+}.jsonl", download)
    app.on_cleanup.append(stop)
