"""Hostile-document limits: token cap, expanded-field cap, byte-bounded parse/validation caches."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Generic, TypeVar

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

KIB = 1024
V = TypeVar("V")


@dataclass(frozen=True)
class InputLimits:
    """Per-document limits enforced before execution (all configurable in `[gateway]`)."""

    max_query_tokens: int = 5_000  # graphql-core stops lexing past this: no 10 MiB parse
    max_query_fields: int = 5_000  # fields once every fragment spread is expanded
    cache_max_document_bytes: int = 16 * KIB  # larger documents are parsed but never cached
    # document text held by each cache. A parsed document (AST and token chain) takes ~50x
    # its text in memory: 256 KiB of text is ~12 MiB of ASTs (at 2 MiB a fuzz run's RSS
    # grew by ~170 MiB and stayed there).
    cache_max_total_bytes: int = 256 * KIB


class BoundedCache(Generic[V]):
    """An LRU map whose entries are charged their key's UTF-8 size, capped in total bytes."""

    def __init__(self, max_entry_bytes: int, max_total_bytes: int) -> None:
        self.max_entry_bytes = max_entry_bytes
        self.max_total_bytes = max_total_bytes
        self.total_bytes = 0
        self.hits = self.misses = 0  # for tests and metrics
        self._entries: OrderedDict[str, tuple[V, int]] = OrderedDict()
        # a thread pool (sync resolvers, `serve --workers`) must not corrupt the byte count.
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def cacheable(self, key: str) -> bool:
        """Cheap pre-check on the character count before encoding a huge key."""
        return len(key) <= self.max_entry_bytes

    def get(self, key: str) -> V | None:
        if len(key) > self.max_entry_bytes:  # never stored: skip hashing a huge key
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self.hits += 1
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: str, value: V, size: int | None = None) -> None:
        """Keep `value`, charged `size` bytes (default: the key's UTF-8 size)."""
        if size is None:
            size = len(key.encode("utf-8", "surrogatepass")) if self.cacheable(key) else None
        if size is None or size > self.max_entry_bytes:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.total_bytes -= old[1]
            self._entries[key] = (value, size)
            self.total_bytes += size
            while self.total_bytes > self.max_total_bytes and self._entries:
                _, (_, evicted) = self._entries.popitem(last=False)
                self.total_bytes -= evicted


@dataclass
class DocumentCaches:
    """The parse and validation caches of one schema (exposed for tests and metrics)."""

    limits: InputLimits = field(default_factory=InputLimits)
    parsed: BoundedCache[DocumentNode] = field(init=False)
    validated: BoundedCache[list[GraphQLError]] = field(init=False)

    def __post_init__(self) -> None:
        per_entry, total = self.limits.cache_max_document_bytes, self.limits.cache_max_total_bytes
        self.parsed = BoundedCache(per_entry, total)
        self.validated = BoundedCache(per_entry, total)


def client_code(error: GraphQLError, code: str) -> GraphQLError:
    """Give a parse/validation error a typed code unless it already has one."""
    if not (error.extensions or {}).get("code"):
        error.extensions = {**(error.extensions or {}), "code": code}
    return error


class BoundedParser(SchemaExtension):
    """Parse with a token cap; reuse the parsed document of small, already-seen queries."""

    def __init__(self, caches: DocumentCaches) -> None:
        super().__init__()
        self.caches = caches

    def on_parse(self) -> Iterator[None]:
        ctx = self.execution_context
        ctx.parse_options["max_tokens"] = self.caches.limits.max_query_tokens
        query = ctx.query
        if query is not None and ctx.graphql_document is None:
            ctx.graphql_document = self.caches.parsed.get(query)
        yield
        if query is not None and ctx.graphql_document is not None:
            self.caches.parsed.put(query, ctx.graphql_document)
        for error in ctx.pre_execution_errors or []:
            client_code(error, "GRAPHQL_PARSE_FAILED")


