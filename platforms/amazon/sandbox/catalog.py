"""Listings Items 2021-08-01 (`searchListingsItems`, `getListingsItem`) and FBA inventory
(`getInventorySummaries`) routes over the seeded seller catalogue."""

from __future__ import annotations

import copy

from aiohttp import web

from platforms.amazon.sandbox.query import (
    InvalidInput,
    Payload,
    csv_param,
    date_param,
    fingerprint,
    int_param,
    page,
    sp_error,
)
from platforms.amazon.sandbox.seed import SELLER_ID, AmazonState

LISTINGS = "/listings/2021-08-01/items/{sellerId}"
SUMMARIES = "/fba/inventory/v1/summaries"
DATA_SETS = frozenset(
    {
        "summaries",
        "attributes",
        "issues",
        "offers",
        "fulfillmentAvailability",
        "procurement",
        "relationships",
        "productTypes",
    }
)
_BY_MARKET = ("summaries", "offers", "relationships")
_SORTS = {"sku": "sku", "createdDate": "createdDate", "lastUpdatedDate": "lastUpdatedDate"}


def item_view(item: Payload, markets: set[str], included: set[str]) -> Payload:
    """A listings item as `includedData` and `marketplaceIds` show it."""
    shown: Payload = {"sku": item["sku"]}
    for name in included:
        value = item.get(name)
        if value is None:
            continue
        if name in _BY_MARKET:
            value = [v for v in value if v.get("marketplaceId") in markets]
        shown[name] = copy.deepcopy(value)
    return shown


def _stamp_of(item: Payload, field: str) -> str:
    return str(item["summaries"][0][field]) if field != "sku" else str(item["sku"])


class AmazonCatalogRoutes:
    """The catalogue's read routes."""

    def __init__(self, state: AmazonState) -> None:
        self.state = state

    def add_to(self, router: web.UrlDispatcher) -> None:
        """Register the listings and FBA inventory reads."""
        router.add_get(LISTINGS, self.search, name="searchListingsItems")
        router.add_get(LISTINGS + "/{sku}", self.get, name="getListingsItem")
        router.add_get(SUMMARIES, self.summaries, name="getInventorySummaries")

    def _common(self, request: web.Request) -> tuple[set[str], set[str]]:
        if request.match_info["sellerId"] != SELLER_ID:
            raise InvalidInput("The sellerId is not this selling partner's")
        markets = set(csv_param(request.query, "marketplaceIds"))
        if not markets:
            raise InvalidInput("marketplaceIds is required")
        included = set(csv_param(request.query, "includedData")) or {"summaries"}
        if included - DATA_SETS:
            raise InvalidInput(f"Unknown includedData {sorted(included - DATA_SETS)[0]}")
        return markets, included

    async def search(self, request: web.Request) -> web.Response:
        """`searchListingsItems`: by identifiers (SKU, 20 at most), variation parent, or all
        listings sorted (`sortBy`, `sortOrder`), `pageSize` 1-20."""
        markets, included = self._common(request)
        query = dict(request.query)
        rows = list(self.state.listings.values())
        identifiers = csv_param(query, "identifiers")
        if identifiers:
            if query.get("identifiersType") != "SKU" or len(identifiers) > 20:
                raise InvalidInput("identifiers: up to 20, with identifiersType SKU")
            rows = [
                self.state.listings[i]
                for i in dict.fromkeys(identifiers)
                if i in self.state.listings
            ]
        parent = query.get("variationParentSku")
        if parent is not None:
            rows = (
                [self.state.listings[s] for s in self.state.children(parent)]
                if (parent in self.state.listings)
                else []
            )
        after = date_param(query, "lastUpdatedAfter")
        if after is not None:
            rows = [
                r
                for r in rows
                if _stamp_of(r, "lastUpdatedDate") >= after.strftime("%Y-%m-%dT%H:%M:%SZ")
            ]
        sort = _SORTS.get(query.get("sortBy", "lastUpdatedDate"))
        if sort is None or query.get("sortOrder", "DESC") not in ("ASC", "DESC"):
            raise InvalidInput("sortBy/sortOrder not supported")
        rows.sort(
            key=lambda r: (_stamp_of(r, sort), r["sku"]),
            reverse=query.get("sortOrder", "DESC") == "DESC",
        )
        size = int_param(query, "pageSize", 10, 1, 20)
        chunk, token = page(
            rows, query.get("pageToken"), size, fingerprint(query, ("pageToken", "pageSize"))
        )
        body: Payload = {
            "numberOfResults": len(rows),
            "items": [item_view(r, markets, included) for r in chunk],
        }
        if token is not None:
            body["pagination"] = {"nextToken": token}
        return web.json_response(body)

    async def get(self, request: web.Request) -> web.Response:
        """`getListingsItem`: one SKU, 404 NOT_FOUND when the seller has no such listing."""
        markets, included = self._common(request)
        item = self.state.listings.get(request.match_info["sku"])
        if item is None:
            return sp_error(404, "NOT_FOUND", "Listings item not found.")
        return web.json_response(item_view(item, markets, included))

    async def summaries(self, request: web.Request) -> web.Response:
        """`getInventorySummaries`, granularity Marketplace: one marketplace per call,
        `sellerSkus` up to 50, otherwise every FBA SKU 50 a page."""
        query = dict(request.query)
        market = query.get("granularityId", "")
        if query.get("granularityType") != "Marketplace" or csv_param(query, "marketplaceIds") != [
            market
        ]:
            raise InvalidInput("granularityType Marketplace and one matching marketplaceIds")
        stock = self.state.fba.get(market, {})
        skus = csv_param(query, "sellerSkus")
        if len(skus) > 50:
            raise InvalidInput("sellerSkus: up to 50")
        rows = [stock[s] for s in skus if s in stock] if skus else list(stock.values())
        since = date_param(query, "startDateTime")
        if since is not None:
            rows = [r for r in rows if r["lastUpdatedTime"] >= since.strftime("%Y-%m-%dT%H:%M:%SZ")]
        chunk, token = page(rows, query.get("nextToken"), 50, fingerprint(query, ("nextToken",)))
        details = query.get("details") == "true"
        shown = [
            r if details else {k: v for k, v in r.items() if k != "inventoryDetails"} for r in chunk
        ]
        body: Payload = {
            "payload": {
                "granularity": {"granularityType": "Marketplace", "granularityId": market},
                "inventorySummaries": copy.deepcopy(shown),
            },
        }
        if token is not None:
            body["pagination"] = {"nextToken": token}
        return web.json_response(body)
