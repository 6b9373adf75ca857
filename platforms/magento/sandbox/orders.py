"""The Magento REST order reads the sandbox serves: orders (a searchCriteria search) and
orders/{id}."""

from __future__ import annotations

from aiohttp import web

from platforms.magento.sandbox import query as sc
from platforms.magento.sandbox.state import MagentoState

_FIELDS = sc.field_getter()


class MagentoOrderRoutes:
    """GET orders and orders/{id} over the sandbox state."""

    def __init__(self, state: MagentoState) -> None:
        self.state = state

    def routes(self) -> list[sc.Route]:
        """(path, ACL resource, handler) of each route, for the sandbox to guard and register."""
        return [
            ("/orders", "Magento_Sales::actions_view", self._orders),
            ("/orders/{id}", "Magento_Sales::actions_view", self._order),
        ]

    async def _orders(self, request: web.Request) -> web.StreamResponse:
        return sc.search(request, list(self.state.orders.values()), _FIELDS)

    async def _order(self, request: web.Request) -> web.StreamResponse:
        raw = request.match_info["id"]
        order = self.state.orders.get(int(raw)) if raw.isdigit() else None
        if order is None:
            return sc.error(
                404, "The entity that was requested doesn't exist. Verify the entity and try again."
            )
        return web.json_response(order)
