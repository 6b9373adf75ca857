"""The per-request context: who is asking, which stores they may see, and their loaders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError

from gateway.auth.principal import Principal
from gateway.stores import StoreHandle, StoreRegistry
from platforms.errors import CartgraphError, StoreNotFoundError
from resolvers.loaders import Loaders

if TYPE_CHECKING:
    from gateway.telemetry.hub import Telemetry


@dataclass(frozen=True)
class Limits:
    """Request-shaping limits from the gateway settings."""

    max_page_size: int = 100
    default_page_size: int = 50
    # [privacy] customer_raw: False empties Customer.raw (personal data) for every caller.
    customer_raw: bool = True


@dataclass
class RequestContext:
    """Everything a resolver may use. Resolvers and loaders never reach a store outside scope."""

    registry: StoreRegistry
    principal: Principal
    limits: Limits = field(default_factory=Limits)
    request: Any = None
    # graphql-ws / graphql-transport-ws `connection_init` payload (Strawberry sets it).
    connection_params: Any = None
    partial_errors: list[GraphQLError] = field(default_factory=list)
    # the app's metrics and tracer (gateway.telemetry.graphql); None: a schema run bare
    telemetry: Telemetry | None = None

    def __post_init__(self) -> None:
        self.loaders = Loaders(self)

    @property
    def visible_store_ids(self) -> list[str]:
        """Stores this caller may see, in config order."""
        allowed = self.principal.store_ids
        return [s for s in self.registry.store_ids if allowed is None or s in allowed]

    def store(self, store_id: str) -> StoreHandle:
        """The store's handle if the caller may see it; an unseen store looks unknown."""
        allowed = self.principal.store_ids
        if allowed is not None and store_id not in allowed:
            raise StoreNotFoundError(f"Unknown store {store_id!r}", store_id=store_id)
        return self.registry.get(store_id)

    def stores(self, requested: Sequence[str] | None) -> list[StoreHandle]:
        """Handles for the requested stores (all visible ones when None), validated."""
        ids = self.visible_store_ids if requested is None else list(dict.fromkeys(requested))
        return [self.store(s) for s in ids]

    def add_partial_error(self, error: CartgraphError, path: Sequence[str | int]) -> None:
        """Report a failure that did not stop the field from answering (e.g. one store of many)."""
        self.partial_errors.append(
            GraphQLError(str(error.message), path=list(path), extensions=error.extensions())
        )
