"""The per-payload mapping helper: every failure becomes a PayloadError naming its payload."""

from __future__ import annotations

from typing import Any

from platforms.errors import PayloadError
from platforms.mapping.kit import Found, MapSite, errors_of

SITE = MapSite("s1", "shopify", "list_orders")


def amount(payload: dict[str, Any]) -> int:
    if payload.get("bad"):
        raise PayloadError("order payload: field 'total' is not a number")
    return int(payload["total"])  # KeyError / ValueError on other bad shapes


def test_each_keeps_the_good_and_names_every_bad_one() -> None:
    payloads = [
        {"id": 1, "total": "3"},
        {"id": 2, "bad": True},
        {"entity_id": 3, "total": "secret@example.com"},
        {"id": 4},
    ]
    items, errors = SITE.each(amount, payloads)

    assert items == [3]
    assert [e.external_id for e in errors] == ["2", "3", "4"]
    for error in errors:
        assert (error.store_id, error.platform, error.operation) == ("s1", "shopify", "list_orders")
        assert error.code == "UPSTREAM_PAYLOAD_INVALID"
    assert "'total'" in errors[0].message
    # a mapper bug's own text may quote the payload: only the exception type is kept
    assert "secret@example.com" not in str(errors[1]) and "ValueError" in errors[1].message


def test_found_keys_errors_by_id_within_the_wanted_ids() -> None:
    _, errors = SITE.each(amount, [{"id": 7, "bad": True}, {"id": 8, "bad": True}])

    found = Found.keyed([5], errors, key=str, wanted=["5", "7"])

    assert dict(found) == {"5": 5}
    assert set(errors_of(found)) == {"7"}
    assert errors_of({"5": 5}) == {}
