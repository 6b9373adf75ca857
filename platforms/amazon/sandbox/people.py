"""Tokens API 2021-03-01: `createRestrictedDataToken`, the key to buyer and recipient data."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from platforms.amazon.sandbox.auth import RDT_KEY, TokenDesk
from platforms.amazon.sandbox.query import InvalidInput

RDT_PATH = "/tokens/2021-03-01/restrictedDataToken"
# the restricted operations this sandbox serves, by path prefix
RESTRICTED = ("/orders/2026-01-01/orders", "/orders/v0/orders")
ELEMENTS = frozenset({"buyerInfo", "shippingAddress", "buyerTaxInformation"})


class AmazonPeopleRoutes:
    """Restricted Data Tokens over the store's token desk."""

    def __init__(self, desk: TokenDesk) -> None:
        self.desk = desk
        self.issued = 0  # RDTs issued (tests: personal data asked for)

    def add_to(self, router: web.UrlDispatcher) -> None:
        """Register createRestrictedDataToken."""
        router.add_post(RDT_PATH, self.create, name="createRestrictedDataToken")

    async def create(self, request: web.Request) -> web.Response:
        """An RDT for up to 50 GET resources of restricted operations."""
        if request.get(RDT_KEY) is not None:
            raise InvalidInput("An RDT cannot be used to create another RDT")
        body: Any = await request.json()
        resources = body.get("restrictedResources") if isinstance(body, dict) else None
        if not isinstance(resources, list) or not 0 < len(resources) <= 50:
            raise InvalidInput("restrictedResources: 1 to 50 resources")
        paths, elements = set(), set()
        for resource in resources:
            path = resource.get("path") if isinstance(resource, dict) else None
            if (
                resource.get("method") != "GET"
                or not isinstance(path, str)
                or not path.startswith(RESTRICTED)
            ):
                raise InvalidInput("Only GET resources of restricted operations")
            wanted = set(resource.get("dataElements") or [])
            if wanted - ELEMENTS:
                raise InvalidInput("Unknown dataElements")
            paths.add(path)
            elements |= wanted
        token, lifetime = self.desk.issue_rdt(frozenset(paths), frozenset(elements))
        self.issued += 1
        return web.json_response({"restrictedDataToken": token, "expiresIn": lifetime}, status=200)
