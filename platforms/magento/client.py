"""The Magento 2 / Adobe Commerce REST client: one instance per store connection."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

from platforms.adapter import OrderQuery, Page, ProductQuery, VariantBatch, VariantKey
from platforms.canonical import InventoryLevel, Location, Order, OrderStatus, Product
from platforms.client_kit import numeric_ids
from platforms.errors import NotFoundError, PayloadError
from platforms.magento.client_catalog import (
    assemble_products,
    assemble_variant_batch,
    by_id,
    is_hidden_child,
    missing_children,
)
from platforms.magento.client_people import MagentoPeopleReads
from platforms.magento.mapping.catalog import (
    child_ids,
    default_location,
    map_source,
    map_source_item,
    stock_levels,
)
from platforms.magento.mapping.common import format_time
from platforms.magento.mapping.orders import STATE_TO_STATUS, map_order
from platforms.magento.pagination import MAX_PAGE_SIZE, PagePosition, SearchCriteria
from platforms.magento.rest import Payload
from platforms.mapping.kit import Found


class MagentoClient(MagentoPeopleReads):
    """Live reads from one Magento store over REST (`/rest/{store_code}/V1`).

    Inventory: with MSI, stock per source comes from `inventory/source-items`; without it
    (those routes answer 404) the client falls back to the legacy `stock_item` on products,
    at the single "default" location. `options["msi"]` ("true"/"false") skips detection.
    """

    max_page_size = MAX_PAGE_SIZE

    def __repr__(self) -> str:
        return (
            f"MagentoClient(store_id={self.connection.store_id!r}, store_code={self.store_code!r})"
        )

    @functools.cached_property
    def _msi(self) -> bool | None:
        """Whether the store runs MSI: `options["msi"]` when given, else None (unknown) until
        the first inventory call finds out and overwrites this with the answer."""
        msi = self.connection.options.get("msi")
        return None if msi is None else msi.lower() in ("1", "true", "yes")

    @property
    def inline_stock(self) -> bool:
        """True once the store is known to lack MSI: variants then carry their stock."""
        return self._msi is False

    # --- orders ----------------------------------------------------------------------

    async def list_orders(
        self, query: OrderQuery, *, cursor: str | None, limit: int
    ) -> Page[Order]:
        """One page, newest updated_at first (entity_id breaks ties): exactly 1 call."""
        criteria = SearchCriteria()
        if query.updated_after is not None:
            criteria.where("updated_at", format_time(query.updated_after), "gt")
        if query.created_after is not None:
            criteria.where("created_at", format_time(query.created_after), "gt")
        if query.status is not None:
            criteria.where(*_state_filter(query.status))
        items, following = await self._newest_first(
            "orders", criteria, cursor, limit, "list_orders"
        )
        orders, errors = self._site("list_orders").each(self._order, items)
        return Page(orders, following, errors)

    async def get_orders(self, ids: Sequence[str]) -> Mapping[str, Order]:
        """Orders by entity_id: one `orders` search (entity_id in ...) per 300 ids;
        0 calls when no id is numeric. Unknown ids are absent."""
        wanted = numeric_ids(ids)
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
        criteria = SearchCriteria().where_in("visibility", ("2", "3", "4"))
        if query.updated_after is not None:
            criteria.where("updated_at", format_time(query.updated_after), "gt")
        items, following = await self._newest_first(
            "products", criteria, cursor, limit, "list_products"
        )
        products, errors = await self._products_with_children(items, "list_products")
        return Page(products, following, errors)

    async def get_products(self, ids: Sequence[str]) -> Mapping[str, Product]:
        """Products by entity_id: one `products` search (entity_id in ...) per 300 ids,
        plus one search for configurable children when any product is configurable
        (Magento's product payload lists child ids only). Unknown ids are absent."""
        wanted = numeric_ids(ids)
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

    async def get_variants(
        self, keys: Sequence[VariantKey], *, complete_parents: bool = True
    ) -> VariantBatch:
        """Variants (child or standalone simple products) by entity_id: one `products`
        search for the variant ids and their parent hints together (per 300 ids).

        Configurable parents come back as complete Products (one more search for their
        children not already fetched), so resolving a variant's product costs nothing more;
        with `complete_parents=False` that search is skipped and they come back in
        `partial_products`, with the children fetched. Magento's REST API has no
        child-to-parent lookup, so an unhinted key that turns out to be a configurable's
        child (not visible individually) costs one search listing the configurables,
        ceil(configurables/300) calls, to find its parent.
        """
        wanted = numeric_ids(
            [k.external_id for k in keys] + [k.product_external_id or "" for k in keys]
        )
        known = by_id(await self._search_in("products", "entity_id", wanted, "get_variants"))
        keys = await self._hint_orphans(keys, known)
        parents = [known.get(k.product_external_id or "") for k in keys]
        siblings = missing_children([p for p in parents if p is not None], known)
        if siblings and complete_parents:
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


def _state_filter(status: OrderStatus) -> tuple[str, str, str]:
    """The `state` filter selecting orders of a canonical status."""
    states = [state for state, mapped in STATE_TO_STATUS.items() if mapped is status]
    if status is OrderStatus.UNKNOWN:
        return ("state", ",".join(STATE_TO_STATUS), "nin")
    return ("state", ",".join(states), "in")
