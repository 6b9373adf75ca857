"""Federation schema: client-safe error logs, typed `_entities` misses, no HTTP subscriptions."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from typing import Any, cast

import strawberry
from graphql import GraphQLError
from strawberry.federation.schema import FederationAny
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from platforms.errors import CartgraphError, InvalidInputError

log = logging.getLogger("cartgraph.graphql")

# codes that mean "the caller asked for something wrong": INFO, no traceback.
CLIENT_CODES = frozenset(
    {
        "BAD_USER_INPUT",
        "BAD_REQUEST",
        "STORE_NOT_FOUND",
        "NOT_FOUND",
        "UNAUTHENTICATED",
        "FORBIDDEN",
        "COST_LIMIT",
        "RATE_LIMITED",
        "QUERY_TOO_COMPLEX",
        "GRAPHQL_PARSE_FAILED",
        "GRAPHQL_VALIDATION_FAILED",
        "PERSISTED_QUERY_NOT_FOUND",
        "PERSISTED_QUERY_NOT_IN_LIST",
    }
)
MAX_LOGGED_MESSAGE = 300
# literal values echoed by graphql-core ("found \"jane@…\"") or by our ids ('…') may be
# personal data that came in the query text: never log them.
_QUOTED = re.compile(r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")
_EMAIL = re.compile(r"[^\s@\"']+@[^\s@\"']+")


def query_hash(query: str | None) -> str | None:
    """The sha256 of the operation text: logged instead of the text (APQ uses the same hash)."""
    return hashlib.sha256(query.encode("utf-8", "surrogatepass")).hexdigest() if query else None


def safe_message(message: str) -> str:
    """An error message fit for a log line: literals and emails redacted, length capped."""
    redacted = _EMAIL.sub("<email>", _QUOTED.sub('"…"', message))
    return redacted[:MAX_LOGGED_MESSAGE]


def error_code(error: GraphQLError) -> str:
    """The code the client sees (or will see once ErrorShaping masks it)."""
    original = error.original_error
    if isinstance(original, CartgraphError):
        return original.code
    code = (error.extensions or {}).get("code")
    if code:
        return str(code)
    if original is None or isinstance(original, GraphQLError):
        return "GRAPHQL_VALIDATION_FAILED"  # syntax, validation and variable coercion
    return "INTERNAL"


def log_errors(errors: list[GraphQLError], ctx: ExecutionContext | None) -> None:
    """Client mistakes at INFO, store failures at WARNING, only our own bugs with a traceback."""
    extra: dict[str, Any] = {
        "query_hash": query_hash(ctx.query) if ctx else None,
        "operation_name": _operation_name(ctx),
    }
    for error in errors:
        code = error_code(error)
        fields = {**extra, "code": code, "path": _path(error)}
        message = safe_message(error.message)
        if code in CLIENT_CODES:
            log.info("client error: %s", message, extra=fields)
        elif code != "INTERNAL":
            log.warning("store error: %s", message, extra=fields)
        else:
            # ErrorShaping masks it for the client; the log keeps the traceback for us.
            log.error("internal error: %s", message, extra=fields, exc_info=error.original_error)


def _operation_name(ctx: ExecutionContext | None) -> str | None:
    try:
        name = ctx.operation_name if ctx else None
    except RuntimeError:
        return None
    return name[:100] if isinstance(name, str) else None


def _path(error: GraphQLError) -> str | None:
    return ".".join(str(p) for p in error.path) if error.path else None


class GatewaySchema(strawberry.federation.Schema):
    """Strawberry's federation schema with the gateway's error policy."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Strawberry logs every error at ERROR with the query text and a traceback.
        log_errors(errors, execution_context)

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        # `execute` cannot stream: a subscription here would fail as INTERNAL. Refusing it
        # makes the HTTP view answer 400 (subscriptions need a WebSocket).
        allowed = set(allowed_operation_types or DEFAULT_ALLOWED_OPERATION_TYPES)
        return await super().execute(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            allowed - {OperationType.SUBSCRIPTION},
            operation_extensions,
        )

    def entities_resolver(
        self, info: strawberry.Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        """An unknown or missing `__typename` or a missing `id` (the key of every entity)
        fails only its own entry, as BAD_USER_INPUT."""
        entity_types = self._entity_type_names()
        # without an `id`, resolve_reference raised TypeError: INTERNAL (found by fuzzing)
        valid = [_typename(r) in entity_types and _has_id(r) for r in representations]
        expected = f"needs an `id` and a __typename of {', '.join(sorted(entity_types))}"
        resolved = iter(
            super().entities_resolver(
                info, [r for r, ok in zip(representations, valid, strict=True) if ok]
            )
        )
        return [
            next(resolved)
            if ok
            # graphql-core turns an exception in a list into that item's own error
            else cast(FederationAny, InvalidInputError(f"representations[{i}]: {expected}"))
            for i, ok in enumerate(valid)
        ]

    def _entity_type_names(self) -> set[str]:
        return {
            name
            for name, type_ in self.schema_converter.type_map.items()
            if hasattr(getattr(type_.definition, "origin", None), "resolve_reference")
        }


def _has_id(representation: Any) -> bool:
    return isinstance(representation, dict) and "id" in representation


def _typename(representation: Any) -> str | None:
    name = representation.get("__typename") if isinstance(representation, dict) else None
    return name if isinstance(name, str) else None
