"""A gateway over one Shopify sandbox with chosen hardening limits, for hostile-input tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
from starlette.applications import Starlette

from gateway.app import OPEN_DOOR, create_app
from gateway.documents import PersistedDocuments
from gateway.hardening import Hardening
from gateway.server import running
from gateway.stores import CacheTTLs, StoreRegistry
from platforms.sandbox.kit import serve
from platforms.shopify.sandbox.app import ShopifySandbox
from resolvers.limits import DocumentCaches


@dataclass
class HostileGateway:
    url: str
    app: Starlette
    sandbox: ShopifySandbox

    @property
    def caches(self) -> DocumentCaches:
        caches: DocumentCaches = self.app.state.document_caches
        return caches

    async def post(self, body: bytes | dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """POST raw bytes (as JSON content) or a JSON object; a fresh connection each time."""
        kwargs: dict[str, Any] = (
            {"json": body}
            if isinstance(body, dict)
            else {"data": body, "headers": {"content-type": "application/json"}}
        )
        connector = aiohttp.TCPConnector(force_close=True)
        async with (
            aiohttp.ClientSession(connector=connector) as http,
            http.post(f"{self.url}/graphql", **kwargs) as resp,
        ):
            return resp.status, await resp.json(content_type=None)


@contextlib.asynccontextmanager
async def hostile_gateway(
    hardening: Hardening | None = None, documents: PersistedDocuments | None = None
) -> AsyncIterator[HostileGateway]:
    sandbox = ShopifySandbox(seed=1, orders=30, products=10, bucket=None)
    async with serve(sandbox.app) as upstream:
        registry = StoreRegistry(
            [sandbox.connection("shop-a", upstream)], ttls=CacheTTLs(products=0, locations=0)
        )
        app = create_app(registry, auth=OPEN_DOOR, hardening=hardening, documents=documents)
        async with running(app) as url:
            yield HostileGateway(url, app, sandbox)
