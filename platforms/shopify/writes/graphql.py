"""Admin GraphQL mutations as data, Shopify's idempotency keys, and their one-shot send."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from platforms.cost_bucket import PointsBucket
from platforms.errors import PayloadError, UpstreamUnavailableError
from platforms.http import CallContext, Request
from platforms.shopify.client_graphql import ShopifyGraphqlClient
from platforms.shopify.cost import MUTATION
from platforms.shopify.documents import Field
from platforms.shopify.documents import query as document
from platforms.shopify.mapping.graphql_people import FULFILLMENT, REFUND
from platforms.writes.commands import WriteRefusedError

log = logging.getLogger("cartgraph.writes")

# The payload fields that hold a mutation's refusals: `userErrors` everywhere, plus the
# typed list some mutations answer instead (orderCancel's `orderCancelUserErrors`).
ERROR_LISTS = ("userErrors", "orderCancelUserErrors")
USER_ERRORS = "userErrors { field message }"
KEY_PREFIX = "cartgraph-"
KEY = "idempotency_key"  # where a checkpoint keeps the key every send of it carries
# another request with the same key is still running: the write may yet be applied
IN_PROGRESS = "IDEMPOTENCY_CONCURRENT_REQUEST"


@dataclass(frozen=True)
class Mutation:
    """One root mutation field: its variables (name, type), selection, and whether Shopify's
    schema documents `@idempotent(key:)` for it (2026-10: the inventory quantity mutations and
    `refundCreate`; required on them since 2026-04)."""

    field: str
    variables: tuple[tuple[str, str], ...]
    selection: str
    keyed: bool = False

    @property
    def text(self) -> str:
        """The document as sent: named after its field, the key a variable of its own."""
        declared = [f"${name}: {kind}" for name, kind in self.variables]
        args = ", ".join(f"{name}: ${name}" for name, _ in self.variables)
        directive = ""
        if self.keyed:
            declared.append("$idempotencyKey: String!")
            directive = " @idempotent(key: $idempotencyKey)"
        head = f"mutation {self.field[0].upper()}{self.field[1:]}({', '.join(declared)})"
        return f"{head} {{ {self.field}({args}){directive} {{ {self.selection} }} }}"


def shopify_key(operation_key: str, nonce: str = "") -> str:
    """The `@idempotent(key:)` of a write operation: a digest of its operation key and the
    checkpoint's nonce (fixed length whatever the caller's key)."""
    digest = hashlib.sha256(f"{operation_key}\n{nonce}".encode()).hexdigest()
    return KEY_PREFIX + digest[:40]


def new_key(operation_key: str) -> str:
    """A key for a fresh checkpoint. Every send of that checkpoint carries it, so a re-send
    after a crash or a lost answer is one Shopify already knows; a replay after a refusal
    prepares again and gets a new one (Shopify answers a known key with its first result,
    the refusal included)."""
    return shopify_key(operation_key, secrets.token_hex(8))


def key_of(checkpoint: Mapping[str, Any], operation_key: str) -> str:
    """The checkpoint's key (one prepared before keys were kept: the operation's own)."""
    return str(checkpoint.get(KEY) or shopify_key(operation_key))


@dataclass(frozen=True)
class Answer:
    """A mutation's payload object and the answer's request id."""

    payload: dict[str, Any]
    request_id: str | None


class GraphqlSender:
    """Sends mutations and reads for one store through its GraphQL client: the same
    transport and points bucket as every read (a mutation reserves 10 points)."""

    def __init__(self, client: ShopifyGraphqlClient) -> None:
        self.client = client

    async def read(self, ctx: CallContext, *fields: Field) -> dict[str, Any]:
        """A query of these root fields (retried: reads are safe to repeat); its `data`."""
        return await self.client._query(document(*fields), ctx)

    async def mutate(
        self,
        mutation: Mutation,
        variables: Mapping[str, Any],
        ctx: CallContext,
        *,
        key: str | None = None,
    ) -> Answer:
        """One send, no transport retry (the queue owns write retries; a keyed re-send is
        deduplicated by Shopify). `userErrors` raise WriteRefusedError naming the field."""
        values = dict(variables)
        if mutation.keyed:
            if key is None:
                raise ValueError(f"{mutation.field} needs an idempotency key")
            values["idempotencyKey"] = key
        body = {"query": mutation.text, "variables": values}
        request = Request("POST", self.client._endpoint, json=body, cost=MUTATION)
        bucket = self.client.transport.bucket
        points = bucket if isinstance(bucket, PointsBucket) else None
        if points is not None:
            points.in_flight += 1  # as for reads: the answer's throttleStatus is adopted
        try:
            response = await self.client.transport.send_once(request, ctx)
        finally:
            if points is not None:
                points.in_flight -= 1
        request_id = response.headers.get("X-Request-Id")
        answer = response.json()
        data = answer.get("data") if isinstance(answer, dict) else None
        payload = data.get(mutation.field) if isinstance(data, dict) else None
        if not isinstance(payload, dict):
            raise PayloadError(f"Shopify {mutation.field} answered no payload", **ctx.where())
        refusals = user_errors(payload)
        where = {**ctx.where(), "request_id": request_id}
        if IN_PROGRESS in error_codes(refusals):
            raise UpstreamUnavailableError(f"Shopify {mutation.field} is still running", **where)
        if refusals:
            message = refusal_message(mutation.field, refusals)
            raise MutationRefusedError(message, codes=error_codes(refusals), **where)
        return Answer(payload, request_id)


class MutationRefusedError(WriteRefusedError):
    """A mutation's `userErrors`: nothing was written; `codes` are their typed codes."""

    def __init__(self, message: str, *, codes: set[str], **where: Any) -> None:
        super().__init__(message, **where)
        self.codes = frozenset(codes)


