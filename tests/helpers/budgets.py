"""Sandboxes and a gateway with chosen upstream-cost budgets, for the budget tests."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from gateway.app import create_app
from gateway.quotas import BudgetSettings
from gateway.server import running
from gateway.stores import CacheTTLs, StoreRegistry
from platforms.adapter import StoreConnection
from platforms.canonical import Platform
from platforms.registry import get_spec
from platforms.sandbox.kit import Sandbox, serve
from tests.helpers.auth import AUTH_HEADERS, admin_gate

SIZE: dict[str, Any] = {"seed": 1, "orders": 300, "products": 80}


class Rig:
    """Served sandboxes and gateways, stopped together."""

    def __init__(self, stack: contextlib.AsyncExitStack, session: aiohttp.ClientSession) -> None:
        self.stack, self.session = stack, session

    async def sandbox(
        self, platform: Platform, store_id: str, **conn: Any
    ) -> tuple[Sandbox, StoreConnection]:
        """A seeded sandbox on a real socket (no server-side limit) and its connection."""
        sandbox = get_spec(platform).create_sandbox(**SIZE, bucket=None)
        url = await self.stack.enter_async_context(serve(sandbox.app))
        connection = dataclasses.replace(sandbox.connection(store_id, url), **conn)
        sandbox.calls.reset()
        return sandbox, connection

    async def gateway(
        self, connections: list[StoreConnection], budgets: BudgetSettings | None = None
    ) -> str:
        """A gateway over these stores; returns its /graphql URL."""
        registry = StoreRegistry(connections, ttls=CacheTTLs(products=0, locations=0))
        app = create_app(registry, auth=admin_gate(), budgets=budgets)
        return f"{await self.stack.enter_async_context(running(app))}/graphql"

    async def post(self, url: str, query: str, variables: Any = None) -> dict[str, Any]:
        """One GraphQL request over HTTP: the whole body."""
        payload = {"query": query, "variables": variables or {}}
        async with self.session.post(url, json=payload) as resp:
            assert resp.status == 200, await resp.text()
            body: dict[str, Any] = await resp.json()
            return body


@contextlib.asynccontextmanager
async def rig() -> AsyncIterator[Rig]:
    """A Rig whose sandboxes, gateways and HTTP session close at the end."""
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession(headers=AUTH_HEADERS))
        yield Rig(stack, session)


def error_of(body: dict[str, Any]) -> dict[str, Any]:
    """The response's one error (fails when there is none or several)."""
    errors = body.get("errors") or []
    assert len(errors) == 1, body
    error: dict[str, Any] = errors[0]
    return error
