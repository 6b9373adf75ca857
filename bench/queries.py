"""The benchmark's fixed query set: GraphQL documents and the variables each row sends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NESTED = """query Nested($storeIds: [ID!], $first: Int) {
  orders(storeIds: $storeIds, first: $first) {
    edges { node {
      id number totalPrice { amount currencyCode }
      lineItems { quantity variant { id sku inventoryItemId product { id title }
        inventoryLevels { available location { name } } } }
    } }
  }
}"""

CATALOGUE = """query Catalogue($storeIds: [ID!], $first: Int) {
  products(storeIds: $storeIds, first: $first) {
    edges { node { id title variants { id sku price { amount currencyCode } } } }
    pageInfo { hasNextPage endCursor }
  }
}"""

MULTI_STORE = """query MultiStore($storeIds: [ID!], $first: Int) {
  orders(storeIds: $storeIds, first: $first) {
    edges { node { id number storeId updatedAt totalPrice { amount currencyCode } } }
    pageInfo { hasNextPage endCursor }
  }
}"""

ENTITIES = """query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Order { id number totalPrice { amount currencyCode } }
  }
}"""

ORDER_IDS = """query OrderIds($storeIds: [ID!], $first: Int) {
  orders(storeIds: $storeIds, first: $first) { edges { node { id } } }
}"""

BACKFILL = """query Backfill($storeIds: [ID!], $first: Int, $after: String) {
  orders(storeIds: $storeIds, first: $first, after: $after) {
    edges { node { id updatedAt } }
    pageInfo { hasNextPage endCursor }
  }
}"""


REST_SUFFIX = "-rest"  # a platform read through its legacy API too: "shopify-rest"


@dataclass(frozen=True)
class Row:
    """One benchmark row: a named query against some stores, with fixed variables."""

    query: str  # "nested", "catalogue", "multi-store", "entities"
    platform: str  # a platform name (+ REST_SUFFIX for a second API), or "all" (multi-store)
    store_ids: tuple[str, ...]
    document: str
    variables: dict[str, Any]

    @property
    def label(self) -> str:
        """How the row is named in tables."""
        return f"{self.query} ({self.platform})"


def read_rows(
    read_stores: dict[str, str], page: int, entity_ids: dict[str, list[str]]
) -> list[Row]:
    """Every row for the read stores ({store id: platform}), in table order."""
    rows: list[Row] = []
    for query, document in (("nested", NESTED), ("catalogue", CATALOGUE)):
        for store_id, platform in read_stores.items():
            variables = {"storeIds": [store_id], "first": page}
            rows.append(Row(query, platform, (store_id,), document, variables))
    # one store per platform, through its default API: the fan-out, not the API again
    every = tuple(s for s, p in read_stores.items() if not p.endswith(REST_SUFFIX))
    multi = {"storeIds": list(every), "first": page}
    rows.append(Row("multi-store", "all", every, MULTI_STORE, multi))
    for store_id, platform in read_stores.items():
        reps = [{"__typename": "Order", "id": gid} for gid in entity_ids[store_id]]
        rows.append(Row("entities", platform, (store_id,), ENTITIES, {"representations": reps}))
    return rows
