"""Map platform payloads one at a time: a bad one is a PayloadError naming it, never a lost page."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from pydantic import ValidationError

from platforms.errors import PayloadError

T = TypeVar("T")
P = TypeVar("P")
V = TypeVar("V")

# What a mapper may raise on a payload of the wrong shape besides PayloadError: a bug in a
# mapper meeting an unexpected payload must still fail that one payload, not the request.
_SHAPE_ERRORS = (ValidationError, KeyError, IndexError, TypeError, ValueError, AttributeError)
_ID_FIELDS = ("id", "entity_id")


def payload_id(payload: Any) -> str | None:
    """The platform id a payload carries (`id`, else Magento's `entity_id`), as str."""
    if not isinstance(payload, Mapping):
        return None
    for name in _ID_FIELDS:
        value = payload.get(name)
        if isinstance(value, int | str) and not isinstance(value, bool) and str(value):
            return str(value)
    return None


def decimal_or(value: Any, default: Decimal, *, platform: str) -> Decimal:
    """A Decimal from a money value that is a string ("12.3400") or a JSON number (through
    str(): no float noise); missing, null or "" is `default`. A value that is there but not a
    finite number is a PayloadError: it must never become a silent 0 in a total."""
    if value is None or isinstance(value, bool):
        return default
    if isinstance(value, Decimal):
        result = value
    else:
        text = str(value).strip()
        if not text:
            return default
        try:
            result = Decimal(text)
        except InvalidOperation:
            result = Decimal("NaN")
    if not result.is_finite():
        raise PayloadError(f"{platform} amount is not a number")
    return result


def utc_datetime(text: str) -> datetime | None:
    """An aware UTC datetime from ISO 8601 text, none if unparseable; no offset means UTC."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


@dataclass(frozen=True)
class MapSite:
    """Where payloads are mapped: the store, platform and read operation errors will name."""

    store_id: str
    platform: str
    operation: str

    def error(self, exc: Exception, external_id: str | None) -> PayloadError:
        """`exc` as a PayloadError filled in with this site and the payload's id."""
        if isinstance(exc, PayloadError):
            error = exc
        else:
            # the exception text may quote the payload (customer data): name its type only.
            error = PayloadError(
                f"{self.platform} payload could not be mapped ({type(exc).__name__})"
            )
        error.store_id = error.store_id or self.store_id
        error.platform = error.platform or self.platform
        error.operation = self.operation
        error.external_id = error.external_id or external_id
        return error

    def one(self, mapper: Callable[[P], T], payload: P, external_id: str | None = None) -> T:
        """Map one payload; a failure is raised as a PayloadError naming this site and id."""
        try:
            return mapper(payload)
        except (PayloadError, *_SHAPE_ERRORS) as exc:
            raise self.error(exc, external_id or payload_id(payload)) from exc

    def each(
        self,
        mapper: Callable[[P], T],
        payloads: Iterable[P],
        id_of: Callable[[P], str | None] = payload_id,
    ) -> tuple[list[T], list[PayloadError]]:
        """Map every payload on its own: (the good ones in order, one error per bad one)."""
        items: list[T] = []
        errors: list[PayloadError] = []
        for payload in payloads:
            try:
                items.append(self.one(mapper, payload, id_of(payload)))
            except PayloadError as error:
                errors.append(error)
        return items, errors


class Found(dict[str, V]):
    """A batch read's answer: objects by key (the protocol's Mapping; absent = not found),
    plus `errors`, the keys whose payload could not be mapped, each with its PayloadError."""

    def __init__(
        self,
        items: Mapping[str, V] | Iterable[tuple[str, V]] = (),
        errors: Mapping[str, PayloadError] | None = None,
    ) -> None:
        super().__init__(items)
        self.errors: dict[str, PayloadError] = dict(errors or {})

    @classmethod
    def keyed(
        cls,
        items: Iterable[V],
        errors: Iterable[PayloadError],
        key: Callable[[V], str],
        wanted: Iterable[str] | None = None,
    ) -> Found[V]:
        """Items keyed by `key`, errors by the id they name; both limited to `wanted` if given."""
        keep = None if wanted is None else set(wanted)
        found: Found[V] = cls()
        for item in items:
            if keep is None or key(item) in keep:
                found[key(item)] = item
        for error in errors:
            ident = error.external_id
            if ident is not None and (keep is None or ident in keep) and ident not in found:
                found.errors[ident] = error
        return found


def errors_of(result: Mapping[str, Any]) -> Mapping[str, PayloadError]:
    """The per-key payload errors of a batch answer (none unless it is a `Found`)."""
    return result.errors if isinstance(result, Found) else {}


def partition(mixed: Iterable[V | PayloadError]) -> tuple[list[V], list[PayloadError]]:
    """Split a mix of mapped objects and payload errors (e.g. from concurrent chunks)."""
    items: list[V] = []
    errors: list[PayloadError] = []
    for entry in mixed:
        if isinstance(entry, PayloadError):
            errors.append(entry)
        else:
            items.append(entry)
    return items, errors
