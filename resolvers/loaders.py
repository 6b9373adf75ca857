"""Per-request dataloaders: keys grouped by store, one batch per store, one result per key."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from aiodataloader import DataLoader

from platforms.adapter import Related, TaxLineReads, VariantBatch, VariantKey
from platforms.canonical import (
    Customer,
    Fulfillment,
    InventoryLevel,
    Location,
    Order,
    Product,
    Refund,
    TaxLine,
    Variant,
)
from platforms.mapping.kit import Found, errors_of

if TYPE_CHECKING:
    from gateway.stores import StoreHandle
    from resolvers.context import RequestContext

V = TypeVar("V")
R = TypeVar("R")


def answer(
    pending: Awaitable[V | None], convert: Callable[[V], R]
) -> R | Awaitable[R | None] | None:
    """`convert` of a loader's answer: at once when this request already holds it (a key
    primed by an earlier batch), else once it arrives.

    For resolvers of fields inside long lists: a value returned at once costs graphql-core
    no coroutine and no task, which an `async def` resolver always does.
    """
    if isinstance(pending, asyncio.Future) and _settled(pending):
        found = pending.result()
        return None if found is None else convert(found)
    return _convert_later(pending, convert)


async def _convert_later(pending: Awaitable[V | None], convert: Callable[[V], R]) -> R | None:
    found = await pending
    return None if found is None else convert(found)


def _settled(future: asyncio.Future[Any]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


class StoreKey(NamedTuple):
    """An object of one store, by its platform id."""

    store_id: str
    external_id: str


class VariantLoadKey(NamedTuple):
    """A variant to load, plus its parent product when known (lets platforms batch).

    `complete_parent=False`: the caller will not read the parent's variant list, so the
    parent may come back incomplete (into `Loaders.partial_products`) for fewer calls.
    """

    store_id: str
    external_id: str
    product_external_id: str | None = None
    complete_parent: bool = True


class _PerStoreLoader(DataLoader[Any, Any], Generic[V]):
    """Groups keys by store, fetches each store concurrently, maps results back key by key.

    A store that fails gives its error to its own keys only: the batch never fails as a whole.
    """

    def __init__(self, ctx: RequestContext) -> None:
        super().__init__(get_cache_key=lambda key: (key[0], key[1]))
        self.ctx = ctx

    async def batch_load_fn(self, keys: Sequence[Any]) -> list[V | BaseException | None]:
        by_store: dict[str, list[str]] = defaultdict(list)
        for key in keys:
            by_store[key[0]].append(key[1])
        stores = list(by_store)
        outcomes = await asyncio.gather(
            *(self._fetch_store(sid, list(dict.fromkeys(by_store[sid])), keys) for sid in stores),
            return_exceptions=True,
        )
        found: dict[str, Mapping[str, V] | BaseException] = dict(zip(stores, outcomes, strict=True))
        return [_pick(found[key[0]], key[1]) for key in keys]

    async def _fetch_store(
        self, store_id: str, ids: list[str], keys: Sequence[Any]
    ) -> Mapping[str, V]:
        handle = self.ctx.store(store_id)
        own = [k for k in keys if k[0] == store_id]
        telemetry = self.ctx.telemetry
        if telemetry is None or not telemetry.tracing.on:
            return await self.fetch(handle, ids, own)
        # one span per store of a batch: the upstream requests it makes nest under it
        attributes = {"cartgraph.store": store_id, "cartgraph.batch.keys": len(ids)}
        with telemetry.tracing.span(f"dataloader {type(self).__name__}", attributes):
            return await self.fetch(handle, ids, own)

    async def fetch(self, handle: StoreHandle, ids: list[str], keys: list[Any]) -> Mapping[str, V]:
        """Fetch one store's objects by external id; missing ids absent."""
        raise NotImplementedError


def _pick(found: Mapping[str, V] | BaseException, external_id: str) -> V | BaseException | None:
    if isinstance(found, BaseException):
        return found
    # a payload that could not be mapped fails its own key only, with its PayloadError
    return errors_of(found).get(external_id) or found.get(external_id)


class OrderByIdLoader(_PerStoreLoader[Order]):
    """Orders by (store, external id)."""

    async def fetch(
        self, handle: StoreHandle, ids: list[str], keys: list[Any]
    ) -> Mapping[str, Order]:
        return await handle.client.get_orders(ids)


