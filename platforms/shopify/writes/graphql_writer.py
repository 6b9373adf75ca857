"""Shopify writes over Admin GraphQL: stock (with compare-and-swap), prices, and orders."""

from __future__ import annotations

from typing import Any

from platforms.canonical import Platform
from platforms.errors import NotFoundError
from platforms.shopify.client_graphql import ShopifyGraphqlClient
from platforms.shopify.documents import gid, listed, numeric_id, obj, scalars
from platforms.shopify.writes.graphql import (
    ADJUST,
    KEY,
    PRICE,
    SET,
    GraphqlSender,
    MutationRefusedError,
    key_of,
    log,
    new_key,
)
from platforms.shopify.writes.graphql_orders import GraphqlOrderWrites
from platforms.writes.commands import (
    AdjustInventory,
    CancelOrder,
    Checkpoint,
    CreateFulfillment,
    CreateRefund,
    SetInventory,
    StockChangedError,
    UpdateVariantPrice,
    WriteCommand,
    WriteOutcome,
)
from platforms.writes.kit import RestWriter
from platforms.writes.results import stock_outcome

REASON = "correction"  # Shopify's reason for a change made by an outside system of record
STALE = "CHANGE_FROM_QUANTITY_STALE"


class ShopifyGraphqlWriter(RestWriter[ShopifyGraphqlClient]):
    """`PlatformWriter` for a Shopify store read through Admin GraphQL (`api = "graphql"`):
    every write a mutation on the client's transport and points bucket.

    Stock and refunds carry `@idempotent(key:)` (the operation key's digest): a write in
    doubt is re-sent with the same key and Shopify answers the first result without a second
    effect. Prices are absolute; cancel and fulfil have no key in the schema and keep the
    REST writer's reconcile (read the order, find ours).
    """

    platform = Platform.SHOPIFY
    platform_write_timeout = 60.0  # as for REST: Shopify documents no request timeout

    def __init__(self, client: ShopifyGraphqlClient) -> None:
        super().__init__(client, client.transport, client._endpoint)
        self.graphql = GraphqlSender(client)
        self.orders = GraphqlOrderWrites(self, self.graphql)

    # --- PlatformWriter ----------------------------------------------------------------

    async def prepare(self, command: WriteCommand, *, operation_key: str) -> Checkpoint:
        """What every (re-)send must name the same way: the variant's inventory item or
        product (a keyed re-send with other input is refused as a key mismatch)."""
        if isinstance(command, AdjustInventory | SetInventory):
            variant = await self._variant(command.variant_id)
            item = numeric_id((variant.get("inventoryItem") or {}).get("id"))
            return {"inventory_item_id": item, KEY: new_key(operation_key)}
        if isinstance(command, UpdateVariantPrice):
            variant = await self._variant(command.variant_id)
            return {"product_id": numeric_id((variant.get("product") or {}).get("id"))}
        if isinstance(command, CreateFulfillment | CreateRefund | CancelOrder):
            return await self.orders.prepare(command, operation_key)
        return {}

    async def execute(
        self, command: WriteCommand, *, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome:
        """One mutation (cancel: and its job followed to the end)."""
        if isinstance(command, AdjustInventory | SetInventory):
            return await self._stock(command, operation_key, checkpoint)
        if isinstance(command, UpdateVariantPrice):
            return await self._price(command, operation_key, checkpoint)
        if isinstance(command, CancelOrder | CreateFulfillment | CreateRefund):
            return await self.orders.execute(command, operation_key, checkpoint)
        raise self.refusal(f"Shopify has no write for {command.kind}")

    async def reconcile(
        self, command: WriteCommand, *, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome | None:
        """Keyed writes: None, so the queue re-sends with the same key and Shopify itself
        deduplicates; cancel and fulfil: read the order."""
        if isinstance(command, AdjustInventory | SetInventory):
            log.info(
                "%s in doubt: re-sending with idempotency key %s",
                command.kind,
                key_of(checkpoint, operation_key),
                extra={"store_id": self.client.connection.store_id},
            )
            return None
        if isinstance(command, CancelOrder | CreateFulfillment | CreateRefund):
            return await self.orders.reconcile(command, operation_key, checkpoint)
        return None  # price: absolute, so sending again is harmless

    # --- stock ---------------------------------------------------------------------------

    async def _variant(self, variant_id: str) -> dict[str, Any]:
        ctx = self.ctx("get_variant", variant_id)
        field = obj(
            "productVariant",
            *scalars("id"),
            obj("product", *scalars("id")),
            obj("inventoryItem", *scalars("id")),
            id=gid("ProductVariant", variant_id),
        )
        found = (await self.graphql.read(ctx, field)).get("productVariant")
        if not isinstance(found, dict) or not (found.get("inventoryItem") or {}).get("id"):
            raise NotFoundError(f"No Shopify variant {variant_id} with stock", **ctx.where())
        return found

    async def available(self, item: str, location_id: str) -> int | None:
        """The item's `available` quantity at the location (None: not stocked there)."""
        ctx = self.ctx("get_inventory_level", item)
        quantities = listed("quantities", *scalars("name quantity"), names=["available"])
        level = obj("inventoryLevel", quantities, locationId=gid("Location", location_id))
        field = obj("inventoryItem", level, id=gid("InventoryItem", item))
        found = (await self.graphql.read(ctx, field)).get("inventoryItem") or {}
        for row in (found.get("inventoryLevel") or {}).get("quantities") or []:
            if isinstance(row, dict) and row.get("name") == "available":
                return int(row["quantity"]) if row.get("quantity") is not None else None
        return None

    async def _stock(
        self, command: AdjustInventory | SetInventory, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome:
        item = str(checkpoint["inventory_item_id"])
        row: dict[str, Any] = {
            "inventoryItemId": gid("InventoryItem", item),
            "locationId": gid("Location", command.location_id),
            # named even when null: since 2026-04 Shopify refuses a row without it
            "changeFromQuantity": command.expected_available,
        }
        if isinstance(command, AdjustInventory):
            mutation, rows, ctx = ADJUST, "changes", self.ctx("adjust_inventory", item)
            row["delta"] = command.delta
        else:
            mutation, rows, ctx = SET, "quantities", self.ctx("set_inventory", item)
            row["quantity"] = command.available
        data = {"name": "available", "reason": REASON, rows: [row]}
        try:
            key = key_of(checkpoint, operation_key)
            answer = await self.graphql.mutate(mutation, {"input": data}, ctx, key=key)
        except MutationRefusedError as refused:
            if STALE not in refused.codes:
                raise
            raise await self._stale(command, item) from None
        group = answer.payload.get("inventoryAdjustmentGroup") or {}
        changes = [c for c in group.get("changes") or [] if isinstance(c, dict)]
        after = changes[0].get("quantityAfterChange") if changes else None
        return stock_outcome(item, command.location_id, after, answer.request_id)

    async def _stale(self, command: AdjustInventory | SetInventory, item: str) -> StockChangedError:
        """The compare-and-swap refusal, with the level Shopify holds now."""
        now = await self.available(item, command.location_id)
        ctx = self.ctx(command.kind.lower(), item)
        return StockChangedError(
            f"Stock of item {item} at location {command.location_id} is {now}, not the "
            f"expected {command.expected_available}: nothing was written",
            details={"available": now, "expected_available": command.expected_available},
            **ctx.where(),
        )

    # --- price ---------------------------------------------------------------------------

    async def _price(
        self, command: UpdateVariantPrice, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome:
        ctx = self.ctx("update_variant_price", command.variant_id)
        row: dict[str, Any] = {"id": gid("ProductVariant", command.variant_id)}
        row["price"] = command.price
        if command.compare_at_price is not None:
            row["compareAtPrice"] = command.compare_at_price or None  # "" clears it
        variables = {"productId": gid("Product", str(checkpoint["product_id"])), "variants": [row]}
        answer = await self.graphql.mutate(PRICE, variables, ctx)
        saved = next(iter(answer.payload.get("productVariants") or []), None) or {}
        return WriteOutcome(
            {
                "variant_id": numeric_id(saved.get("id")) or command.variant_id,
                "price": str(saved.get("price")),
                "compare_at_price": saved.get("compareAtPrice"),
            },
            answer.request_id,
        )
