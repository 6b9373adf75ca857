"""The shape every WebSocket message must have before Strawberry's handlers index into it."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, OperationType, get_operation_ast, parse

from resolvers.limits import DocumentCaches

INVALID_MESSAGE = 4400  # graphql-transport-ws's "invalid message"; used for graphql-ws too
WITH_ID = frozenset({"subscribe", "complete", "start", "stop"})
WITH_PAYLOAD = frozenset({"subscribe", "start"})
TOO_MANY_OPERATIONS = "TOO_MANY_OPERATIONS"


def malformed(message: object, *, payload: bool = True) -> str | None:
    """Why `message` cannot be handled (a close reason), or None. Strawberry indexes
    `message["type"]`, `["id"]` and `["payload"]["query"]` as they come: a JSON number or
    list, a missing type or a list as id used to crash the socket (found by fuzzing).
    `payload=False` leaves subscribe/start payloads to the handler (graphql-ws answers a bad
    one with an error message for its id)."""
    if not isinstance(message, dict):
        return "A message must be a JSON object"
    kind = message.get("type")
    if not isinstance(kind, str):
        return "A message needs a string `type`"
    if kind in WITH_ID and not isinstance(message.get("id"), str):
        return f"A {kind[:20]} message needs a string `id`"
    if kind in WITH_PAYLOAD and payload:
        return payload_problem(message.get("payload"))
    return None


def payload_problem(payload: object) -> str | None:
    """What is wrong with a subscribe/start payload's members, or None. The query may be
    absent when an APQ hash stands for it (resolved later)."""
    if not isinstance(payload, dict):
        return "A subscribe or start message needs an object `payload`"
    query = payload.get("query", "-")
    if not isinstance(query, str) or not query:  # "": Strawberry's MissingQueryError
        return "`payload.query` must be a non-empty string"
    variables = payload.get("variables")
    if variables is not None and not isinstance(variables, dict):
        return "`payload.variables` must be an object"
    name = payload.get("operationName")
    if name is not None and not isinstance(name, str):
        return "`payload.operationName` must be a string"
    return None


def too_many(limit: int) -> dict[str, Any]:
    """The error for an operation past a socket's cap (Strawberry's own carries no code)."""
    return {
        "message": f"Too many operations on this socket (at most {limit} at a time)",
        "extensions": {"code": TOO_MANY_OPERATIONS, "limit": limit},
    }


def operation_type(
    query: str, operation_name: object, caches: DocumentCaches
) -> OperationType | None:
    """The type of the operation to run (None: unparsable, or no such operation). Parsed
    under the token cap and kept in the parse cache, so execution does not parse it again."""
    document = caches.parsed.get(query)
    if document is None:
        try:
            document = parse(query, max_tokens=caches.limits.max_query_tokens)
        except GraphQLError:
            return None  # the execution answers the syntax error itself
        caches.parsed.put(query, document)
    name = operation_name if isinstance(operation_name, str) else None
    operation = get_operation_ast(document, name)
    return None if operation is None else operation.operation