class ProductByIdLoader(_PerStoreLoader[Product]):
    """Products by (store, external id), through the store's product TTL cache."""

    async def fetch(
        self, handle: StoreHandle, ids: list[str], keys: list[Any]
    ) -> Mapping[str, Product]:
        return await handle.products.get_many(ids, handle.client.get_products)


class VariantByIdLoader(_PerStoreLoader[Variant]):
    """Variants by VariantLoadKey (store, external id[, parent hint, complete_parent]).

    A variant whose hinted parent is in the store's product cache comes from there. Parent
    products fetched on the way go into that cache and prime ProductByIdLoader, and stock
    that came inline primes InventoryLevelsByInventoryItemLoader, so neither costs another
    upstream call. Parents asked incomplete (no key of the store's batch wants them whole)
    go into `Loaders.partial_products` only.
    """

    async def fetch(
        self, handle: StoreHandle, ids: list[str], keys: list[Any]
    ) -> Mapping[str, Variant]:
        # keys are VariantLoadKeys (every caller builds one)
        hints = {k.external_id: k.product_external_id for k in keys if k.product_external_id}
        cached = await handle.products.peek(set(hints.values()))
        found = _cached_variants(ids, hints, cached)
        rest = [i for i in ids if i not in found]
        complete = any(k.complete_parent for k in keys if k.external_id not in found)
        batch = (
            await handle.client.get_variants(
                [VariantKey(i, hints.get(i)) for i in rest], complete_parents=complete
            )
            if rest
            else VariantBatch({}, {})
        )
        handle.products.put(batch.products)
        store_id = handle.connection.store_id
        self.ctx.loaders.partial_products.update(
            {StoreKey(store_id, pid): p for pid, p in batch.partial_products.items()}
        )
        for product_id, product in {**cached, **batch.products}.items():
            self.ctx.loaders.product.prime(StoreKey(store_id, product_id), product)
        for variant in batch.variants.values():
            if variant.inline_inventory is not None and variant.inventory_item_id:
                self.ctx.loaders.inventory.prime(
                    StoreKey(store_id, variant.inventory_item_id), list(variant.inline_inventory)
                )
        return Found({**found, **batch.variants}, batch.errors)


def _cached_variants(
    ids: list[str], hints: Mapping[str, str], cached: Mapping[str, Product]
) -> dict[str, Variant]:
    """The variants the cached parents answer for. Not those carrying stock inline
    (WooCommerce): a cached copy of stock would be served as live."""
    out: dict[str, Variant] = {}
    for vid in ids:
        product = cached.get(hints.get(vid, ""))
        for variant in product.variants if product else ():
            if variant.external_id == vid and variant.inline_inventory is None:
                out[vid] = variant
    return out


class InventoryLevelsByInventoryItemLoader(_PerStoreLoader[list[InventoryLevel]]):
    """Inventory levels at every location, by (store, inventory item id)."""

    async def fetch(
        self, handle: StoreHandle, ids: list[str], keys: list[Any]
    ) -> Mapping[str, list[InventoryLevel]]:
        return await handle.client.get_inventory_levels(ids)


