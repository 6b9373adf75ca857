"""The Magento 2 / Adobe Commerce REST client: one instance per store connection."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import aiohttp

from platforms.adapter import (
    OrderQuery,
    Page,
    ProductQuery,
    RateLimitSettings,
    StoreConnection,
    VariantBatch,
    VariantKey,
)
from platforms.canonical import InventoryLevel, Location, Order, OrderStatus, Product
from platforms.errors import ConfigError, NotFoundError, PayloadError
from platforms.http import CallContext, HttpTransport, Request, RetryPolicy
from platforms.magento.auth import BearerAuthenticator
from platforms.magento.catalog import (
    assemble_products,
    assemble_variant_batch,
    by_id,
    is_hidden_child,
    missing_children,
)
from platforms.magento.classifier import MagentoErrorClassifier
from platforms.magento.client_people import MagentoPeopleReads
from platforms.magento.convert import as_dict, as_list, format_time, to_int
from platforms.magento.map_catalog import (
    child_ids,
    default_location,
    map_source,
    map_source_item,
    stock_levels,
)
from platforms.magento.map_orders import STATE_TO_STATUS, map_order
from platforms.magento.search import MAX_PAGE_SIZE, PagePosition, SearchCriteria, chunks
from platforms.mapping_kit import Found, MapSite
from platforms.ratelimit import LeakyBucket

# Magento has no general REST rate limit; PHP-FPM workers are the bottleneck, so we
# impose a modest bucket of our own rather than saturate a merchant's server.
DEFAULT_RATE_LIMIT = RateLimitSettings(capacity=20, leak_per_second=10)

Payload = dict[str, Any]


def _numeric(ids: Sequence[str]) -> list[str]:
    """Distinct ids that can be Magento entity ids; others cannot exist, so need no call."""
    return list(dict.fromkeys(i for i in ids if i.isascii() and i.isdigit()))


class MagentoClient(MagentoPeopleReads):
    """Live reads from one Magento store over REST (`/rest/{store_code}/V1`).

    Inventory: with MSI, stock per source comes from `inventory/source-items`; without it
    (those routes answer 404) the client falls back to the legacy `stock_item` on products,
    at the single "default" location. `options["msi"]` ("true"/"false") skips detection.
    """

    max_page_size = MAX_PAGE_SIZE

    def __init__(
        self,
        connection: StoreConnection,
        *,
        session: aiohttp.ClientSession | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        token = connection.credentials.get("access_token")
        if not token:
            raise ConfigError(f"Magento store {connection.store_id!r} needs 'access_token'")
        self.connection = connection
        self.store_code = connection.options.get("store_code", "default")
        auth = BearerAuthenticator(token)
        self._transport = HttpTransport(
            connection,
            authenticator=auth,
            classifier=MagentoErrorClassifier(auth.redact),
            bucket=LeakyBucket(connection.rate_limit or DEFAULT_RATE_LIMIT),
            retry=retry,
            session=session,
        )
        self._base = f"{connection.base_url.rstrip('/')}/rest/{quote(self.store_code, safe='')}/V1"
        msi = connection.options.get("msi")
        self._msi: bool | None = None if msi is None else msi.lower() in ("1", "true", "yes")

    def __repr__(self) -> str:
        return (
            f"MagentoClient(store_id={self.connection.store_id!r}, store_code={self.store_code!r})"
        )

    @property
    def upstream_calls(self) -> int:
        """HTTP requests this client has sent (retries included)."""
        return self._transport.calls

    @property
    def inline_stock(self) -> bool:
        """True once the store is known to lack MSI: variants then carry their stock."""
        return self._msi is False

    async def aclose(self) -> None:
        """Release the HTTP session if this client created it."""
        await self._transport.aclose()

    def _site(self, operation: str) -> MapSite:
        """Where payloads are mapped, for the PayloadErrors of a bad one."""
        return MapSite(self.connection.store_id, "magento", operation)

    # --- transport helpers -------------------------------------------------------------

    async def _get(
        self, path: str, params: dict[str, str], operation: str, external_id: str | None = None
    ) -> Any:
        ctx = CallContext(self.connection.store_id, "magento", operation, external_id)
        request = Request("GET", f"{self._base}/{path}", params=params)
        return (await self._transport.request(request, ctx)).json()

    async def _search(
        self, path: str, criteria: SearchCriteria, operation: str
    ) -> tuple[list[Payload], int]:
        """One searchCriteria call: (items, total_count)."""
        body = as_dict(await self._get(path, criteria.params(), operation))
        items = [as_dict(item) for item in as_list(body.get("items")) if as_dict(item)]
        return items, to_int(body.get("total_count"), len(items))

    async def _search_in(
        self, path: str, field: str, values: Sequence[str], operation: str
    ) -> list[Payload]:
        """Every row whose `field` is in `values`: one call per 300 values, plus one per
        further page only when a value has several rows (source items)."""
        rows: list[Payload] = []
        for chunk in chunks(values):
            position: PagePosition | None = PagePosition(1, MAX_PAGE_SIZE)
            while position is not None:
                criteria = SearchCriteria().where_in(field, chunk)
                items, total = await self._search(
                    path, criteria.page(position.page, position.size), operation
                )
                if position.is_past_end(total):
                    break
                rows.extend(items)
                position = position.next(total)
        return rows

    # --- orders ----------------------------------------------------------------------

    async def list_orders(
        self, query: OrderQuery, *, cursor: str | None, limit: int
    ) -> Page[Order]:
        """One page, newest updated_at first (entity_id breaks ties): exactly 1 call.

        The last page is known from total_count, never from an empty page: Magento
        answers a page past the end with the last page again.
        """
        position = PagePosition.decode(cursor, limit)
        criteria = SearchCriteria()
        if query.updated_after is not None:
            criteria.where("updated_at", format_time(query.updated_after), "gt")
        if query.created_after is not None:
            criteria.where("created_at", format_time(query.created_after), "gt")
        if query.status is not None:
            criteria.where(*_state_filter(query.status))
        criteria.sort("updated_at", "DESC").sort("entity_id", "DESC")
        items, total = await self._search(
            "orders", criteria.page(position.page, position.size), "list_orders"
        )
        if position.is_past_end(total):
            return Page([], None)
        following = position.next(total)
        orders, errors = self._site("list_orders").each(self._order, items)
        return Page(orders, following.encode() if following else None, errors)

    async def get_orders(self, ids: Sequence[str]) -> Mapping[str, Order]:
        """Orders by entity_id: one `orders` search (entity_id in ...) per 300 ids;
        0 calls when no id is numeric. Unknown ids are absent."""
        wanted = _numeric(ids)
        rows = await self._search_in("orders", "entity_id", wanted, "get_orders")
        mapped = self._site("get_orders").each(self._order, rows)
        return Found.keyed(*mapped, lambda o: o.external_id, wanted)

    def _order(self, payload: Payload) -> Order:
        return map_order(payload, self.connection.store_id, self.connection.currency_code)

    # --- catalog ---------------------------------------------------------------------

    async def list_products(
        self, query: ProductQuery, *, cursor: str | None, limit: int
    ) -> Page[Product]:
        """One page of catalogue products (visible individually, so configurable children
        are variants, not products), newest updated_at first: 1 call, plus 1 for the
        children when the page holds configurables."""
        position = PagePosition.decode(cursor, limit)
        criteria = SearchCriteria().where_in("visibility", ("2", "3", "4"))
        if query.updated_after is not None:
            criteria.where("updated_at", format_time(query.updated_after), "gt")
        criteria.sort("updated_at", "DESC").sort("entity_id", "DESC")
        items, total = await self._search(
            "products", criteria.page(position.page, position.size), "list_products"
        )
        if position.is_past_end(total):
            return Page([], None)
        following = position.next(total)
        products, errors = await self._products_with_children(items, "list_products")
        return Page(products, following.encode() if following else None, errors)

    async def get_products(self, ids: Sequence[str]) -> Mapping[str, Product]:
        """Products by entity_id: one `products` search (entity_id in ...) per 300 ids,
        plus one search for configurable children when any product is configurable
        (Magento's product payload lists child ids only). Unknown ids are absent."""
        wanted = _numeric(ids)
        rows = await self._search_in("products", "entity_id", wanted, "get_products")
        parents = [row for row in rows if str(row.get("id")) in wanted]
        mapped = await self._products_with_children(parents, "get_products")
        return Found.keyed(*mapped, lambda p: p.external_id, wanted)

    async def _products_with_children(
        self, parents: list[Payload], operation: str
    ) -> tuple[list[Product], list[PayloadError]]:
        known = by_id(parents)
        extra = missing_children(parents, known)
        if extra:
            known.update(by_id(await self._search_in("products", "entity_id", extra, operation)))
        return assemble_products(
            parents,
            known,
            self.connection.store_id,
            self.connection.currency_code,
            inline_stock=self.inline_stock,
            site=self._site(operation),
        )

    async def get_variants(self, keys: Sequence[VariantKey]) -> VariantBatch:
        """Variants (child or standalone simple products) by entity_id: one `products`
        search for the variant ids and their parent hints together (per 300 ids).

        Configurable parents come back as complete Products (one more search for their
        children not already fetched), so resolving a variant's product costs nothing more.
        Magento's REST API has no child-to-parent lookup, so an unhinted key that turns out
        to be a configurable's child (not visible individually) costs one search listing
        the configurables, ceil(configurables/300) calls, to find its parent.
        """
        wanted = _numeric(
            [k.external_id for k in keys] + [k.product_external_id or "" for k in keys]
        )
        known = by_id(await self._search_in("products", "entity_id", wanted, "get_variants"))
        keys = await self._hint_orphans(keys, known)
        parents = [known.get(k.product_external_id or "") for k in keys]
        siblings = missing_children([p for p in parents if p is not None], known)
        if siblings:
            found = await self._search_in("products", "entity_id", siblings, "get_variants")
            known.update(by_id(found))
        return assemble_variant_batch(
            keys,
            known,
            self.connection.store_id,
            self.connection.currency_code,
            inline_stock=self.inline_stock,
            site=self._site("get_variants"),
        )

    async def _hint_orphans(
        self, keys: Sequence[VariantKey], known: dict[str, Payload]
    ) -> Sequence[VariantKey]:
        """Keys with the parent filled in for unhinted configurable children (parents are
        added to `known`); other keys unchanged, and no call when there are none."""
        orphans = {
            k.external_id
            for k in keys
            if k.product_external_id is None and is_hidden_child(known.get(k.external_id))
        }
        if not orphans:
            return keys
        parents = await self._parents_of(orphans)
        known.update(by_id(parents.values()))
        return [
            VariantKey(k.external_id, str(parents[k.external_id]["id"]))
            if k.product_external_id is None and k.external_id in parents
            else k
            for k in keys
        ]

    async def _parents_of(self, children: set[str]) -> dict[str, Payload]:
        """child id -> its configurable parent's payload, by listing the configurables."""
        parents: dict[str, Payload] = {}
        position: PagePosition | None = PagePosition(1, MAX_PAGE_SIZE)
        while position is not None:
            criteria = SearchCriteria().where("type_id", "configurable")
            criteria.sort("entity_id", "ASC").page(position.page, position.size)
            items, total = await self._search("products", criteria, "get_variants")
            if position.is_past_end(total):
                break
            for row in items:
                parents.update({cid: row for cid in child_ids(row) if cid in children})
            position = position.next(total)
        return parents

    # --- inventory -------------------------------------------------------------------

    async def get_inventory_levels(
        self, inventory_item_ids: Sequence[str]
    ) -> Mapping[str, list[InventoryLevel]]:
        """Levels per SKU at every source.

        MSI: one `inventory/source-items` search (sku in ...) per 300 SKUs. Without MSI:
        one `products` search (sku in ...) reading `stock_item`, after one 404 the first
        time (detection). SKUs with no stock record are absent.
        """
        skus = list(dict.fromkeys(s for s in inventory_item_ids if s))
        if not skus:
            return {}
        if self._msi is not False:
            try:
                return await self._source_items(skus)
            except NotFoundError:
                if self._msi is True:
                    raise
                self._msi = False
        return await self._legacy_stock(skus)

    async def _source_items(self, skus: list[str]) -> dict[str, list[InventoryLevel]]:
        rows = await self._search_in("inventory/source-items", "sku", skus, "get_inventory")
        self._msi = True
        store = self.connection.store_id
        levels, errors = self._site("get_inventory").each(
            lambda row: map_source_item(row, store), rows, lambda row: str(row.get("sku"))
        )
        found: Found[list[InventoryLevel]] = Found()
        for level in levels:
            if level.inventory_item_id in skus:
                found.setdefault(level.inventory_item_id, []).append(level)
        for error in errors:  # one bad row makes the SKU's levels incomplete: the SKU fails
            found.pop(error.external_id or "", None)
            found.errors[error.external_id or ""] = error
        return found

    async def _legacy_stock(self, skus: list[str]) -> dict[str, list[InventoryLevel]]:
        rows = await self._search_in("products", "sku", skus, "get_inventory")
        store = self.connection.store_id
        mapped, errors = self._site("get_inventory").each(
            lambda row: stock_levels(row, store), rows, lambda row: str(row.get("sku"))
        )
        found: Found[list[InventoryLevel]] = Found(
            (levels[0].inventory_item_id, list(levels))
            for levels in mapped
            if levels and levels[0].inventory_item_id in skus
        )
        found.errors.update({e.external_id or "": e for e in errors})
        return found

    async def list_locations(self) -> list[Location]:
        """MSI sources: one `inventory/sources` call (per 300 sources). Without MSI the
        store has one location, "default": one 404 the first time, then 0 calls."""
        if self._msi is not False:
            try:
                rows = await self._all_pages("inventory/sources", "list_locations")
            except NotFoundError:
                if self._msi is True:
                    raise
                self._msi = False
            else:
                self._msi = True
                return [map_source(row, self.connection.store_id) for row in rows]
        return [default_location(self.connection.store_id)]

    async def _all_pages(self, path: str, operation: str) -> list[Payload]:
        rows: list[Payload] = []
        position: PagePosition | None = PagePosition(1, MAX_PAGE_SIZE)
        while position is not None:
            criteria = SearchCriteria().page(position.page, position.size)
            items, total = await self._search(path, criteria, operation)
            if position.is_past_end(total):
                break
            rows.extend(items)
            position = position.next(total)
        return rows


def _state_filter(status: OrderStatus) -> tuple[str, str, str]:
    """The `state` filter selecting orders of a canonical status."""
    states = [state for state, mapped in STATE_TO_STATUS.items() if mapped is status]
    if status is OrderStatus.UNKNOWN:
        return ("state", ",".join(STATE_TO_STATUS), "nin")
    return ("state", ",".join(states), "in")
