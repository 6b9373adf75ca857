"""Shared helpers of the contract suite, also used by the per-platform client tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest

from platforms.adapter import PlatformClient, StoreConnection
from platforms.canonical import Entity
from platforms.errors import AuthenticationError
from platforms.registry import PlatformSpec, get_spec
from platforms.sandbox.kit import Sandbox, SandboxFacts

# Every sandbox factory accepts these keywords; small enough to keep the suite fast, large
# enough for several pages, variable/configurable products and every status.
SIZE: dict[str, Any] = {"seed": 1, "orders": 300, "products": 80}
MISSING_ID = "999999999"  # an id no seeded store has (checked against the facts)

E = TypeVar("E", bound=Entity)


@dataclass
class Store:
    """One served sandbox, its ground truth and a client built by the platform's spec."""

    spec: PlatformSpec
    sandbox: Sandbox
    connection: StoreConnection
    client: PlatformClient
    facts: SandboxFacts

    @property
    def store_id(self) -> str:
        """The store id the client was connected with."""
        return self.connection.store_id

    @property
    def api(self) -> str:
        """The platform, and the API under test when it has several ("shopify-graphql",
        "shopify-rest"), whichever is the default."""
        platform = self.spec.platform.value
        spec = get_spec(platform)
        if len(spec.api_names()) == 1:
            return platform
        return f"{platform}-{self.connection.options.get('api') or spec.default_api}"


OpenStore = Callable[..., Awaitable[Store]]


async def walk(fetch: Callable[[str | None], Awaitable[Any]]) -> tuple[list[Any], int]:
    """Follow a listing's next cursors to the end: (every item in order, pages read)."""
    items: list[Any] = []
    cursor: str | None = None
    for pages in range(1, 1000):
        page = await fetch(cursor)
        items += page.items
        if page.next_cursor is None:
            return items, pages
        cursor = page.next_cursor
    raise AssertionError("pagination never ended")


async def authentication_error(client: PlatformClient, ids: list[str]) -> AuthenticationError:
    """What get_orders raises on credentials the platform refuses; the client is closed."""
    try:
        with pytest.raises(AuthenticationError) as info:
            await client.get_orders(ids)
    finally:
        await client.aclose()
    return info.value
