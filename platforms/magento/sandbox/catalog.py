"""The Magento REST catalog reads the sandbox serves: products, configurable children, legacy
stock items, and (with MSI) inventory sources and source items."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from platforms.magento.sandbox import query as sc
from platforms.magento.sandbox.state import MagentoState

_PRODUCT_FIELDS = sc.field_getter({"entity_id": "id"})
_FIELDS = sc.field_getter()


class MagentoCatalogRoutes:
    """GET products, products/{sku}, configurable children and stock; MSI sources with `msi`."""

    def __init__(self, state: MagentoState, *, msi: bool) -> None:
        self.state = state
        self.msi = msi

    def routes(self) -> list[sc.Route]:
        """(path, ACL resource, handler) of each route, for the sandbox to guard and register;
        without MSI the `inventory/*` routes do not exist."""
        routes: list[sc.Route] = [
            ("/products", "Magento_Catalog::products", self._products),
            ("/products/{sku}", "Magento_Catalog::products", self._product),
            ("/configurable-products/{sku}/children", "Magento_Catalog::products", self._children),
            ("/stockItems/{sku}", "Magento_CatalogInventory::cataloginventory", self._stock_item),
        ]
        if self.msi:
            routes += [
                ("/inventory/sources", "Magento_InventoryApi::source", self._sources),
                ("/inventory/source-items", "Magento_InventoryApi::source", self._source_items),
            ]
        return routes

    async def _products(self, request: web.Request) -> web.StreamResponse:
        return sc.search(request, list(self.state.products.values()), _PRODUCT_FIELDS)

    def _product_or_404(self, sku: str) -> dict[str, Any] | web.Response:
        product = self.state.product_by_sku(sku)
        if product is None:
            return sc.error(
                404,
                "The product that was requested doesn't exist. Verify the product and try again.",
            )
        return product

    async def _product(self, request: web.Request) -> web.StreamResponse:
        found = self._product_or_404(request.match_info["sku"])
        return found if isinstance(found, web.Response) else web.json_response(found)

    async def _children(self, request: web.Request) -> web.StreamResponse:
        found = self._product_or_404(request.match_info["sku"])
        if isinstance(found, web.Response):
            return found
        links = found["extension_attributes"].get("configurable_product_links") or []
        return web.json_response([self.state.products[i] for i in links])

    async def _stock_item(self, request: web.Request) -> web.StreamResponse:
        sku = request.match_info["sku"]
        product = self.state.product_by_sku(sku)
        if product is None:
            return sc.error(404, 'The Product with the "%1" SKU doesn\'t exist.', [sku])
        return web.json_response(product["extension_attributes"]["stock_item"])

    async def _sources(self, request: web.Request) -> web.StreamResponse:
        # SourceRepositoryInterface::getList takes an optional searchCriteria.
        if sc.parse(request.query) is None:
            sources = self.state.sources
            return web.json_response(
                {
                    "items": sources,
                    "search_criteria": {"filter_groups": []},
                    "total_count": len(sources),
                }
            )
        return sc.search(request, self.state.sources, _FIELDS)

    async def _source_items(self, request: web.Request) -> web.StreamResponse:
        return sc.search(request, self.state.source_items, _FIELDS)
