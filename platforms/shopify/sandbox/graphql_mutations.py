"""Sandbox stock and price mutations, and Shopify's `@idempotent(key:)` rules."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError
from graphql.execution.values import get_directive_values

from platforms.shopify.sandbox.graphql_context import Ctx, Obj, Payload, resolves
from platforms.shopify.sandbox.graphql_resolvers_inventory import item_obj, location_obj, quantity
from platforms.shopify.sandbox.graphql_schema import (
    admin_schema,
    gid,
    gid_number,
    idempotent_mutations,
)
from platforms.shopify.sandbox.writes_common import Unprocessable, money_field, now

Mutation = Callable[[Ctx, dict[str, Any]], Payload]
REASONS = frozenset(
    {
        *("correction", "cycle_count_available", "damaged", "movement_created", "other"),
        *("movement_updated", "movement_received", "movement_canceled", "promotion"),
        *("quality_control", "received", "reservation_created", "reservation_deleted"),
        *("reservation_updated", "restock", "safety_stock", "shrinkage"),
    }
)
MISSING_KEY = "The @idempotent directive is required for this mutation but was not provided."
BLANK_KEY = "The idempotency key cannot be an empty string or whitespace only."
GROUP_ID_BASE = 8_800_000_000_000


@dataclass(frozen=True)
class Remembered:
    """What the first request with an idempotency key asked and answered."""

    fingerprint: str
    answer: Payload


def mutation(name: str, errors_type: str = "") -> Callable[[Mutation], Mutation]:
    """Register `Mutation.name`, with Shopify's idempotency: a required key must be there; the
    same key and input answer the first result again without a second effect; the same key
    with other input is refused (IDEMPOTENCY_KEY_PARAMETER_MISMATCH)."""

    def register(fn: Mutation) -> Mutation:
        def resolve(src: Any, ctx: Ctx, args: dict[str, Any]) -> Any:
            key = _key(ctx, name)
            if key is None:
                answer = fn(ctx, args)
                ctx.forget()
                return answer
            store: dict[tuple[str, str], Remembered] = ctx.extras.setdefault("idempotency", {})
            fingerprint = json.dumps(args, sort_keys=True, default=str)
            first = store.get((name, key))
            if first is not None:
                if first.fingerprint == fingerprint:
                    return first.answer
                return {
                    "userErrors": [user_error(errors_type, "IDEMPOTENCY_KEY_PARAMETER_MISMATCH")]
                }
            answer = fn(ctx, args)
            ctx.forget()
            store[(name, key)] = Remembered(fingerprint, answer)
            return answer

        resolves(f"Mutation.{name}")(resolve)
        return fn

    return register


def _key(ctx: Ctx, name: str) -> str | None:
    """The request's idempotency key; the errors Shopify gives for a missing or blank one."""
    info = ctx.info
    directive = admin_schema().get_directive("idempotent")
    assert directive is not None and info is not None
    values = get_directive_values(directive, info.field_nodes[0], info.variable_values)
    key = None if values is None else values.get("key")
    if key is None:
        if name in idempotent_mutations():
            raise GraphQLError(MISSING_KEY, extensions={"code": "BAD_REQUEST"})
        return None
    if not str(key).strip():
        raise GraphQLError(BLANK_KEY, extensions={"code": "BAD_REQUEST"})
    return str(key)


def user_error(errors_type: str, code: str, field: list[str] | None = None) -> Payload:
    """A userError whose message is the schema's own description of its code."""
    enum = admin_schema().get_type(f"{errors_type}Code") if errors_type else None
    value = getattr(enum, "values", {}).get(code)
    message = value.description if value is not None and value.description else code
    return {"field": field, "message": message, "code": code}


# --- inventory ------------------------------------------------------------------------


def _require_change_from(rows: list[Payload], input_type: str) -> None:
    """Since 2026-04 every row must name `changeFromQuantity` (null opts out of the check)."""
    if any("changeFromQuantity" not in row for row in rows):
        raise GraphQLError(
            f"{input_type} must include the following argument: changeFromQuantity.",
            extensions={"code": "INVALID_FIELD_ARGUMENTS"},
        )


