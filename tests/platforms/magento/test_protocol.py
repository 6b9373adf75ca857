"""searchCriteria building, cursor arithmetic, error classification, and SPEC wiring."""

from __future__ import annotations

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from platforms.canonical import Platform
from platforms.errors import (
    InvalidInputError,
    NotFoundError,
    RateLimitedError,
    UpstreamValidationError,
)
from platforms.http import CallContext, Response
from platforms.magento import SPEC
from platforms.magento.classify import MagentoErrorClassifier, fill_placeholders
from platforms.magento.pagination import PagePosition, SearchCriteria

CTX = CallContext("mg", "magento", "get_products", "42")


def response(status: int, body: bytes, **headers: str) -> Response:
    """A transport Response as HttpTransport would build it."""
    return Response(status, CIMultiDictProxy(CIMultiDict(headers)), body, "http://x/rest/V1/p")


def test_search_criteria_params() -> None:
    params = (
        SearchCriteria()
        .where_in("entity_id", ["1", "2"])
        .where("updated_at", "2026-01-01 00:00:00", "gt")
        .sort("updated_at", "DESC")
        .page(3, 50)
        .params()
    )
    assert params == {
        "searchCriteria[filter_groups][0][filters][0][field]": "entity_id",
        "searchCriteria[filter_groups][0][filters][0][value]": "1,2",
        "searchCriteria[filter_groups][0][filters][0][condition_type]": "in",
        "searchCriteria[filter_groups][1][filters][0][field]": "updated_at",
        "searchCriteria[filter_groups][1][filters][0][value]": "2026-01-01 00:00:00",
        "searchCriteria[filter_groups][1][filters][0][condition_type]": "gt",
        "searchCriteria[sortOrders][0][field]": "updated_at",
        "searchCriteria[sortOrders][0][direction]": "DESC",
        "searchCriteria[pageSize]": "50",
        "searchCriteria[currentPage]": "3",
    }
    assert SearchCriteria().params() == {"searchCriteria": ""}


def test_page_position() -> None:
    first = PagePosition.decode(None, 1000)
    assert first == PagePosition(1, 300)
    assert first.next(600) == PagePosition(2, 300)
    assert PagePosition(2, 300).next(600) is None
    assert PagePosition(3, 300).is_past_end(600) and not PagePosition(2, 300).is_past_end(600)
    assert PagePosition.decode(PagePosition(4, 20).encode(), 99) == PagePosition(4, 20)
    for bad in ("x", "0:10", "1:0", "1:301", "1:2:3"):
        with pytest.raises(InvalidInputError):
            PagePosition.decode(bad, 10)


def test_fill_placeholders() -> None:
    assert (
        fill_placeholders("Invalid product data: %1", ["bad set"])
        == "Invalid product data: bad set"
    )
    assert fill_placeholders("%fieldName is required.", {"fieldName": "sku"}) == "sku is required."
    assert fill_placeholders("keep %2 and %x", ["one"]) == "keep %2 and %x"


def test_classifier_statuses_messages_and_redaction() -> None:
    classify = MagentoErrorClassifier(lambda text: text.replace("SECRET", "***")).classify
    assert classify(response(200, b"{}"), CTX) is None
    error = classify(
        response(400, b'{"message":"Invalid product data: %1","parameters":["SECRET set"]}'), CTX
    )
    assert isinstance(error, UpstreamValidationError)
    assert error.message.endswith("Invalid product data: *** set")
    assert (error.store_id, error.operation, error.external_id) == ("mg", "get_products", "42")
    limited = classify(response(429, b"<html>busy</html>", **{"Retry-After": "1.5"}), CTX)
    assert isinstance(limited, RateLimitedError) and limited.retry_after == 1.5
    assert "html" not in limited.message
    long = classify(response(404, b'{"message":"' + b"x" * 500 + b'"}'), CTX)
    assert isinstance(long, NotFoundError) and len(long.message) < 300


def test_spec() -> None:
    assert SPEC.platform is Platform.MAGENTO
    assert SPEC.required_credentials == ("access_token",)
    assert SPEC.default_rate_limit is not None
    sandbox = SPEC.create_sandbox(orders=3, products=3)
    conn = sandbox.connection("s1", "http://127.0.0.1:1")
    assert conn.options["store_code"] == "default" and conn.platform is Platform.MAGENTO
    client = SPEC.create_client(conn, None)
    assert client.connection is conn and client.max_page_size == 300
