"""Admin GraphQL resolvers over the sandbox's catalog: Product, ProductVariant and metafields."""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from typing import Any

from platforms.shopify.sandbox.graphql_context import (
    Ctx,
    Obj,
    Payload,
    fixed,
    money_bag,
    resolves,
)
from platforms.shopify.sandbox.graphql_resolvers_inventory import item_obj
from platforms.shopify.sandbox.graphql_schema import gid
from platforms.shopify.sandbox.graphql_search import (
    Term,
    connection,
    encode_cursor,
    listed,
    search,
    time_key,
)

# The sandbox's metafields: derived from each product, so REST's seed stays byte-identical.
METAFIELD_ID_BASE = 27_100_000_000_000
MATERIALS = {"Apparel": "organic cotton", "Accessories": "recycled wool", "Home": "stoneware"}


def product_obj(product: Payload) -> Obj:
    return Obj("Product", product)


def variant_obj(variant: Payload) -> Obj:
    return Obj("ProductVariant", variant)


# --- products -------------------------------------------------------------------------

PRODUCT_TERMS = {
    "id": Term(lambda p: p["id"], "number"),
    "title": Term(lambda p: p["title"]),
    "handle": Term(lambda p: p["handle"]),
    "vendor": Term(lambda p: p["vendor"]),
    "product_type": Term(lambda p: p["product_type"]),
    "status": Term(lambda p: p["status"]),
    "sku": Term(lambda p: [v["sku"] for v in p["variants"]]),
    "barcode": Term(lambda p: [v["barcode"] for v in p["variants"]]),
    "tag": Term(lambda p: _tags(p.get("tags"))),
    "created_at": Term(lambda p: p["created_at"], "time"),
    "updated_at": Term(lambda p: p["updated_at"], "time"),
    "published_at": Term(lambda p: p.get("published_at"), "time"),
    "": Term(lambda p: [p["title"], *p["title"].split()]),
}
PRODUCT_SORTS: dict[str, Any] = {
    "ID": lambda p: p["id"],
    "TITLE": lambda p: p["title"].lower(),
    "PRODUCT_TYPE": lambda p: p["product_type"],
    "VENDOR": lambda p: p["vendor"],
    "CREATED_AT": lambda p: time_key(p["created_at"]),
    "UPDATED_AT": lambda p: time_key(p["updated_at"]),
    "PUBLISHED_AT": lambda p: time_key(p.get("published_at")),
    "INVENTORY_TOTAL": lambda p: sum(int(v["inventory_quantity"]) for v in p["variants"]),
}
VARIANT_TERMS = {
    "id": Term(lambda v: v["id"], "number"),
    "sku": Term(lambda v: v["sku"]),
    "barcode": Term(lambda v: v["barcode"]),
    "title": Term(lambda v: v["title"]),
    "product_id": Term(lambda v: v["product_id"], "number"),
    "inventory_quantity": Term(lambda v: v["inventory_quantity"], "number"),
    "created_at": Term(lambda v: v["created_at"], "time"),
    "updated_at": Term(lambda v: v["updated_at"], "time"),
    "": Term(lambda v: [v["sku"], v["title"]]),
}
VARIANT_SORTS: dict[str, Any] = {
    "ID": lambda v: v["id"],
    "SKU": lambda v: v["sku"] or "",
    "TITLE": lambda v: v["title"],
    "NAME": lambda v: v["title"],
    "FULL_TITLE": lambda v: v["title"],
    "POSITION": lambda v: v["position"],
    "INVENTORY_QUANTITY": lambda v: int(v["inventory_quantity"]),
}


def _tags(raw: Any) -> list[str]:
    return [t.strip() for t in str(raw or "").split(",") if t.strip()]


def sorted_by(sorts: dict[str, Any], args: dict[str, Any]) -> Any:
    """The sort function for a `sortKey` (ID when none; RELEVANCE and the rest sort by id)."""
    return sorts.get(str(args.get("sortKey") or "ID"), sorts["ID"])


