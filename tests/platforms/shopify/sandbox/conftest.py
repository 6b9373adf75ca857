"""The Shopify sandbox served on a real socket, and a client that posts Admin GraphQL to it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest

from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import ShopifySandbox

TOKEN = "shpat_sandbox_token"
VERSION = "2026-10"
GRAPHQL_ROUTE = "POST /admin/api/{version}/graphql.json"


@dataclass
class Admin:
    """One served sandbox store, spoken to over HTTP as an app would."""

    base: str
    session: aiohttp.ClientSession
    store: ShopifySandbox
    webhooks: list[tuple[str, Any]] = field(default_factory=list)

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, **more: Any
    ) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body) of one GraphQL request."""
        url = f"{self.base}/admin/api/{VERSION}/graphql.json"
        body = {"query": query, "variables": variables or {}, **more}
        async with self.session.post(url, json=body) as response:
            return response.status, await response.json()

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> Any:
        """The `data` of a request that must succeed without errors."""
        status, body = await self.post(query, variables)
        assert status == 200 and "errors" not in body, body
        return body["data"]

    async def rest(self, path: str, **params: str) -> Any:
        """A REST read of the same store (`/admin/api/2025-07/<path>`)."""
        url = f"{self.base}/admin/api/2025-07/{path}"
        async with self.session.get(url, params=params or None) as response:
            assert response.status == 200, await response.text()
            return await response.json()


def build_store(orders: int = 240, plan: str | None = None) -> ShopifySandbox:
    """The standard seeded store (small), its GraphQL bucket enforced only with a plan."""
    return ShopifySandbox(
        seed=1, orders=orders, products=60, locations=3, bucket=None, graphql_plan=plan
    )


@pytest.fixture
def gql_store(request: pytest.FixtureRequest) -> ShopifySandbox:
    """A fresh store per test; `indirect` parametrisation names a GraphQL plan."""
    return build_store(plan=getattr(request, "param", None))


@pytest.fixture
async def admin(gql_store: ShopifySandbox) -> AsyncIterator[Admin]:
    """The store served, with an authenticated session; webhooks captured as they are sent."""
    headers = {"X-Shopify-Access-Token": TOKEN}
    async with serve(gql_store.app) as base, aiohttp.ClientSession(headers=headers) as session:
        client = Admin(base, session, gql_store)
        gql_store.writes.listeners.append(lambda topic, body: client.webhooks.append((topic, body)))
        yield client
