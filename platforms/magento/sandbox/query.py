"""Server-side searchCriteria: parse the bracketed query and filter, sort and page records; and
the answers every route shares (search results, Magento's error body)."""

from __future__ import annotations

import math
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

Getter = Callable[[Mapping[str, Any], str], Any]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# (ACL resource, handler) -> the handler behind the sandbox's store-code and bearer-token checks.
Guard = Callable[[str, Handler], Handler]
# (path under the REST prefix, ACL resource, handler): one GET route.
Route = tuple[str, str, Handler]
PREFIXES = ("/rest/{store_code}/V1", "/rest/V1")
NO_ROUTE = {"message": "Request does not match any route."}

CONDITIONS = frozenset(
    [
        "eq",
        "neq",
        "gt",
        "gteq",
        "lt",
        "lteq",
        "moreq",
        "like",
        "nlike",
        "in",
        "nin",
        "from",
        "to",
        "null",
        "notnull",
        "finset",
        "nfinset",
    ]
)
_KEY = re.compile(r"\[([^\]]*)\]")


class CriteriaError(Exception):
    """A malformed searchCriteria, carrying Magento's message template and parameters."""

    def __init__(self, message: str, parameters: dict[str, Any]) -> None:
        super().__init__(message)
        self.body = {"message": message, "parameters": parameters}


@dataclass
class Criteria:
    """A parsed searchCriteria."""

    groups: list[list[dict[str, str]]] = field(default_factory=list)
    sorts: list[dict[str, str]] = field(default_factory=list)
    page_size: int | None = None
    current_page: int | None = None

    def echo(self) -> dict[str, Any]:
        """`search_criteria` as Magento echoes it back in list responses."""
        out: dict[str, Any] = {"filter_groups": [{"filters": g} for g in self.groups]}
        if self.sorts:
            out["sort_orders"] = self.sorts
        if self.page_size is not None:
            out["page_size"] = self.page_size
        if self.current_page is not None:
            out["current_page"] = self.current_page
        return out


