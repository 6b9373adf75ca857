"""Pure mapping of Magento catalog and inventory payloads to canonical models.

Model: a configurable product is the canonical Product and its child simple products
(`configurable_product_links`) are its Variants; any other product (simple, virtual,
downloadable, bundle) is a Product with exactly one Variant: itself, same id. The
inventory item id of a variant is its SKU, which is how MSI keys stock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from platforms.canonical import (
    Address,
    InventoryLevel,
    Location,
    Platform,
    Product,
    ProductOption,
    ProductStatus,
    Variant,
)
from platforms.errors import PayloadError
from platforms.magento.mapping import common as cv

# The legacy single-source inventory keeps everything at the "default" source, which is
# also the code MSI gives that source, so ids stay stable when a store enables MSI.
DEFAULT_SOURCE_CODE = "default"
DEFAULT_SOURCE_NAME = "Default Source"

_STATUS = {1: ProductStatus.ACTIVE, 2: ProductStatus.DRAFT}


def is_configurable(payload: Mapping[str, Any]) -> bool:
    """True for a configurable parent product."""
    return payload.get("type_id") == "configurable"


def child_ids(payload: Mapping[str, Any]) -> list[str]:
    """Ids of a configurable product's children, in link order."""
    links = cv.as_list(
        cv.as_dict(payload.get("extension_attributes")).get("configurable_product_links")
    )
    return [str(link) for link in links if link is not None and not isinstance(link, bool)]


def _options(payload: Mapping[str, Any]) -> list[dict[str, Any]]:
    raw = cv.as_list(
        cv.as_dict(payload.get("extension_attributes")).get("configurable_product_options")
    )
    options = [cv.as_dict(option) for option in raw if cv.as_dict(option)]
    return sorted(options, key=lambda option: cv.to_int(option.get("position")))


def map_options(payload: Mapping[str, Any]) -> tuple[ProductOption, ...]:
    """`configurable_product_options` as canonical options; values are Magento option ids."""
    return tuple(
        ProductOption(
            name=cv.opt_str(option.get("label"))
            or cv.opt_str(option.get("attribute_id"))
            or "Option",
            values=tuple(
                str(cv.as_dict(value).get("value_index"))
                for value in cv.as_list(option.get("values"))
                if cv.as_dict(value).get("value_index") is not None
            ),
        )
        for option in _options(payload)
    )


def option_values(child: Mapping[str, Any], parent: Mapping[str, Any]) -> tuple[str, ...]:
    """The child's value for each of the parent's options, found in its custom_attributes.

    The option names its attribute by id and label only, so the attribute code is taken
    to be the label in snake case (how Magento derives codes), else any custom attribute
    whose value is one of the option's values.
    """
    found = []
    for option in map_options(parent):
        code = option.name.strip().lower().replace(" ", "_")
        value = cv.custom_attribute(child, code)
        if value is None:
            value = next(
                (
                    field.value
                    for field in cv.custom_fields(child)
                    if str(field.value) in option.values
                ),
                None,
            )
        if value is not None:
            found.append(str(value))
    return tuple(found)


def stock_levels(payload: Mapping[str, Any], store_id: str) -> tuple[InventoryLevel, ...] | None:
    """Legacy `extension_attributes.stock_item` as one level at the default source."""
    stock = cv.as_dict(cv.as_dict(payload.get("extension_attributes")).get("stock_item"))
    sku = cv.opt_str(payload.get("sku"))
    if not stock or sku is None:
        return None
    return (map_stock_item(stock, sku, store_id),)


def map_stock_item(stock: Mapping[str, Any], sku: str, store_id: str) -> InventoryLevel:
    """A legacy stock item (GET /V1/stockItems/{sku}) as the level at the default source."""
    managed = stock.get("manage_stock", True) is not False
    return InventoryLevel(
        store_id=store_id,
        platform=Platform.MAGENTO,
        external_id=f"{sku}:{DEFAULT_SOURCE_CODE}",
        inventory_item_id=sku,
        location_external_id=DEFAULT_SOURCE_CODE,
        # unmanaged stock has no meaningful quantity: say "unknown", not 0.
        available=cv.to_int(stock.get("qty")) if managed else None,
        raw=dict(stock),
    )


