"""`/metrics`: who may read it, what a broken store looks like there, bounded labels."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from gateway.auth.keys import KeyStore
from gateway.auth.principal import Scope
from gateway.telemetry.hub import Telemetry
from gateway.telemetry.metrics import Metrics
from gateway.telemetry.observer import route_template
from tests.gateway.telemetry.conftest import StartTraced
from tests.gateway.telemetry.test_tracing import NESTED
from tests.gateway.writes.conftest import first_stock
from tests.helpers.auth import admin_gate

ORDERS = "query Orders { orders(first: 2) { edges { node { number storeId } } } }"
ADJUST = """mutation($input: AdjustInventoryInput!) { adjustInventory(input: $input) {
  __typename ... on AdjustInventorySuccess { operation { status } } } }"""


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of the sample `name` whose labels include `labels` (None: no such sample)."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and labels.items() <= s.labels.items():
                return float(s.value)
    return None


def label_values(text: str, label: str) -> set[str]:
    """Every value the label takes in the exposition."""
    return {
        s.labels[label]
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if label in s.labels
    }


async def test_metrics_need_an_admin_key_by_default(serve_shopify, start_traced: StartTraced):
    keys = KeyStore(None)
    _, reader = keys.create("reader", None, {Scope.READ})
    _, conn = await serve_shopify(bucket=None)
    gw = await start_traced([conn], auth=admin_gate(keys))
    url = f"{gw.url}/metrics"
    anonymous = {"Authorization": ""}
    async with gw.session.get(url, headers=anonymous) as resp:
        assert resp.status == 401
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    async with gw.session.get(url, headers={"Authorization": f"Bearer {reader}"}) as resp:
        assert resp.status == 403
        assert (await resp.json())["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    text = await gw.metrics()  # the fixture's key has every scope
    assert "# TYPE cartgraph_upstream_requests_total counter" in text


@pytest.mark.parametrize(("access", "status"), [("public", 200), ("off", 404)])
async def test_metrics_access_is_configurable(
    serve_shopify, start_traced: StartTraced, access: str, status: int
):
    _, conn = await serve_shopify(bucket=None)
    gw = await start_traced([conn], telemetry=Telemetry(metrics_access=access))  # type: ignore[arg-type]
    async with gw.session.get(f"{gw.url}/metrics", headers={"Authorization": ""}) as resp:
        assert resp.status == status


async def test_a_store_with_a_wrong_token_shows_up_in_metrics_by_name(
    serve_shopify, start_traced: StartTraced
):
    _, good = await serve_shopify("shop-good")
    _, bad = await serve_shopify("shop-bad")
    bad = dataclasses.replace(bad, credentials={**bad.credentials, "access_token": "shpat_wrong"})
    gw = await start_traced([good, bad])

    body, _ = await gw.post(ORDERS)

    codes = {e["extensions"]["storeId"]: e["extensions"]["code"] for e in body["errors"]}
    assert codes == {"shop-bad": "AUTHENTICATION_FAILED"}
    text = await gw.metrics()
    bad_labels = {"store": "shop-bad", "platform": "shopify"}
    assert sample(text, "cartgraph_upstream_requests_total", status="401", **bad_labels) == 1
    code = "AUTHENTICATION_FAILED"
    assert sample(text, "cartgraph_upstream_errors_total", code=code, **bad_labels) == 1
    assert sample(text, "cartgraph_store_up", **bad_labels) == 0
    assert sample(text, "cartgraph_store_up", store="shop-good") == 1
    assert sample(text, "cartgraph_upstream_retries_total", store="shop-bad") is None  # no retry
    count = "cartgraph_graphql_operation_duration_seconds_count"
    assert sample(text, count, operation="Orders", type="query", outcome="partial") == 1


async def test_throttling_and_retries_are_counted_per_store(
    serve_shopify, start_traced: StartTraced
):
    sandbox, conn = await serve_shopify(bucket=None)
    gw = await start_traced([conn], tracing=False)
    sandbox.faults.fail_next(429, 503)

    body, _ = await gw.post(ORDERS)

    assert not body.get("errors"), body
    text = await gw.metrics()
    store = {"store": "shop-a", "platform": "shopify"}
    assert sample(text, "cartgraph_upstream_throttled_total", **store) == 1
    assert sample(text, "cartgraph_upstream_retries_total", code="RATE_LIMITED", **store) == 1
    assert sample(text, "cartgraph_upstream_retries_total", code="UPSTREAM_UNAVAILABLE") == 1
    for status, times in (("429", 1), ("503", 1), ("200", 1)):
        assert sample(text, "cartgraph_upstream_requests_total", status=status) == times
    assert sample(text, "cartgraph_store_up", **store) == 1  # the last answer was a 200
    assert sample(text, "cartgraph_rate_bucket_fill_ratio", store="shop-a") is not None


async def test_labels_are_bounded_templates_and_names(serve_woo, start_traced: StartTraced):
    sandbox, conn = await serve_woo()
    gw = await start_traced([conn], telemetry=Telemetry(Metrics(max_operation_names=2)))

    for name in ("First", "Second", "Third", "", "x" * 200):
        await gw.post(f"query {name} {{ stores {{ id }} }}")
    body, _ = await gw.post(NESTED)  # variable products: one variations call each

    assert not body.get("errors"), body
    text = await gw.metrics()
    assert label_values(text, "operation") == {"First", "Second", "other", "anonymous"}
    assert "get_variations" in label_values(text, "call")  # the client's own, a fixed set
    assert "/wp-json/wc/v3/products/{id}/variations" in label_values(text, "endpoint")
    products = sandbox.state.products.values()
    parents = {str(p["id"]) for p in products if p.get("type") == "variable"}
    assert parents and not any(f"/{pid}/" in text for pid in parents)  # no id in any label


async def test_state_gauges_writes_caches_events_and_buckets(
    serve_shopify, start_traced: StartTraced, tmp_path: Path
):
    from gateway.stores import CacheTTLs

    sandbox, conn = await serve_shopify(bucket=None)
    gw = await start_traced([conn], ttls=CacheTTLs(products=60, locations=60), events_dir=tmp_path)
    stock = first_stock(sandbox, "shop-a")
    variables = {"variantId": stock["variantId"], "locationId": stock["locationId"], "delta": -1}
    body, _ = await gw.post(ADJUST, input=variables)
    assert body["data"]["adjustInventory"]["operation"]["status"] == "SUCCEEDED", body
    for _ in range(2):  # the second read finds the location list cached
        await gw.post('{ locations(storeId: "shop-a") { name } }')
    async with gw.session.post(f"{conn.base_url}/_sandbox/orders", json={}) as resp:
        assert resp.status < 300
    assert gw.events is not None and await gw.events.poll_now("shop-a") >= 1

    text = await gw.metrics()
    jobs = "cartgraph_write_jobs"
    assert sample(text, jobs, store="shop-a", status="SUCCEEDED") == 1
    assert sample(text, jobs, store="shop-a", status="QUEUED") == 0
    assert sample(text, "cartgraph_write_oldest_pending_age_seconds", store="shop-a") == 0
    cache = "cartgraph_store_cache_requests_total"
    assert sample(text, cache, store="shop-a", cache="locations", result="hit") >= 1
    assert sample(text, cache, store="shop-a", cache="locations", result="miss") >= 1
    assert sample(text, "cartgraph_document_cache_requests_total", cache="parse", result="hit") >= 1
    assert sample(text, "cartgraph_event_lag_seconds", store="shop-a") >= 0
    assert (
        sample(text, "cartgraph_poll_checkpoint_age_seconds", store="shop-a", stream="orders") >= 0
    )
    assert sample(text, "cartgraph_subscribers") == 0
    assert sample(text, "cartgraph_subscribers_cut_off_total") == 0
    write_spans = [s for s in gw.spans() if s.name == "write ADJUST_INVENTORY"]
    assert (
        len(write_spans) == 1 and write_spans[0].attributes["cartgraph.write.status"] == "SUCCEEDED"
    )
    writes_calls = [
        s for s in gw.spans() if s.parent and s.parent.span_id == write_spans[0].context.span_id
    ]
    assert writes_calls  # the attempt's upstream requests nest under it


@pytest.mark.parametrize(
    ("url", "external_id", "template"),
    [
        (
            "https://s.myshopify.com/admin/api/2024-01/orders.json?ids=1,2",
            None,
            "/admin/api/2024-01/orders.json",
        ),
        (
            "https://s.myshopify.com/admin/api/2024-01/variants/4410.json",
            "4410",
            "/admin/api/2024-01/variants/{id}.json",
        ),
        (
            "http://w.test/wp-json/wc/v3/products/12/variations/34",
            None,
            "/wp-json/wc/v3/products/{id}/variations/{id}",
        ),
        ("http://m.test/rest/default/V1/stockItems/MUG", "MUG", "/rest/default/V1/stockItems/{id}"),
        ("http://m.test/rest/default/V1/products/SKU%2F1", None, "/rest/default/V1/products/{id}"),
        (
            "http://m.test/rest/default/V1/inventory/source-items",
            None,
            "/rest/default/V1/inventory/source-items",
        ),
        (
            "http://m.test/rest/default/V1/orders/5/cancel",
            None,
            "/rest/default/V1/orders/{id}/cancel",
        ),
    ],
)
def test_route_templates_keep_the_route_and_drop_ids(url, external_id, template):
    assert route_template(url, external_id) == template