def _levels(
    ctx: Ctx, rows: list[Payload], path: str, errors_type: str
) -> tuple[list[Any], list[Payload]]:
    """(level of each row, userErrors) for rows naming an inventory item and a location."""
    levels, errors = [], []
    for n, row in enumerate(rows):
        item = gid_number(row.get("inventoryItemId"), "InventoryItem")
        loc = gid_number(row.get("locationId"), "Location")
        where = ["input", path, str(n)]
        if item is None or item not in ctx.variant_of_item():
            errors.append(
                user_error(errors_type, "INVALID_INVENTORY_ITEM", [*where, "inventoryItemId"])
            )
        elif (item, loc or 0) not in ctx.state.inventory_levels:  # no such location, or unstocked
            errors.append(user_error(errors_type, "INVALID_LOCATION", [*where, "locationId"]))
        levels.append(ctx.state.inventory_levels.get((item or 0, loc or 0)))
    return levels, errors


def _stale(
    ctx: Ctx, rows: list[Payload], levels: list[Any], name: str, path: str, errors_type: str
) -> list[Payload]:
    """Compare-and-swap: a row whose `changeFromQuantity` is not what is stored now."""
    return [
        user_error(
            errors_type, "CHANGE_FROM_QUANTITY_STALE", ["input", path, str(n), "changeFromQuantity"]
        )
        for n, (row, level) in enumerate(zip(rows, levels, strict=True))
        if row.get("changeFromQuantity") is not None
        and int(row["changeFromQuantity"]) != quantity(ctx, level, name)
    ]


def _group(ctx: Ctx, args: Payload, changes: list[Payload]) -> Payload:
    return {
        "id": gid("InventoryAdjustmentGroup", GROUP_ID_BASE + ctx.next_number("group")),
        "createdAt": now(),
        "reason": args["reason"],
        "referenceDocumentUri": args.get("referenceDocumentUri"),
        "changes": changes,
        "app": None,
        "staffMember": None,
    }


def _changes(ctx: Ctx, level: Payload, delta: int, names: tuple[str, ...]) -> list[Payload]:
    variant = ctx.variant_of_item()[level["inventory_item_id"]]
    location = ctx.locations()[level["location_id"]]
    return [
        {
            "name": name,
            "delta": delta,
            "quantityAfterChange": quantity(ctx, level, name),
            "item": item_obj(variant),
            "location": location_obj(location),
            "ledgerDocumentUri": None,
        }
        for name in names
    ]


@mutation("inventoryAdjustQuantities", "InventoryAdjustQuantitiesUserError")
def _adjust(ctx: Ctx, args: dict[str, Any]) -> Payload:
    data, errors_type = args["input"], "InventoryAdjustQuantitiesUserError"
    rows = data["changes"]
    _require_change_from(rows, "InventoryChangeInput")
    levels, errors = _levels(ctx, rows, "changes", errors_type)
    if data["name"] != "available":  # the sandbox keeps available (on_hand follows it)
        errors.append(user_error(errors_type, "INVALID_QUANTITY_NAME", ["input", "name"]))
    if data["reason"] not in REASONS:
        errors.append(user_error(errors_type, "INVALID_REASON", ["input", "reason"]))
    errors = errors or _stale(ctx, rows, levels, data["name"], "changes", errors_type)
    if errors:
        return {"inventoryAdjustmentGroup": None, "userErrors": errors}
    changes: list[Payload] = []
    for row, level in zip(rows, levels, strict=True):
        ctx.writes.set_available(level, int(level["available"] or 0) + int(row["delta"]))
        ctx.forget()
        ctx.applied.append(f"adjust:{level['inventory_item_id']}:{level['location_id']}")
        changes += _changes(ctx, level, int(row["delta"]), ("available", "on_hand"))
    return {"inventoryAdjustmentGroup": _group(ctx, data, changes), "userErrors": []}