class BoundedValidation(SchemaExtension):
    """Count expanded fields first (cheap), then validate; cache the verdict of small queries."""

    def __init__(self, caches: DocumentCaches) -> None:
        super().__init__()
        self.caches = caches

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        query, document = ctx.query, ctx.graphql_document
        if document is not None and ctx.pre_execution_errors is None:
            key = _validation_key(query, ctx.validation_rules)
            errors = self.caches.validated.get(key) if key else None
            if errors is None:
                errors = self._validate(document, ctx.schema._schema, ctx.validation_rules)
                if key:
                    self.caches.validated.put(key, [_detached(e) for e in errors])
            ctx.pre_execution_errors = list(errors)
        yield

    def _validate(
        self, document: DocumentNode, schema: object, rules: Sequence[type[ASTValidationRule]]
    ) -> list[GraphQLError]:
        # a fragment bomb makes some rules (depth) exponential: refuse it before they run.
        errors = too_many_fields(document, self.caches.limits.max_query_fields)
        if not errors:
            errors = validate_document(schema, document, tuple(rules))  # type: ignore[arg-type]
        return [client_code(e, "GRAPHQL_VALIDATION_FAILED") for e in errors]


def _detached(error: GraphQLError) -> GraphQLError:
    """The same error without its AST nodes, which would keep the whole parsed document
    alive in the validation cache after the parse cache dropped it."""
    return GraphQLError(
        error.message, source=error.source, positions=error.positions, extensions=error.extensions
    )


def _validation_key(query: str | None, rules: Sequence[type[ASTValidationRule]]) -> str | None:
    # the rule set is fixed per schema, but a different one must never reuse a verdict.
    if query is None:
        return None
    return f"{hash(tuple(rules)):x}\n{query}"


def too_many_fields(document: DocumentNode, limit: int) -> list[GraphQLError]:
    """One error per operation whose field count, fragments expanded, is over `limit`."""
    counter = _FieldCounter(document, limit)
    errors = []
    for node in document.definitions:
        if isinstance(node, OperationDefinitionNode):
            count = counter.selection_set(node.selection_set)
            if count > limit:
                errors.append(
                    GraphQLError(
                        f"The operation selects more than {limit} fields once its fragments"
                        f" are expanded; the limit is {limit}.",
                        node,
                        extensions={"code": "QUERY_TOO_COMPLEX", "limit": limit},
                    )
                )
    return errors


class _FieldCounter:
    """Expanded field counts, memoised per fragment and clamped at limit + 1 (linear time)."""

    def __init__(self, document: DocumentNode, limit: int) -> None:
        self.limit = limit
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.memo: dict[str, int] = {}
        self.visiting: set[str] = set()  # cycles are NoFragmentCyclesRule's to report

    def selection_set(self, node: SelectionSetNode | None) -> int:
        total = 0
        for selection in node.selections if node else ():
            if isinstance(selection, FieldNode):
                total += 1 + self.selection_set(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                total += self.selection_set(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
            if total > self.limit:
                return self.limit + 1
        return total

    def fragment(self, name: str) -> int:
        if name in self.memo:
            return self.memo[name]
        definition = self.fragments.get(name)
        if definition is None or name in self.visiting:
            return 0
        self.visiting.add(name)
        self.memo[name] = count = self.selection_set(definition.selection_set)
        self.visiting.discard(name)
        return count


def extension_factories(caches: DocumentCaches) -> list[Callable[[], SchemaExtension]]:
    """Per-request extensions sharing the schema's caches."""
    return [lambda: BoundedParser(caches), lambda: BoundedValidation(caches)]


# Python datetimes span years 1..9999 and platform code shifts and formats instants (and
# strftime writes year 1 as "1"), so a filter is clamped to [1970, 9999-12-30]: no store
# holds older or newer data, and a client's "since the beginning of time" sentinel keeps
# working instead of overflowing.
_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime(9999, 12, 30, tzinfo=UTC)


def utc_instant(value: datetime | None) -> datetime | None:
    """A filter instant in UTC (naive is taken as UTC), clamped to the representable range."""
    if value is None:
        return None
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    try:
        instant = aware.astimezone(UTC)
    except OverflowError:  # an offset pushed it past year 1 or 9999
        return _EARLIEST if aware.year < 5000 else _LATEST
    return min(max(instant, _EARLIEST), _LATEST)
