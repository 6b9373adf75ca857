"""Admin GraphQL resolvers over the sandbox's stock: inventory items, levels, locations."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from graphql import GraphQLError

from platforms.shopify.sandbox.graphql_context import Ctx, Obj, Payload, fixed, money_bag, resolves
from platforms.shopify.sandbox.graphql_schema import gid, gid_number
from platforms.shopify.sandbox.graphql_search import Term, connection

QUANTITY_NAMES = (
    *("available", "on_hand", "committed", "incoming", "reserved"),
    *("damaged", "quality_control", "safety_stock"),
)


def item_obj(variant: Payload) -> Obj:
    """An inventory item: REST serves it apart; the sandbox keeps it on its variant."""
    item = variant["inventory_item_id"]
    data = {
        "id": item,
        "admin_graphql_api_id": gid("InventoryItem", item),
        "sku": variant["sku"],
        "tracked": variant.get("inventory_management") == "shopify",
        "requires_shipping": variant.get("requires_shipping", True),
        "created_at": variant["created_at"],
        "updated_at": variant["updated_at"],
    }
    return Obj("InventoryItem", data, variant)


def location_obj(location: Payload) -> Obj:
    return Obj("Location", location)


def level_obj(level: Payload) -> Obj:
    return Obj("InventoryLevel", level)


ITEM_TERMS = {
    "id": Term(lambda v: v["inventory_item_id"], "number"),
    "sku": Term(lambda v: v["sku"]),
    "created_at": Term(lambda v: v["created_at"], "time"),
    "updated_at": Term(lambda v: v["updated_at"], "time"),
}


# --- inventory items and levels -----------------------------------------------------


@resolves("InventoryItem.inventoryLevels")
def _item_levels(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    levels = _active(ctx, ctx.levels_of_item(src.data["id"]), args)
    return connection(levels, args, lambda lv: lv["location_id"], level_obj, _level_id)


@resolves("InventoryItem.inventoryLevel")
def _item_level(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    location = gid_number(args.get("locationId"), "Location")
    level = ctx.state.inventory_levels.get((src.data["id"], location or 0))
    return level_obj(level) if level is not None else None


@resolves("InventoryItem.variant")
def _item_variant(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return Obj("ProductVariant", ctx.variant_of_item()[src.data["id"]])


@resolves("InventoryItem.variants")
def _item_variants(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return connection(
        [ctx.variant_of_item()[src.data["id"]]],
        args,
        lambda v: v["id"],
        lambda v: Obj("ProductVariant", v),
    )


@resolves("InventoryItem.locationsCount")
def _item_locations(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return {"count": len(ctx.levels_of_item(src.data["id"])), "precision": "EXACT"}


@resolves("InventoryItem.measurement")
def _measurement(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    variant = src.parent or {}
    weight = {"value": float(variant.get("grams", 0)), "unit": "GRAMS"}
    return {"id": gid("InventoryItemMeasurement", src.data["id"]), "weight": weight}


@resolves("InventoryItem.unitCost")
def _unit_cost(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    price = Decimal((src.parent or {}).get("price") or 0)
    return money_bag(price * Decimal("0.4"), str(ctx.state.shop["currency"]))["shopMoney"]


fixed("InventoryItem", {"duplicateSkuCount": 0, "countryCodeOfOrigin": None})


def _level_id(level: Payload) -> int:
    return int(level["location_id"])


def _active(ctx: Ctx, levels: list[Payload], args: dict[str, Any]) -> list[Payload]:
    """Levels at active locations only, unless `includeInactive` (Shopify's default)."""
    if args.get("includeInactive"):
        return levels
    active = {loc["id"] for loc in ctx.state.locations if loc.get("active", True)}
    return [level for level in levels if level["location_id"] in active]


def quantity(ctx: Ctx, level: Payload, name: str) -> int:
    """One named quantity of a level: REST keeps `available`; committed follows open orders;
    on_hand is what is in the building (available + committed + reserved)."""
    available = int(level.get("available") or 0)
    committed = ctx.committed(int(level["inventory_item_id"]), int(level["location_id"]))
    values = {"available": available, "committed": committed, "on_hand": available + committed}
    return values.get(name, 0)


@resolves("InventoryLevel.quantities")
def _quantities(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    names = list(args.get("names") or [])
    unknown = [n for n in names if n not in QUANTITY_NAMES]
    if unknown:
        raise GraphQLError(f"Invalid quantity names: {', '.join(unknown)}")
    item, loc = src.data["inventory_item_id"], src.data["location_id"]
    return [
        {
            "id": gid("InventoryQuantity", loc, f"inventory_item_id={item}&name={name}"),
            "name": name,
            "quantity": quantity(ctx, src.data, name),
            "updatedAt": src.data["updated_at"],
        }
        for name in names
    ]


@resolves("InventoryLevel.item")
def _level_item(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return item_obj(ctx.variant_of_item()[src.data["inventory_item_id"]])


@resolves("InventoryLevel.location")
def _level_location(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return location_obj(ctx.locations()[src.data["location_id"]])


@resolves("InventoryLevel.createdAt")
def _level_created(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return ctx.variant_of_item()[src.data["inventory_item_id"]]["created_at"]


fixed("InventoryLevel", {"isActive": True, "canDeactivate": True, "deactivationAlert": None})


# --- locations ------------------------------------------------------------------------


@resolves("Location.isActive")
def _location_active(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return bool(src.data.get("active", True))


@resolves("Location.address")
def _location_address(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    loc = src.data
    area = f"{loc['city']} {loc.get('province_code') or ''} {loc['zip']}".strip()
    lines = [loc["address1"], loc.get("address2"), area, loc.get("country_name")]
    return {
        **{k: loc.get(k) for k in ("address1", "address2", "city", "province", "zip", "phone")},
        "country": loc.get("country_name"),
        "countryCode": loc.get("country_code"),
        "provinceCode": loc.get("province_code"),
        "formatted": [line for line in lines if line],
        "latitude": None,
        "longitude": None,
    }


@resolves("Location.inventoryLevels")
def _location_levels(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    levels = [lv for (_, loc), lv in ctx.state.inventory_levels.items() if loc == src.data["id"]]
    return connection(
        levels,
        args,
        lambda lv: lv["inventory_item_id"],
        level_obj,
        lambda lv: lv["inventory_item_id"],
    )


@resolves("Location.inventoryLevel")
def _location_level(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    item = gid_number(args.get("inventoryItemId"), "InventoryItem")
    level = ctx.state.inventory_levels.get((item or 0, src.data["id"]))
    return level_obj(level) if level is not None else None


@resolves("Location.deactivatedAt")
def _deactivated(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return None if src.data.get("active", True) else src.data["updated_at"]


@resolves("Location.activatable", "Location.deactivatable")
def _switchable(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return True


LOCATION_FIXED = {
    "fulfillsOnlineOrders": True,
    "hasActiveInventory": True,
    "shipsInventory": True,
    "isFulfillmentService": False,
    "deletable": False,
    "addressVerified": True,
    "fulfillmentService": None,
}
fixed("Location", LOCATION_FIXED)


@resolves("Location.hasUnfulfilledOrders")
def _unfulfilled(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return bool(ctx.state.locations) and ctx.state.locations[0]["id"] == src.data["id"]


LOCATION_TERMS = {
    "id": Term(lambda loc: loc["id"], "number"),
    "name": Term(lambda loc: loc["name"]),
    "active": Term(lambda loc: loc.get("active", True), "bool"),
    "": Term(lambda loc: [loc["name"], *loc["name"].split()]),
}