@mutation("inventorySetQuantities", "InventorySetQuantitiesUserError")
def _set(ctx: Ctx, args: dict[str, Any]) -> Payload:
    data, errors_type = args["input"], "InventorySetQuantitiesUserError"
    rows = data["quantities"]
    _require_change_from(rows, "InventoryQuantityInput")
    levels, errors = _levels(ctx, rows, "quantities", errors_type)
    if data["name"] not in ("available", "on_hand"):
        errors.append(user_error(errors_type, "INVALID_NAME", ["input", "name"]))
    if data["reason"] not in REASONS:
        errors.append(user_error(errors_type, "INVALID_REASON", ["input", "reason"]))
    errors = errors or _stale(ctx, rows, levels, data["name"], "quantities", errors_type)
    if errors:
        return {"inventoryAdjustmentGroup": None, "userErrors": errors}
    changes: list[Payload] = []
    for row, level in zip(rows, levels, strict=True):
        before = quantity(ctx, level, data["name"])
        # on_hand = available + committed: setting on_hand moves available by the difference
        target = int(row["quantity"]) - (before - int(level["available"] or 0))
        ctx.writes.set_available(level, target)
        ctx.forget()
        ctx.applied.append(f"set:{level['inventory_item_id']}:{level['location_id']}")
        changes += _changes(ctx, level, int(row["quantity"]) - before, ("available", "on_hand"))
    return {"inventoryAdjustmentGroup": _group(ctx, data, changes), "userErrors": []}


@resolves("InventoryAdjustmentGroup.changes")
def _group_changes(src: Payload, ctx: Ctx, args: dict[str, Any]) -> Any:
    items, locs = args.get("inventoryItemIds"), args.get("locationIds")
    names = args.get("quantityNames")
    return [
        change
        for change in src["changes"]
        if (not names or change["name"] in names)
        and (not items or change["item"].data["admin_graphql_api_id"] in items)
        and (not locs or change["location"].data["admin_graphql_api_id"] in locs)
    ]


# --- prices ---------------------------------------------------------------------------


PRICE_FIELDS = (("price", "price"), ("compareAtPrice", "compare_at_price"))


@mutation("productVariantsBulkUpdate", "ProductVariantsBulkUpdateUserError")
def _variants_update(ctx: Ctx, args: dict[str, Any]) -> Payload:
    errors_type = "ProductVariantsBulkUpdateUserError"
    product = ctx.products().get(gid_number(args["productId"], "Product") or 0)
    if product is None:
        missing = user_error(errors_type, "PRODUCT_DOES_NOT_EXIST", ["productId"])
        return {"product": None, "productVariants": None, "userErrors": [missing]}
    planned, errors = _price_changes(product, args["variants"], errors_type)
    if errors:  # nothing is written unless every row is valid
        return {"product": Obj("Product", product), "productVariants": None, "userErrors": errors}
    updated = []
    for variant, changes in planned:
        ctx.writes.apply_variant(variant, changes)
        ctx.applied.append(f"variant:{variant['id']}")
        updated.append(Obj("ProductVariant", variant))
    return {"product": Obj("Product", product), "productVariants": updated, "userErrors": []}


def _price_changes(
    product: Payload, rows: list[Payload], errors_type: str
) -> tuple[list[tuple[Payload, Payload]], list[Payload]]:
    """(variant, REST-named changes) per row, and the userErrors of rows that cannot apply."""
    mine = {v["id"]: v for v in product["variants"]}
    planned, errors = [], []
    for n, row in enumerate(rows):
        variant = mine.get(gid_number(row.get("id"), "ProductVariant") or 0)
        if variant is None:
            where = ["variants", str(n), "id"]
            errors.append(user_error(errors_type, "PRODUCT_VARIANT_DOES_NOT_EXIST", where))
            continue
        changes = {rest: row[gql] for gql, rest in PRICE_FIELDS if gql in row}
        for gql, rest in PRICE_FIELDS:
            try:
                if rest in changes:
                    money_field(changes[rest], rest, nullable=rest != "price")
            except Unprocessable as exc:
                message = f"{gql} {next(iter(exc.body['errors'].values()))[0]}"
                code = "GREATER_THAN_OR_EQUAL_TO" if "greater" in message else "INVALID_INPUT"
                errors.append(
                    {"field": ["variants", str(n), gql], "message": message, "code": code}
                )
        planned.append((variant, changes))
    return planned, errors