class LocationByIdLoader(_PerStoreLoader[Location]):
    """Locations by (store, external id): one locations call per store per request at most.

    The platforms list all locations at once, so later batches of this request reuse the
    first answer instead of asking again for other ids.
    """

    def __init__(self, ctx: RequestContext) -> None:
        super().__init__(ctx)
        self._by_store: dict[str, asyncio.Future[dict[str, Location]]] = {}

    async def fetch(
        self, handle: StoreHandle, ids: list[str], keys: list[Any]
    ) -> Mapping[str, Location]:
        return await asyncio.shield(self._listing(handle.connection.store_id))

    def prime_listing(self, store_id: str, locations: list[Location]) -> None:
        """The store's locations, read along with something else: no listing call."""
        if store_id not in self._by_store:
            listing: asyncio.Future[dict[str, Location]] = (
                asyncio.get_running_loop().create_future()
            )
            listing.set_result({loc.external_id: loc for loc in locations})
            self._by_store[store_id] = listing

    def prefetch(self, store_id: str) -> None:
        """Start listing the store's locations now (once per request), alongside the reads
        whose answers will name them, instead of one round trip after those."""
        self._listing(store_id)

    def peek(self, key: StoreKey) -> tuple[bool, Location | None]:
        """(True, the location or None) once this request has listed the key's store;
        (False, None) while that is pending or has failed (then `load` tells why)."""
        listing = self._by_store.get(key.store_id)
        if listing is None or not _settled(listing):
            return False, None
        return True, listing.result().get(key.external_id)

    def _listing(self, store_id: str) -> asyncio.Future[dict[str, Location]]:
        if store_id not in self._by_store:
            listing = asyncio.ensure_future(self._all(self.ctx.store(store_id)))
            # a prefetch nobody awaits (its levels failed) must not log "never retrieved"
            listing.add_done_callback(lambda f: f.cancelled() or f.exception())
            self._by_store[store_id] = listing
        return self._by_store[store_id]

    @staticmethod
    async def _all(handle: StoreHandle) -> dict[str, Location]:
        return {loc.external_id: loc for loc in await handle.list_locations()}


class CustomerByIdLoader(_PerStoreLoader[Customer]):
    """Customers by (store, external id): one batch per store (`ids=` / `include=` / `in`)."""

    async def fetch(
        self, handle: StoreHandle, ids: list[str], keys: list[Any]
    ) -> Mapping[str, Customer]:
        return await handle.client.get_customers(ids)


class FulfillmentsByOrderLoader(_PerStoreLoader[list[Fulfillment]]):
    """Fulfillments by (store, order id), for orders whose payload does not embed them."""

    async def fetch(
        self, handle: StoreHandle, ids: list[str], keys: list[Any]
    ) -> Mapping[str, list[Fulfillment]]:
        return await handle.client.get_fulfillments(ids)


class RefundsByOrderLoader(_PerStoreLoader[list[Refund]]):
    """Refunds by (store, order id), for orders whose payload does not embed them."""

    async def fetch(
        self, handle: StoreHandle, ids: list[str], keys: list[Any]
    ) -> Mapping[str, list[Refund]]:
        return await handle.client.get_refunds(ids)


class TaxLinesByOrderLoader(_PerStoreLoader[list[TaxLine]]):
    """Tax lines by (store, order id), for platforms whose orders list taxes apart."""

    async def fetch(
        self, handle: StoreHandle, ids: list[str], keys: list[Any]
    ) -> Mapping[str, list[TaxLine]]:
        client = handle.client
        # the resolver asks only clients that read taxes apart: others embed them
        return await client.get_tax_lines(ids) if isinstance(client, TaxLineReads) else {}


class Loaders:
    """Every dataloader of one request; created per request, never shared."""

    def __init__(self, ctx: RequestContext) -> None:
        self.order = OrderByIdLoader(ctx)
        self.product = ProductByIdLoader(ctx)
        self.variant = VariantByIdLoader(ctx)
        self.inventory = InventoryLevelsByInventoryItemLoader(ctx)
        self.location = LocationByIdLoader(ctx)
        self.customer = CustomerByIdLoader(ctx)
        self.fulfillments = FulfillmentsByOrderLoader(ctx)
        self.refunds = RefundsByOrderLoader(ctx)
        self.tax_lines = TaxLinesByOrderLoader(ctx)
        # parents fetched with an incomplete variant list: for reads that skip `variants`.
        self.partial_products: dict[StoreKey, Product] = {}

    def prime(self, handle: StoreHandle, related: Related) -> None:
        """What a page's client fetched with it (`Page.related`): the loaders answer those
        keys without another upstream call."""
        store_id = handle.connection.store_id
        for variant_id, variant in related.variants.items():
            self.variant.prime(VariantLoadKey(store_id, variant_id), variant)
        handle.products.put(related.products)
        for product_id, product in related.products.items():
            self.product.prime(StoreKey(store_id, product_id), product)
        self.partial_products.update(
            {StoreKey(store_id, pid): p for pid, p in related.partial_products.items()}
        )
        for item_id, levels in related.inventory.items():
            self.inventory.prime(StoreKey(store_id, item_id), levels)
        if related.locations is not None:
            self.location.prime_listing(store_id, related.locations)
