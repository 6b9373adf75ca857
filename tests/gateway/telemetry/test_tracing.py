"""Traces: one operation span, one child span per upstream request, the trace id returned."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

from gateway.telemetry.logs import JsonFormatter
from tests.gateway.events.conftest import subscription, take
from tests.gateway.telemetry.conftest import StartTraced, text_formatter

NESTED = """query Nested { orders(first: 3) { edges { node { number
  lineItems { quantity variant { sku product { title }
    inventoryLevels { available location { name } } } } } } } }"""
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_SPAN = "00f067aa0ba902b7"


def _ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[ReadableSpan]:
    chain = []
    parent = span.parent
    while parent is not None and parent.span_id in by_id:
        chain.append(by_id[parent.span_id])
        parent = chain[-1].parent
    return chain


async def test_nested_query_has_one_span_per_upstream_request_under_its_operation(
    serve_woo, start_traced: StartTraced, log_lines
):
    sandbox, conn = await serve_woo()
    gw = await start_traced([conn])
    text, lines = log_lines(text_formatter()), log_lines(JsonFormatter())
    sandbox.calls.reset()

    body, resp = await gw.post(NESTED, headers={"X-Request-Id": "req-nested-1"})

    assert not body.get("errors"), body
    spans = gw.spans()
    (operation,) = [s for s in spans if s.kind is SpanKind.SERVER]
    assert operation.name == "query Nested"
    assert operation.attributes["cartgraph.outcome"] == "success"
    by_id = {s.context.span_id: s for s in spans}
    upstream = [s for s in spans if s.kind is SpanKind.CLIENT]
    assert len(upstream) == sandbox.calls.total >= 3  # orders, products, variations...
    for span in upstream:
        assert operation in _ancestors(span, by_id), span.name
        attrs = span.attributes
        assert attrs["cartgraph.store"] == "woo-a"
        assert attrs["cartgraph.platform"] == "woocommerce"
        assert attrs["http.response.status_code"] == 200
        assert attrs["cartgraph.attempt"] == 1
        assert re.fullmatch(r"/wp-json/wc/v3(/[a-z_]+|/\{id\})+", attrs["http.route"])
    assert "/wp-json/wc/v3/products/{id}/variations" in {
        s.attributes["http.route"] for s in upstream
    }
    batches = [s for s in spans if s.name.startswith("dataloader ")]
    assert batches and all(operation in _ancestors(b, by_id) for b in batches)
    # the trace id: in the response, in its span, in the log lines of the request
    trace_id = format(operation.context.trace_id, "032x")
    assert body["extensions"]["traceId"] == trace_id
    assert resp.headers["X-Request-Id"] == "req-nested-1"
    request_lines = [line for line in text.getvalue().splitlines() if "req-nested-1" in line]
    assert request_lines and all(f"trace_id={trace_id}" in line for line in request_lines)
    records = [json.loads(line) for line in lines.getvalue().splitlines()]
    upstream_logs = [r for r in records if r.get("request_id") == "req-nested-1"]
    assert upstream_logs and all(r["trace_id"] == trace_id for r in upstream_logs)


async def test_a_client_traceparent_makes_the_operation_its_child(
    serve_shopify, start_traced: StartTraced
):
    _, conn = await serve_shopify(bucket=None)
    gw = await start_traced([conn])
    traceparent = f"00-{TRACE_ID}-{PARENT_SPAN}-01"

    body, _ = await gw.post("{ stores { id } }", headers={"traceparent": traceparent})

    (operation,) = [s for s in gw.spans() if s.kind is SpanKind.SERVER]
    assert format(operation.context.trace_id, "032x") == TRACE_ID
    assert operation.parent is not None and format(operation.parent.span_id, "016x") == PARENT_SPAN
    assert body["extensions"]["traceId"] == TRACE_ID


async def test_retries_are_spans_of_their_own_with_their_attempt(
    serve_shopify, start_traced: StartTraced
):
    sandbox, conn = await serve_shopify(bucket=None)
    gw = await start_traced([conn])
    sandbox.faults.fail_next(503)

    body, _ = await gw.post("{ orders(first: 1) { edges { node { number } } } }")

    assert not body.get("errors"), body
    upstream = sorted(
        (s for s in gw.spans() if s.kind is SpanKind.CLIENT),
        key=lambda s: s.attributes["cartgraph.attempt"],
    )
    assert [s.attributes["http.response.status_code"] for s in upstream] == [503, 200]
    assert [s.attributes["cartgraph.attempt"] for s in upstream] == [1, 2]
    assert upstream[0].attributes["error.type"] == "UPSTREAM_UNAVAILABLE"


async def test_tracing_off_records_nothing_and_adds_no_extensions(
    serve_shopify, start_traced: StartTraced, log_lines
):
    _, conn = await serve_shopify(bucket=None)
    gw = await start_traced([conn], tracing=False)
    text = log_lines(text_formatter())

    body, resp = await gw.post(NESTED)

    assert "extensions" not in body or "traceId" not in body["extensions"]
    assert gw.spans() == []
    request_id = resp.headers["X-Request-Id"]
    assert len(request_id) == 32  # made by the gateway: none was sent
    assert "trace_id=" not in text.getvalue()
    assert f"request_id={request_id}" in text.getvalue()


def test_json_lines_are_capped_escaped_and_one_object_per_line():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("cartgraph.test.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning(
            "forged\nINFO fake line %s",
            "x" * 5000,
            extra={"store_id": "shop-a", "platform": "shopify", "attempt": 2, "code": "A\nB"},
        )
        try:
            raise ValueError("bad\u2028value")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    first, second = stream.getvalue().splitlines()
    entry = json.loads(first)
    assert entry["level"] == "WARNING" and entry["logger"] == "cartgraph.test.json"
    assert entry["timestamp"].endswith("Z")
    assert entry["message"].startswith("forged\\nINFO fake line xxx")
    assert entry["message"].endswith("…(+4022 chars)")
    assert (entry["store_id"], entry["platform"], entry["attempt"]) == ("shop-a", "shopify", 2)
    assert entry["code"] == "A\\nB"
    assert "request_id" not in entry and "trace_id" not in entry  # outside any request
    failure = json.loads(second)
    assert "ValueError: bad\\u2028value" in failure["exception"]


async def test_a_subscription_is_one_span_and_its_events_read_through_it(
    serve_shopify, start_traced: StartTraced, tmp_path, caplog
):
    _, conn = await serve_shopify(bucket=None)
    gw = await start_traced([conn], events_dir=tmp_path)
    assert gw.events is not None
    ws_url = gw.url.replace("http://", "ws://") + "/graphql"
    query = 'subscription Watch { orderEvents(storeIds: ["shop-a"]) { type order { number } } }'
    async with subscription(
        ws_url, query, {}, subscribed=lambda: gw.events.bus.subscriber_count > 0
    ) as queue:  # type: ignore[union-attr]
        async with gw.session.post(f"{conn.base_url}/_sandbox/orders", json={}) as resp:
            assert resp.status < 300
        await gw.events.poll_now("shop-a")
        (event,) = await take(queue, 1)
        assert event["orderEvents"]["type"] == "ORDER_CREATED"
    for _ in range(200):  # the span ends once the server has seen the socket close
        if any(s.kind is SpanKind.SERVER for s in gw.spans()):
            break
        await asyncio.sleep(0.01)
    (operation,) = [s for s in gw.spans() if s.kind is SpanKind.SERVER]
    assert operation.name == "subscription Watch"
    assert not [r for r in caplog.records if "detach" in r.getMessage().lower()]
