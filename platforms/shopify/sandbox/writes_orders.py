"""Shopify sandbox order lifecycle writes the official SDK makes: `Order.close()` and
`Order.open()` (POST orders/{id}/close.json, open.json, no body)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from platforms.shopify.sandbox.query import json_response, not_found
from platforms.shopify.sandbox.writes_common import Unprocessable, now, read_json

if TYPE_CHECKING:
    from platforms.sandbox.writes import WriteLog

Payload = dict[str, Any]


class ShopifyOrderLifecycleRoutes:
    """The close/open half of `ShopifyWriteRoutes` (a mixin over its log and helpers)."""

    if TYPE_CHECKING:
        log: WriteLog

        def _order(self, request: web.Request) -> Payload | None: ...
        async def _applied(self, what: str) -> None: ...

    async def close(self, request: web.Request) -> web.Response:
        """POST orders/{id}/close.json: closed_at now (a closed order stays closed)."""
        order = self._order(request)
        if order is None:
            return not_found()
        await read_json(request)
        if not order.get("closed_at"):
            stamp = now()
            order.update(closed_at=stamp, updated_at=stamp)
            self.log.announce("orders/updated", order)
        await self._applied(f"close:{order['id']}")
        return json_response({"order": order})

    async def reopen(self, request: web.Request) -> web.Response:
        """POST orders/{id}/open.json: a closed order open again (a cancelled one cannot)."""
        order = self._order(request)
        if order is None:
            return not_found()
        await read_json(request)
        if order.get("cancelled_at"):
            raise Unprocessable("Cannot reopen a cancelled order", key="error")
        if order.get("closed_at"):
            order.update(closed_at=None, updated_at=now())
            self.log.announce("orders/updated", order)
        await self._applied(f"open:{order['id']}")
        return json_response({"order": order})