def _nest(query: Mapping[str, str]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for key, value in query.items():
        if not key.startswith("searchCriteria["):
            continue
        node = tree
        parts = _KEY.findall(key[len("searchCriteria") :])
        for part in parts[:-1]:
            child = node.setdefault(part, {})
            node = child if isinstance(child, dict) else {}
        if parts:
            node[parts[-1]] = value
    return tree


def _indexed(node: Any) -> list[Any]:
    """A PHP-style indexed array (dict with "0", "1", ...) as a list in index order."""
    if not isinstance(node, dict):
        return []
    keys = sorted((k for k in node if k.isdigit()), key=int)
    return [node[k] for k in keys]


def _as_int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise CriteriaError(
            'The "%value" value\'s type is invalid. The "%type" type was expected. '
            "Verify and try again.",
            {"value": value, "type": "int"},
        ) from None


def parse(query: Mapping[str, str]) -> Criteria | None:
    """The searchCriteria in a query string, or None when the query has none at all."""
    if not any(key == "searchCriteria" or key.startswith("searchCriteria[") for key in query):
        return None
    tree = _nest(query)
    criteria = Criteria()
    for group in _indexed(tree.get("filter_groups")):
        filters = []
        for raw in _indexed(group.get("filters") if isinstance(group, dict) else None):
            item = raw if isinstance(raw, dict) else {}
            condition = item.get("condition_type", "eq")
            if condition not in CONDITIONS:
                raise CriteriaError(
                    'Invalid value of "%value" provided for the %fieldName field.',
                    {"value": condition, "fieldName": "condition_type"},
                )
            filters.append(
                {
                    "field": item.get("field", ""),
                    "value": item.get("value", ""),
                    "condition_type": condition,
                }
            )
        if filters:
            criteria.groups.append(filters)
    for raw in _indexed(tree.get("sortOrders")):
        item = raw if isinstance(raw, dict) else {}
        direction = str(item.get("direction", "ASC")).upper()
        criteria.sorts.append({"field": item.get("field", ""), "direction": direction})
    if "pageSize" in tree:
        criteria.page_size = _as_int(tree["pageSize"])
    if "currentPage" in tree:
        criteria.current_page = _as_int(tree["currentPage"])
    return criteria


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def _compare(actual: Any, expected: str) -> int | None:
    """-1/0/1 of actual vs expected (numbers numerically, else as text); None for NULL."""
    if actual is None:
        return None
    left, right = _number(actual), _number(expected)
    if left is not None and right is not None and not isinstance(actual, str):
        return (left > right) - (left < right)
    text = str(actual)
    return (text > expected) - (text < expected)


def _like(actual: Any, pattern: str) -> bool:
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    # MySQL's default collation makes LIKE case-insensitive.
    return actual is not None and re.fullmatch(regex, str(actual), re.IGNORECASE | re.S) is not None


def matches(actual: Any, condition: str, expected: str) -> bool:
    """One filter against one value, with SQL semantics (NULL matches only `null`)."""
    if condition == "null":
        return actual is None
    if condition == "notnull":
        return actual is not None
    if condition in ("in", "nin"):
        hit = any(_compare(actual, v.strip()) == 0 for v in expected.split(","))
        return actual is not None and hit == (condition == "in")
    if condition in ("finset", "nfinset"):
        found = expected in str(actual).split(",") if actual is not None else False
        return actual is not None and found == (condition == "finset")
    if condition in ("like", "nlike"):
        return actual is not None and _like(actual, expected) == (condition == "like")
    order = _compare(actual, expected)
    if order is None:
        return False
    return {
        "eq": order == 0,
        "neq": order != 0,
        "gt": order > 0,
        "gteq": order >= 0,
        "moreq": order >= 0,
        "from": order >= 0,
        "lt": order < 0,
        "lteq": order <= 0,
        "to": order <= 0,
    }[condition]


def _sort_key(value: Any) -> tuple[int, float, str]:
    # NULLs sort first ascending, as in MySQL.
    if value is None:
        return (0, 0.0, "")
    number = _number(value) if not isinstance(value, str) else None
    return (1, number, "") if number is not None else (2, 0.0, str(value))


def _sorter(getter: Getter, name: str) -> Callable[[dict[str, Any]], tuple[int, float, str]]:
    return lambda record: _sort_key(getter(record, name))


def run(
    criteria: Criteria, records: list[dict[str, Any]], getter: Getter
) -> tuple[list[dict[str, Any]], int]:
    """Filter (OR within a group, AND across groups), sort, and page: (page items, total).

    Reproduces the long-standing Magento quirk: a currentPage past the end answers with
    the last page again instead of an empty list.
    """
    found = [
        record
        for record in records
        if all(
            any(matches(getter(record, f["field"]), f["condition_type"], f["value"]) for f in group)
            for group in criteria.groups
        )
    ]
    for sort in reversed(criteria.sorts):
        found.sort(key=_sorter(getter, sort["field"]), reverse=sort["direction"] == "DESC")
    total = len(found)
    if not criteria.page_size or criteria.page_size <= 0:
        return found, total
    last_page = max(1, math.ceil(total / criteria.page_size))
    page = min(max(criteria.current_page or 1, 1), last_page)
    start = (page - 1) * criteria.page_size
    return found[start : start + criteria.page_size], total


def field_getter(aliases: Mapping[str, str] | None = None) -> Getter:
    """A getter reading top-level fields (through `aliases`), then custom_attributes."""
    names = dict(aliases or {})

    def get(record: Mapping[str, Any], name: str) -> Any:
        key = names.get(name, name)
        if key in record:
            return record[key]
        for entry in record.get("custom_attributes") or ():
            if entry.get("attribute_code") == name:
                return entry.get("value")
        return None

    return get


def error(status: int, message: str, parameters: Any = None) -> web.Response:
    """A Magento error response: {"message", "parameters"} with placeholders unfilled."""
    body: dict[str, Any] = {"message": message}
    if parameters is not None:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


def search(request: web.Request, records: list[dict[str, Any]], getter: Getter) -> web.Response:
    """A search route: the searchCriteria applied to `records`, as Magento answers it."""
    try:
        criteria = parse(request.query)
    except CriteriaError as exc:
        return web.json_response(exc.body, status=400)
    if criteria is None:
        return error(400, "%fieldName is a required field.", {"fieldName": "searchCriteria"})
    items, total = run(criteria, records, getter)
    return web.json_response(
        {"items": items, "search_criteria": criteria.echo(), "total_count": total}
    )