def map_variant(
    payload: Mapping[str, Any],
    store_id: str,
    currency: str,
    *,
    parent: Mapping[str, Any] | None = None,
    position: int | None = None,
    inline_stock: bool = False,
) -> Variant:
    """A Variant from a simple product payload (`parent` = its configurable, if any)."""
    data = dict(payload)
    external_id = cv.require_id(data, "id", "product")
    product_id = cv.require_id(parent, "id", "product") if parent is not None else external_id
    return cv.checked(
        lambda: Variant(
            store_id=store_id,
            platform=Platform.MAGENTO,
            external_id=external_id,
            product_external_id=product_id,
            title=cv.opt_str(data.get("name")) or cv.opt_str(data.get("sku")) or external_id,
            sku=cv.opt_str(data.get("sku")),
            price=cv.money(data.get("price"), currency),
            inventory_item_id=cv.opt_str(data.get("sku")),
            option_values=option_values(data, parent) if parent is not None else (),
            position=position,
            created_at=cv.parse_time(data.get("created_at")),
            updated_at=cv.parse_time(data.get("updated_at")),
            inline_inventory=stock_levels(data, store_id) if inline_stock else None,
            custom_fields=cv.custom_fields(data),
            raw=data,
        ),
        f"product {external_id}",
    )


def map_product(
    payload: Mapping[str, Any],
    store_id: str,
    currency: str,
    *,
    children: Mapping[str, Mapping[str, Any]] | None = None,
    inline_stock: bool = False,
) -> Product:
    """A Product; a configurable takes its variants from `children` (by id, link order),
    any other product type is its own single variant."""
    if not isinstance(payload, Mapping):
        raise PayloadError("Magento product is not a JSON object")
    data = dict(payload)
    external_id = cv.require_id(data, "id", "product")
    variants: tuple[Variant, ...]
    if is_configurable(data):
        kids = children or {}
        variants = tuple(
            map_variant(
                kids[cid], store_id, currency, parent=data, position=pos, inline_stock=inline_stock
            )
            # link positions, as get_variants gives them, even when some children are absent
            for pos, cid in enumerate(child_ids(data), start=1)
            if cid in kids
        )
    else:
        variants = (map_variant(data, store_id, currency, position=1, inline_stock=inline_stock),)
    return cv.checked(
        lambda: _product(data, store_id, external_id, variants), f"product {external_id}"
    )


def _product(
    data: dict[str, Any], store_id: str, external_id: str, variants: tuple[Variant, ...]
) -> Product:
    return Product(
        store_id=store_id,
        platform=Platform.MAGENTO,
        external_id=external_id,
        title=cv.opt_str(data.get("name")) or cv.opt_str(data.get("sku")) or external_id,
        handle=cv.opt_str(cv.custom_attribute(data, "url_key")),
        status=_STATUS.get(cv.to_int(data.get("status"), -1), ProductStatus.UNKNOWN),
        product_type=cv.opt_str(data.get("type_id")),
        options=map_options(data),
        variants=variants,
        created_at=cv.parse_time(data.get("created_at")),
        updated_at=cv.parse_time(data.get("updated_at")),
        custom_fields=cv.custom_fields(data),
        raw=data,
    )


def map_source_item(payload: Mapping[str, Any], store_id: str) -> InventoryLevel:
    """An MSI source item ({sku, source_code, quantity, status}) as an InventoryLevel."""
    data = dict(payload)
    sku = cv.require_id(data, "sku", "source item")
    source = cv.require_id(data, "source_code", "source item")
    return cv.checked(
        lambda: InventoryLevel(
            store_id=store_id,
            platform=Platform.MAGENTO,
            external_id=f"{sku}:{source}",
            inventory_item_id=sku,
            location_external_id=source,
            available=cv.to_int(data.get("quantity")),
            raw=data,
        ),
        f"source item {sku}",
    )


def map_source(payload: Mapping[str, Any], store_id: str) -> Location:
    """An MSI source as a Location (source_code is its id)."""
    data = dict(payload)
    code = cv.require_id(data, "source_code", "source")
    street = cv.opt_str(data.get("street"))
    has_address = any(data.get(k) for k in ("street", "city", "postcode", "country_id"))
    return cv.checked(
        lambda: Location(
            store_id=store_id,
            platform=Platform.MAGENTO,
            external_id=code,
            name=cv.opt_str(data.get("name")) or code,
            active=data.get("enabled", True) not in (False, 0, "0"),
            address=Address(
                address1=street,
                city=cv.opt_str(data.get("city")),
                province=cv.opt_str(data.get("region")),
                postal_code=cv.opt_str(data.get("postcode")),
                country_code=cv.opt_str(data.get("country_id")),
                phone=cv.opt_str(data.get("phone")),
            )
            if has_address
            else None,
            raw=data,
        ),
        f"source {code}",
    )


def default_location(store_id: str) -> Location:
    """The single location of a store without MSI (legacy CatalogInventory)."""
    return Location(
        store_id=store_id,
        platform=Platform.MAGENTO,
        external_id=DEFAULT_SOURCE_CODE,
        name=DEFAULT_SOURCE_NAME,
    )
