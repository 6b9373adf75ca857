"""Who is asking: the caller's identity, the stores it may see and the scopes it holds."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from enum import StrEnum


class Scope(StrEnum):
    """What a credential may do. `admin` implies every other scope."""

    READ = "read"  # orders, products, inventory, stores
    READ_CUSTOMERS = "read:customers"  # customers and personal data on orders
    WRITE_INVENTORY = "write:inventory"
    WRITE_PRICES = "write:prices"
    WRITE_ORDERS = "write:orders"  # cancel, fulfil, refund
    EVENTS = "events"  # subscriptions and the event feed's status
    ADMIN = "admin"  # replay writes, every caller's write history


ALL_SCOPES = frozenset(Scope)


def parse_scopes(text: str | list[str]) -> frozenset[Scope]:
    """'read,write:inventory' (or a list) into scopes; ValueError names an unknown one."""
    names = text.split(",") if isinstance(text, str) else text
    out: set[Scope] = set()
    for raw in names:
        name = raw.strip()
        if not name:
            continue
        try:
            out.add(Scope(name))
        except ValueError:
            known = ", ".join(s.value for s in Scope)
            raise ValueError(f"unknown scope {name!r} (known: {known})") from None
    return frozenset(out)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller. `store_ids` None means every configured store."""

    name: str
    key_id: str | None = None  # recorded on writes; the unit of per-caller budgets
    store_ids: frozenset[str] | None = None
    scopes: frozenset[Scope] = ALL_SCOPES
    # when the credential stops being valid (a JWT's exp); open sockets are closed then.
    expires_at: float | None = None

    @property
    def identity(self) -> str:
        """A stable, non-secret id for budgets, fairness and write records."""
        return self.key_id or self.name

    def has(self, scope: Scope) -> bool:
        """Whether the caller holds `scope` (admin holds all)."""
        return scope in self.scopes or Scope.ADMIN in self.scopes

    def sees_store(self, store_id: str) -> bool:
        """Whether `store_id` is inside the caller's stores."""
        return self.store_ids is None or store_id in self.store_ids


# auth off (`[auth] mode = "off"`, tests of other features): one caller with every right.
ANONYMOUS = Principal(name="anonymous")

# The caller of the request being served, for code below the resolvers (rate-limit fairness,
# logs) that has no GraphQL context to read it from. Set by the app per request.
current_principal: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "cartgraph_principal", default=None
)