@resolves("Product.variants")
def _variants(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    rows = [v for v in src.data["variants"] if search(args.get("query"), VARIANT_TERMS)(v)]
    sort = VARIANT_SORTS["POSITION"] if not args.get("sortKey") else sorted_by(VARIANT_SORTS, args)
    return connection(rows, args, sort, variant_obj)


@resolves("Product.tags", "Customer.tags", "Order.tags")
def _tag_list(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return _tags(src.data.get("tags"))


@resolves("Product.descriptionHtml", "Product.bodyHtml")
def _html(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return src.data.get("body_html") or ""


@resolves("Product.description")
def _description(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    text = re.sub(r"<[^>]+>", "", src.data.get("body_html") or "")
    limit = args.get("truncateAt")
    return text if not limit or len(text) <= limit else text[: max(0, limit - 3)] + "..."


@resolves("Product.options")
def _options(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    out = []
    for option in src.data.get("options", []):
        values = [
            {"id": gid("ProductOptionValue", option["id"] * 10 + i), "name": v, "hasVariants": True}
            for i, v in enumerate(option["values"], start=1)
        ]
        out.append({**option, "id": gid("ProductOption", option["id"]), "optionValues": values})
    return listed(out, args)


@resolves("Product.priceRangeV2", "Product.priceRange")
def _price_range(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    prices = [Decimal(v["price"]) for v in src.data["variants"]] or [Decimal(0)]
    currency = str(ctx.state.shop["currency"])
    low, high = money_bag(min(prices), currency), money_bag(max(prices), currency)
    return {"minVariantPrice": low["shopMoney"], "maxVariantPrice": high["shopMoney"]}


@resolves("Product.totalInventory")
def _total_inventory(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return sum(int(v["inventory_quantity"]) for v in src.data["variants"])


@resolves("Product.variantsCount", "Product.mediaCount")
def _counts(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return {"count": len(src.data["variants"]), "precision": "EXACT"}


PRODUCT_FIXED: dict[str, Any] = {
    "tracksInventory": True,
    "isGiftCard": False,
    "requiresSellingPlan": False,
    "hasVariantsThatRequiresComponents": False,
    "onlineStoreUrl": None,
    "featuredMedia": None,
}
fixed("Product", PRODUCT_FIXED)


@resolves("Product.hasOnlyDefaultVariant")
def _only_default(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    variants = src.data["variants"]
    return len(variants) == 1 and variants[0]["title"] == "Default Title"


@resolves("Product.hasOutOfStockVariants")
def _out_of_stock(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return any(int(v["inventory_quantity"]) <= 0 for v in src.data["variants"])


@resolves("Product.seo")
def _seo(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return {"title": None, "description": None}


@resolves("Product.defaultCursor", "ProductVariant.defaultCursor")
def _default_cursor(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return encode_cursor((src.data["id"], src.data["id"]))


# --- variants -------------------------------------------------------------------------


@resolves("ProductVariant.product")
def _variant_product(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return product_obj(ctx.products()[src.data["product_id"]])


@resolves("ProductVariant.inventoryItem")
def _variant_item(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return item_obj(src.data)


@resolves("ProductVariant.displayName")
def _display_name(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return f"{ctx.products()[src.data['product_id']]['title']} - {src.data['title']}"


@resolves("ProductVariant.selectedOptions")
def _selected(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    product = ctx.products()[src.data["product_id"]]
    out = []
    for n, option in enumerate(product.get("options", []), start=1):
        value = src.data.get(f"option{n}")
        index = option["values"].index(value) + 1 if value in option["values"] else 0
        ident = gid("ProductOptionValue", option["id"] * 10 + index)
        out.append(
            {
                "name": option["name"],
                "value": value,
                "optionValue": {"id": ident, "name": value, "hasVariants": True},
            }
        )
    return out


@resolves("ProductVariant.availableForSale")
def _for_sale(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    product = ctx.products()[src.data["product_id"]]
    stocked = int(src.data["inventory_quantity"]) > 0 or src.data["inventory_policy"] == "continue"
    return product["status"] == "active" and stocked


@resolves("ProductVariant.sellableOnlineQuantity")
def _sellable(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return max(0, int(src.data["inventory_quantity"]))


fixed("ProductVariant", {"requiresComponents": False, "showUnitPrice": False, "unitPrice": None})


# --- metafields -----------------------------------------------------------------------


def metafields_of(src: Obj, ctx: Ctx) -> list[Payload]:
    """The seeded metafields of a product (other owners have none)."""
    if src.kind != "Product":
        return []
    product = src.data
    grams = product["variants"][0]["grams"] if product["variants"] else 0
    values = [
        (
            "custom",
            "material",
            "single_line_text_field",
            MATERIALS.get(product["product_type"], "paper"),
        ),
        ("specs", "weight_grams", "number_integer", str(grams)),
    ]
    serial = product["id"] % 1_000_000
    return [
        {
            "id": METAFIELD_ID_BASE + serial * 10 + n,
            "namespace": ns,
            "key": key,
            "type": kind,
            "value": value,
            "created_at": product["created_at"],
            "updated_at": product["updated_at"],
            "owner_type": "PRODUCT",
            "owner": src,
        }
        for n, (ns, key, kind, value) in enumerate(values, start=1)
    ]


@resolves("Product.metafields", "ProductVariant.metafields", "Location.metafields")
def _metafields(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    rows = metafields_of(src, ctx)
    if args.get("namespace"):
        rows = [m for m in rows if m["namespace"] == args["namespace"]]
    if args.get("keys"):
        rows = [m for m in rows if f"{m['namespace']}.{m['key']}" in args["keys"]]
    return connection(rows, args, lambda m: m["id"], lambda m: Obj("Metafield", m))


@resolves("Product.metafield", "ProductVariant.metafield", "Location.metafield")
def _metafield(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    namespace = args.get("namespace") or "custom"
    key = str(args.get("key"))
    if "." in key and not args.get("namespace"):
        namespace, key = key.split(".", 1)
    found = [m for m in metafields_of(src, ctx) if (m["namespace"], m["key"]) == (namespace, key)]
    return Obj("Metafield", found[0]) if found else None


@resolves("Metafield.jsonValue")
def _json_value(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    value = src.data["value"]
    return int(value) if src.data["type"] == "number_integer" else value


@resolves("Metafield.compareDigest")
def _digest(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    body = json.dumps([src.data["value"], src.data["updated_at"]]).encode()
    return hashlib.sha256(body).hexdigest()


@resolves("Metafield.sizeInBytes")
def _size(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return len(str(src.data["value"]).encode())


@resolves("Metafield.definition", "Metafield.reference")
def _none(src: Obj, ctx: Ctx, args: dict[str, Any]) -> Any:
    return None
