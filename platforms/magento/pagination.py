"""searchCriteria query building and page arithmetic for Magento list endpoints."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from platforms.errors import InvalidInputError

# Adobe's Web API input limits cap pageSize at 300 when enabled; staying at or below it
# works on every store whatever its configuration.
MAX_PAGE_SIZE = 300


@dataclass(frozen=True)
class Filter:
    """One searchCriteria filter."""

    field: str
    value: str
    condition: str = "eq"


@dataclass
class SearchCriteria:
    """Builder for `searchCriteria[...]` query parameters.

    Filters inside one group are OR-ed, groups are AND-ed (Magento's semantics).
    """

    groups: list[list[Filter]] = field(default_factory=list)
    sorts: list[tuple[str, str]] = field(default_factory=list)
    page_size: int | None = None
    current_page: int | None = None

    def where(self, field_name: str, value: str, condition: str = "eq") -> SearchCriteria:
        """AND a single filter."""
        self.groups.append([Filter(field_name, value, condition)])
        return self

    def where_in(self, field_name: str, values: Iterable[str]) -> SearchCriteria:
        """AND `field in (values)`."""
        return self.where(field_name, ",".join(values), "in")

    def sort(self, field_name: str, direction: str = "ASC") -> SearchCriteria:
        """Add a sort order (applied in the order added)."""
        self.sorts.append((field_name, direction))
        return self

    def page(self, current_page: int, page_size: int) -> SearchCriteria:
        """Ask for one page (1-based)."""
        self.current_page, self.page_size = current_page, page_size
        return self

    def params(self) -> dict[str, str]:
        """The query parameters, bracket-encoded as Magento's REST layer expects."""
        out: dict[str, str] = {}
        for g, group in enumerate(self.groups):
            for f, item in enumerate(group):
                prefix = f"searchCriteria[filter_groups][{g}][filters][{f}]"
                out[f"{prefix}[field]"] = item.field
                out[f"{prefix}[value]"] = item.value
                out[f"{prefix}[condition_type]"] = item.condition
        for s, (name, direction) in enumerate(self.sorts):
            out[f"searchCriteria[sortOrders][{s}][field]"] = name
            out[f"searchCriteria[sortOrders][{s}][direction]"] = direction
        if self.page_size is not None:
            out["searchCriteria[pageSize]"] = str(self.page_size)
        if self.current_page is not None:
            out["searchCriteria[currentPage]"] = str(self.current_page)
        if not out:
            # list endpoints reject a request without any searchCriteria parameter.
            out["searchCriteria"] = ""
        return out


@dataclass(frozen=True)
class PagePosition:
    """A 1-based page of a fixed size: what a Magento cursor encodes."""

    page: int
    size: int

    def encode(self) -> str:
        """The opaque cursor for this position."""
        return f"{self.page}:{self.size}"

    @classmethod
    def decode(cls, cursor: str | None, limit: int, max_size: int = MAX_PAGE_SIZE) -> PagePosition:
        """The position a cursor names (page 1 of `limit` when None).

        A cursor carries its page size: pages are only consistent at a fixed size.
        """
        if cursor is None:
            return cls(1, max(1, min(limit, max_size)))
        try:
            page_text, size_text = cursor.split(":")
            position = cls(int(page_text), int(size_text))
        except ValueError as exc:
            raise InvalidInputError(f"Malformed Magento cursor {cursor[:32]!r}") from exc
        if position.page < 1 or not 1 <= position.size <= max_size:
            raise InvalidInputError(f"Malformed Magento cursor {cursor[:32]!r}")
        return position

    def last_page(self, total_count: int) -> int:
        """The last page that exists for `total_count` results."""
        return max(1, math.ceil(total_count / self.size))

    def is_past_end(self, total_count: int) -> bool:
        """Magento answers a page past the end with the last page again; detect that."""
        return total_count <= 0 or self.page > self.last_page(total_count)

    def next(self, total_count: int) -> PagePosition | None:
        """The following page, or None when `total_count` says this was the last one."""
        if self.page * self.size >= total_count:
            return None
        return PagePosition(self.page + 1, self.size)
