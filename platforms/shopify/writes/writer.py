"""Shopify writes over the Admin REST API: inventory adjust/set, variant price, order cancel."""

from __future__ import annotations

from typing import Any

from platforms.canonical import Platform
from platforms.errors import NotFoundError
from platforms.http import CallContext
from platforms.shopify.client import ShopifyClient
from platforms.shopify.client_graphql import ShopifyGraphqlClient
from platforms.shopify.rest import answer_field
from platforms.shopify.writes.graphql_writer import ShopifyGraphqlWriter
from platforms.shopify.writes.orders import ShopifyOrderWrites
from platforms.writes.commands import (
    AdjustInventory,
    CancelOrder,
    Checkpoint,
    CreateFulfillment,
    CreateRefund,
    SetInventory,
    UpdateVariantPrice,
    WriteCommand,
    WriteOutcome,
)
from platforms.writes.kit import RestWriter, writer_factory
from platforms.writes.results import stock_outcome


class ShopifyWriter(RestWriter[ShopifyClient]):
    """`PlatformWriter` for one Shopify store, on its client's transport and rate bucket."""

    platform = Platform.SHOPIFY
    # Shopify documents no server-side limit for a REST request: a bound, not its figure.
    platform_write_timeout = 60.0

    def __init__(self, client: ShopifyClient) -> None:
        super().__init__(client, client.transport, client._base)
        self.orders = ShopifyOrderWrites(self)

    # --- PlatformWriter ----------------------------------------------------------------

    async def prepare(self, command: WriteCommand, *, operation_key: str) -> Checkpoint:
        """Inventory: the item id and the level before; orders: what the order has now."""
        if isinstance(command, AdjustInventory | SetInventory):
            item = await self._inventory_item(command.variant_id)
            before = await self._level(item, command.location_id)
            return {"inventory_item_id": item, "before": before}
        if isinstance(command, CreateFulfillment | CreateRefund | CancelOrder):
            return await self.orders.prepare(command)
        return {}

    async def execute(
        self, command: WriteCommand, *, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome:
        """One send through the platform's own endpoint for the command."""
        if isinstance(command, AdjustInventory | SetInventory):
            return await self._inventory(command, checkpoint)
        if isinstance(command, UpdateVariantPrice):
            return await self._price(command)
        if isinstance(command, CancelOrder | CreateFulfillment | CreateRefund):
            return await self.orders.execute(command, operation_key, checkpoint)
        raise self.refusal(f"Shopify has no write for {command.kind}")

    async def reconcile(
        self, command: WriteCommand, *, operation_key: str, checkpoint: Checkpoint
    ) -> WriteOutcome | None:
        """Look at the store before re-sending a write whose outcome is unknown."""
        if isinstance(command, AdjustInventory):
            item, before = str(checkpoint["inventory_item_id"]), checkpoint.get("before")
            now = await self._level(item, command.location_id)
            if not self.adjust_applied(command, item, before, now):
                return None
            return stock_outcome(item, command.location_id, now)
        if isinstance(command, CancelOrder | CreateFulfillment | CreateRefund):
            return await self.orders.reconcile(command, operation_key, checkpoint)
        return None  # set stock, set price: absolute, so sending again is harmless

    # --- inventory and price -----------------------------------------------------------

    async def _inventory_item(self, variant_id: str) -> str:
        ctx = self.ctx("get_variant", variant_id)
        body = await self.read(f"variants/{_numeric(variant_id, ctx)}.json", {}, ctx)
        item = answer_field(body, "variant", ctx).get("inventory_item_id")
        if item is None:
            raise NotFoundError(f"Variant {variant_id} tracks no inventory", **ctx.where())
        return str(item)

    async def _level(self, item: str, location_id: str) -> int | None:
        ctx = self.ctx("get_inventory_level", item)
        params = {"inventory_item_ids": item, "location_ids": _numeric(location_id, ctx)}
        body = await self.read("inventory_levels.json", params, ctx)
        levels = body.get("inventory_levels") if isinstance(body, dict) else None
        for level in levels or []:
            if isinstance(level, dict) and str(level.get("location_id")) == location_id:
                available = level.get("available")
                return int(available) if available is not None else None
        return None

    async def _inventory(
        self, command: AdjustInventory | SetInventory, checkpoint: Checkpoint
    ) -> WriteOutcome:
        item = int(checkpoint["inventory_item_id"])
        location = int(command.location_id)
        if command.expected_available is not None:  # read, then write: see expect_stock
            self.expect_stock(command, str(item), await self._level(str(item), command.location_id))
        if isinstance(command, AdjustInventory):
            path, ctx = "inventory_levels/adjust.json", self.ctx("adjust_inventory", str(item))
            body: dict[str, Any] = {"available_adjustment": command.delta}
        else:
            path, ctx = "inventory_levels/set.json", self.ctx("set_inventory", str(item))
            body = {"available": command.available}
        body.update(location_id=location, inventory_item_id=item)
        response = await self.send_response("POST", path, body, ctx)
        level = answer_field(response.json(), "inventory_level", ctx)
        request_id = response.headers.get("X-Request-Id")
        return stock_outcome(str(item), command.location_id, level.get("available"), request_id)

    async def _price(self, command: UpdateVariantPrice) -> WriteOutcome:
        ctx = self.ctx("update_variant_price", command.variant_id)
        ident = int(_numeric(command.variant_id, ctx))
        variant: dict[str, Any] = {"id": ident, "price": command.price}
        if command.compare_at_price is not None:
            variant["compare_at_price"] = command.compare_at_price or None
        body = {"variant": variant}
        response = await self.send_response("PUT", f"variants/{ident}.json", body, ctx)
        saved = answer_field(response.json(), "variant", ctx)
        return WriteOutcome(
            {
                "variant_id": str(saved.get("id", ident)),
                "price": str(saved.get("price")),
                "compare_at_price": saved.get("compare_at_price"),
            },
            response.headers.get("X-Request-Id"),
        )


def _numeric(ident: str, ctx: CallContext) -> str:
    """Shopify ids are integers: anything else cannot exist there."""
    if not (ident.isascii() and ident.isdigit()):
        raise NotFoundError(f"No Shopify object with id {ident[:40]!r}", **ctx.where())
    return ident


_rest_writer = writer_factory(ShopifyWriter, ShopifyClient)


def create_writer(client: Any) -> ShopifyWriter | ShopifyGraphqlWriter:
    """The store's writer, by its client: Admin GraphQL mutations for a GraphQL client (the
    writer takes Shopify's idempotency keys and compare-and-swap), REST for a REST one."""
    if isinstance(client, ShopifyGraphqlClient):
        return ShopifyGraphqlWriter(client)
    return _rest_writer(client)
