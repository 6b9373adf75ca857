"""The Mutation root: every write goes through the durable, idempotent write queue."""

from __future__ import annotations

import strawberry

from resolvers.inventory_mutations import InventoryMutations
from resolvers.order_mutations import OrderMutations
from resolvers.product_mutations import ProductMutations
from resolvers.replay_mutations import ReplayMutations
from resolvers.write_operations import WriteOperationMutations


@strawberry.type(
    description="Writes to the stores. Each is accepted as a durable operation applied exactly "
    "once per idempotency key; `wait: false` returns the queued operation at once."
)
class Mutation(
    InventoryMutations, ProductMutations, OrderMutations, WriteOperationMutations, ReplayMutations
):
    pass
