"""Fixtures: a small seeded Amazon sandbox on a real socket, an HTTP session that speaks
SP-API to it with a real access token, and a client built by the platform's spec."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from platforms.adapter import RateLimitSettings, StoreConnection
from platforms.amazon import SPEC, AmazonClient
from platforms.amazon.sandbox import AmazonSandbox
from platforms.sandbox.kit import serve

UNPACED = RateLimitSettings(1000, 1000)


@dataclass
class Served:
    """A served sandbox, its connection, and a raw SP-API session with a live token."""

    sandbox: AmazonSandbox
    connection: StoreConnection
    http: aiohttp.ClientSession
    token: str

    async def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any, Any]:
        """(status, JSON body or None, headers) of one SP-API request with the token."""
        headers = {"x-amz-access-token": self.token, **kwargs.pop("headers", {})}
        url = self.connection.base_url + path
        async with self.http.request(method, url, headers=headers, **kwargs) as resp:
            body = await resp.json() if resp.content_length else None
            return resp.status, body, resp.headers

    def client(self, **conn: Any) -> AmazonClient:
        """A client by the spec, on this sandbox (connection fields replaced by `conn`)."""
        client = SPEC.create_client(dataclasses.replace(self.connection, **conn), None)
        assert isinstance(client, AmazonClient)
        return client


OpenAmazon = Callable[..., Awaitable[Served]]


@pytest.fixture
async def open_amazon() -> AsyncIterator[OpenAmazon]:
    """Serve sandboxes (keywords go to AmazonSandbox; small by default)."""
    async with contextlib.AsyncExitStack() as stack:
        http = await stack.enter_async_context(aiohttp.ClientSession())

        async def start(**kwargs: Any) -> Served:
            sandbox = AmazonSandbox(**{"seed": 3, "orders": 60, "products": 24, **kwargs})
            url = await stack.enter_async_context(serve(sandbox.app))
            connection = sandbox.connection("amz", url)
            form = {"grant_type": "refresh_token", **connection.credentials}
            async with http.post(connection.options["token_url"], data=form) as resp:
                token = (await resp.json())["access_token"]
            return Served(sandbox, connection, http, token)

        yield start


@pytest.fixture
async def served(open_amazon: OpenAmazon) -> Served:
    """The default small sandbox, no usage plans."""
    return await open_amazon()