def user_errors(payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every refusal of a mutation payload (each error list it has)."""
    found: list[Mapping[str, Any]] = []
    for name in ERROR_LISTS:
        value = payload.get(name)
        if isinstance(value, list):
            found += [e for e in value if isinstance(e, Mapping)]
    return found


def error_codes(errors: Sequence[Mapping[str, Any]]) -> set[str]:
    """The `code`s of typed user errors."""
    return {str(e["code"]) for e in errors if isinstance(e.get("code"), str)}


def refusal_message(field: str, errors: Sequence[Mapping[str, Any]]) -> str:
    """`Shopify <field> refused: input.changes.0.delta: <message>; …` (at most 3; the
    messages are Shopify's own descriptions of the input, never data or tokens)."""
    parts = []
    for error in errors[:3]:
        path = error.get("field")
        where = ".".join(str(p) for p in path) if isinstance(path, list) and path else "(input)"
        parts.append(f"{where}: {str(error.get('message') or error.get('code') or '')[:200]}")
    more = f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""
    return f"Shopify {field} refused: {'; '.join(parts)}{more}"


# --- the mutations the writer sends ----------------------------------------------------

_CHANGES = (
    'inventoryAdjustmentGroup { changes(quantityNames: ["available"]) { quantityAfterChange } }'
)
ADJUST = Mutation(
    "inventoryAdjustQuantities",
    (("input", "InventoryAdjustQuantitiesInput!"),),
    f"{_CHANGES} userErrors {{ field message code }}",
    keyed=True,
)
SET = Mutation(
    "inventorySetQuantities",
    (("input", "InventorySetQuantitiesInput!"),),
    f"{_CHANGES} userErrors {{ field message code }}",
    keyed=True,
)
# not keyed (its description documents no idempotency): setting a price is absolute, so a
# re-send after an unknown outcome is harmless.
PRICE = Mutation(
    "productVariantsBulkUpdate",
    (("productId", "ID!"), ("variants", "[ProductVariantsBulkInput!]!")),
    f"productVariants {{ id price compareAtPrice }} {USER_ERRORS}",
)
_FULFILLMENT = " ".join(f.render() for f in FULFILLMENT)  # what the mapper reads
CANCEL = Mutation(
    "orderCancel",
    (("orderId", "ID!"), ("reason", "OrderCancelReason!"), ("restock", "Boolean!"),
     ("notifyCustomer", "Boolean")),
    "job { id done } orderCancelUserErrors { field message code } userErrors { field message }",
)  # fmt: skip
FULFIL = Mutation(
    "fulfillmentCreate",
    (("fulfillment", "FulfillmentInput!"),),
    f"fulfillment {{ {_FULFILLMENT} }} {USER_ERRORS}",
)
REFUND_CREATE = Mutation(
    "refundCreate",
    (("input", "RefundInput!"),),
    f"refund {{ {' '.join(f.render() for f in REFUND)} }} {USER_ERRORS}",
    keyed=True,
)
