"""Amazon SP-API client: one per seller account, implementing PlatformClient.

Upstream calls per read (n keys; V variants, P variation families, M marketplaces):
  list_orders 1 `searchOrders` per page (+1 `createRestrictedDataToken` an hour, only when
  personal data is selected and allowed); get_orders n `getOrder`;
  list_products 1 `searchListingsItems` per 20 listings read + ceil(children/20);
  get_products / get_variants ceil(n/20) + ceil(P/20) (+ ceil(siblings/20) for whole parents);
  get_inventory_levels ceil(n/20) listings (merchant quantity) + M x ceil(n/50) FBA summaries,
  all at once; list_locations 0 (merchant + one FBA network per configured marketplace).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from platforms.adapter import OrderQuery, Page, ProductQuery, VariantBatch, VariantKey
from platforms.amazon.client_people import ORDERS_PATH, AmazonPeopleReads
from platforms.amazon.mapping.catalog import (
    fba_level,
    locations,
    map_product,
    merchant_level,
    relation,
)
from platforms.amazon.mapping.orders import STATUSES_FOR
from platforms.amazon.pagination import (
    EPOCH,
    IDENTIFIERS,
    LISTINGS_PAGE,
    MAX_ORDERS_PAGE,
    SUMMARY_SKUS,
    listing_cursor,
    page_size,
    parse_listing_cursor,
)
from platforms.amazon.rest import Payload
from platforms.canonical import InventoryLevel, Location, Order, Product, Variant
from platforms.client_kit import chunked
from platforms.errors import PayloadError
from platforms.mapping.kit import Found

LISTING_DATA = "summaries,attributes,offers,fulfillmentAvailability,relationships"


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class AmazonClient(AmazonPeopleReads):
    """Live reads from one seller account (see the module docstring for call counts)."""

    max_page_size = MAX_ORDERS_PAGE

    def __repr__(self) -> str:
        return f"AmazonClient(store_id={self.connection.store_id!r})"

    # --- orders -----------------------------------------------------------------------

    async def list_orders(
        self, query: OrderQuery, *, cursor: str | None, limit: int
    ) -> Page[Order]:
        """One `searchOrders` page, newest update first (items inline)."""
        params, rdt = await self._included(ORDERS_PATH)
        params.update(
            {
                "marketplaceIds": ",".join(self.marketplace_ids),
                "lastUpdatedAfter": _stamp(query.updated_after) if query.updated_after else EPOCH,
                "maxResultsPerPage": str(page_size(limit, MAX_ORDERS_PAGE)),
            }
        )
        if query.status is not None:
            params["fulfillmentStatuses"] = ",".join(STATUSES_FOR.get(query.status, ("NONE",)))
        if cursor is not None:
            params["paginationToken"] = cursor
        body = await self._json("GET", ORDERS_PATH, "searchOrders", params=params, rdt=rdt)
        rows = [o for o in body.get("orders") or [] if isinstance(o, dict)]
        orders, errors = self._site("list_orders").each(
            self._order, rows, lambda p: p.get("orderId")
        )
        if query.created_after is not None:  # one date filter per search: this one is ours
            orders = [o for o in orders if o.created_at > query.created_after]
        token = (body.get("pagination") or {}).get("nextToken")
        return Page(orders, token if isinstance(token, str) and token else None, errors)

    # --- listings -----------------------------------------------------------------------

    def _listings_path(self) -> str:
        return f"/listings/2021-08-01/items/{self.seller_id}"

    async def _search(self, params: dict[str, str]) -> Payload:
        params = {
            "marketplaceIds": ",".join(self.marketplace_ids),
            "includedData": LISTING_DATA,
            **params,
        }
        return await self._json("GET", self._listings_path(), "searchListingsItems", params=params)

    async def _by_skus(self, skus: Iterable[str]) -> dict[str, Payload]:
        """Listings by SKU, 20 a call, concurrently; unknown SKUs absent."""
        wanted = list(dict.fromkeys(s for s in skus if s))
        bodies = await asyncio.gather(
            *(
                self._search(
                    {"identifiers": ",".join(chunk), "identifiersType": "SKU", "pageSize": "20"}
                )
                for chunk in chunked(wanted, IDENTIFIERS)
            )
        )
        items = [i for b in bodies for i in b.get("items") or [] if isinstance(i, dict)]
        return {str(i.get("sku")): i for i in items if i.get("sku") in wanted}

    def _product(self, root: Payload, children: Mapping[str, Payload]) -> Product:
        kids = [children[s] for s in relation(root, "childSkus") if s in children]
        return map_product(
            root,
            kids,
            store_id=self.connection.store_id,
            currency=self._currency,
            market=self.marketplace_ids[0],
        )

    async def _families(
        self, roots: list[Payload], operation: str
    ) -> tuple[list[Product], list[PayloadError]]:
        """Roots with their children read (ceil(children/20) calls), each mapped on its own."""
        children = await self._by_skus(s for r in roots for s in relation(r, "childSkus"))
        return self._site(operation).each(
            lambda r: self._product(r, children), roots, lambda r: str(r.get("sku"))
        )

    async def list_products(
        self, query: ProductQuery, *, cursor: str | None, limit: int
    ) -> Page[Product]:
        """Products newest update first: listings pages (20 each) until `limit` families and
        standalone listings are found, then the families' children."""
        token, skip = parse_listing_cursor(cursor)
        need, nxt = page_size(limit, 100), None
        roots: list[Payload] = []
        while True:
            params = {
                "pageSize": str(LISTINGS_PAGE),
                "sortBy": "lastUpdatedDate",
                "sortOrder": "DESC",
            }
            if query.updated_after is not None:
                params["lastUpdatedAfter"] = _stamp(query.updated_after)
            if token is not None:
                params["pageToken"] = token
            body = await self._search(params)
            found = [
                i
                for i in body.get("items") or []
                if isinstance(i, dict) and not relation(i, "parentSkus")
            ][skip:]
            taken = found[: need - len(roots)]
            roots += taken
            after = (body.get("pagination") or {}).get("nextToken")
            if len(taken) < len(found):
                nxt = listing_cursor(token, skip + len(taken))
                break
            if not isinstance(after, str) or not after:
                break
            token, skip = after, 0
            if len(roots) == need:
                nxt = listing_cursor(token, 0)
                break
        products, errors = await self._families(roots, "list_products")
        return Page(products, nxt, errors)

    async def get_products(self, ids: Sequence[str]) -> Found[Product]:
        """Products by parent or standalone SKU: ceil(n/20) + ceil(children/20) calls."""
        items = await self._by_skus(ids)
        roots = [i for i in items.values() if not relation(i, "parentSkus")]
        mapped = await self._families(roots, "get_products")
        return Found.keyed(*mapped, lambda p: p.external_id, ids)

    async def get_variants(
        self, keys: Sequence[VariantKey], *, complete_parents: bool = True
    ) -> VariantBatch:
        """SKUs, then their families' parent listings (ceil(P/20)), and with
        `complete_parents` the siblings not asked for; a standalone SKU is its own whole
        product at no further call."""
        items = dict(await self._by_skus(k.external_id for k in keys))
        sellable = {s: i for s, i in items.items() if not relation(i, "childSkus")}
        parents = {
            s: relation(i, "parentSkus")[0]
            for s, i in sellable.items()
            if relation(i, "parentSkus")
        }
        items.update(await self._by_skus(p for p in set(parents.values()) if p not in items))
        if complete_parents:
            siblings = {
                c
                for p in set(parents.values())
                if p in items
                for c in relation(items[p], "childSkus")
            }
            items.update(await self._by_skus(siblings - set(items)))
        return self._variant_batch(keys, items, parents, complete_parents)

    def _variant_batch(
        self,
        keys: Sequence[VariantKey],
        items: Mapping[str, Payload],
        parents: Mapping[str, str],
        complete: bool,
    ) -> VariantBatch:
        site = self._site("get_variants")
        variants: dict[str, Variant] = {}
        errors: dict[str, PayloadError] = {}
        products: dict[str, Product] = {}
        partial: dict[str, Product] = {}
        for key in keys:
            sku, parent = key.external_id, parents.get(key.external_id)
            item = items.get(sku)
            if item is None or relation(item, "childSkus") or (parent and parent not in items):
                continue
            owner = parent or sku
            if key.product_external_id not in (None, owner):
                continue
            try:
                product = site.one(lambda r: self._product(r, items), items[owner], owner)
            except PayloadError as error:
                errors[sku] = error
                continue
            whole = not parent or complete
            (products if whole else partial)[owner] = product
            variant = next((v for v in product.variants if v.external_id == sku), None)
            if variant is not None:
                variants[sku] = variant
        return VariantBatch(
            variants=variants, products=products, errors=errors, partial_products=partial
        )

    # --- inventory ----------------------------------------------------------------------

    async def _summaries(self, market: str, skus: list[str]) -> list[Payload]:
        params = {
            "granularityType": "Marketplace",
            "granularityId": market,
            "marketplaceIds": market,
            "details": "true",
            "sellerSkus": ",".join(skus),
        }
        body = await self._json(
            "GET", "/fba/inventory/v1/summaries", "getInventorySummaries", params=params
        )
        rows = (body.get("payload") or {}).get("inventorySummaries") or []
        return [dict(r, _marketplace=market) for r in rows if isinstance(r, dict)]

    async def get_inventory_levels(
        self, inventory_item_ids: Sequence[str]
    ) -> Mapping[str, list[InventoryLevel]]:
        """Stock per SKU: the listings (merchant quantity) and every marketplace's FBA
        summaries, read at once: ceil(n/20) + M x ceil(n/50) calls."""
        skus = list(dict.fromkeys(i for i in inventory_item_ids if i))
        if not skus:
            return Found()
        reads = [
            self._summaries(m, chunk)
            for m in self.marketplace_ids
            for chunk in chunked(skus, SUMMARY_SKUS)
        ]
        listed, fba = await asyncio.gather(self._by_skus(skus), asyncio.gather(*reads))
        store, site = self.connection.store_id, self._site("get_inventory_levels")
        result: Found[list[InventoryLevel]] = Found()
        for sku, item in listed.items():
            try:
                level = site.one(lambda i: merchant_level(i, store_id=store), item, sku)
            except PayloadError as error:
                result.errors[sku] = error
                continue
            if level is not None:
                result.setdefault(sku, []).append(level)
        for row in (r for rows in fba for r in rows):
            sku = str(row.get("sellerSku"))
            if sku not in skus:
                continue
            try:
                level = site.one(
                    lambda r: fba_level(r, str(r["_marketplace"]), store_id=store), row, sku
                )
            except PayloadError as error:
                result.errors[sku] = error
                continue
            result.setdefault(sku, []).append(level)
        return result

    async def list_locations(self) -> list[Location]:
        """The merchant's stock and one FBA network per marketplace: 0 calls."""
        return locations(self.connection.store_id, self.marketplace_ids)
