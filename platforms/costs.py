"""Upstream call formulas per read operation, as data a platform's spec declares."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Read(StrEnum):
    """The reads a GraphQL request can cause, in the terms the call formulas are stated in."""

    LIST_ORDERS = "list_orders"  # keys = orders on the page
    LIST_PRODUCTS = "list_products"
    LIST_CUSTOMERS = "list_customers"
    ORDERS = "orders"  # by id
    PRODUCTS = "products"
    VARIANTS = "variants"  # with the parent product known (order lines)
    VARIANTS_UNHINTED = "variants_unhinted"  # by variant id alone (variantIds, variant(id))
    INVENTORY = "inventory"  # keys = inventory items
    LOCATIONS = "locations"  # once per store and request
    CUSTOMERS = "customers"
    FULFILLMENTS = "fulfillments"  # keys = orders
    REFUNDS = "refunds"  # keys = orders
    TAX_LINES = "tax_lines"  # keys = orders, where taxes are a sub-resource (TaxLineReads)
    WRITE = "write"  # one mutation


@dataclass(frozen=True)
class Batch:
    """Calls for `n` keys of one batch: `fixed + ceil(n / per_call) + per_key * n` (0 for none).

    `per_call` None means the batch has no batched request (only `fixed` and `per_key`).
    """

    per_call: int | None = None
    per_key: float = 0.0
    fixed: int = 0

    def calls(self, keys: int) -> int:
        """Upper bound of upstream calls for one batch of `keys` keys."""
        if keys <= 0:
            return 0
        batched = math.ceil(keys / self.per_call) if self.per_call else 0
        return self.fixed + batched + math.ceil(self.per_key * keys)


FREE = Batch()
# A platform that states nothing is charged one call per object: safe, if pessimistic.
ONE_PER_KEY = Batch(per_key=1)
# reads that cost nothing unless a platform states otherwise: tax lines ride in the order's
# own payload except where a platform lists them apart (BigCommerce V2)
UNSTATED = {Read.TAX_LINES: FREE}


def _default_formulas() -> dict[Read, Batch]:
    return {
        Read.LIST_ORDERS: Batch(per_call=50),
        Read.LIST_PRODUCTS: Batch(per_call=50),
        Read.LIST_CUSTOMERS: Batch(per_call=50),
        Read.LOCATIONS: Batch(fixed=1),
        Read.WRITE: Batch(per_key=4),
    }


@dataclass(frozen=True)
class CallCosts:
    """A platform's upstream calls per read; what it omits costs one call per key (but
    the UNSTATED reads)."""

    formulas: Mapping[Read, Batch] = field(default_factory=_default_formulas)

    def calls(self, read: Read, keys: int) -> int:
        """Upper bound of calls for one batch of `keys` keys of `read`."""
        return self.formulas.get(read, UNSTATED.get(read, ONE_PER_KEY)).calls(keys)
