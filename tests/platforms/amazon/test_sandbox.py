"""The Amazon sandbox answers as SP-API does: every answer validates against Amazon's own
model, usage plans refuse with 429 QuotaExceeded, tokens expire, personal data needs an RDT,
and feeds finish asynchronously with a processing report."""

from __future__ import annotations

import asyncio
from typing import Any

from platforms.amazon.sandbox.seed import HOME_MARKETPLACE, SELLER_ID
from tests.platforms.amazon.conftest import OpenAmazon, Served
from tests.platforms.amazon.models import problems, response_schema

ORDERS = "/orders/2026-01-01/orders"
LISTINGS = f"/listings/2021-08-01/items/{SELLER_ID}"
ALL = "PROCEEDS,PROMOTION,CANCELLATION,FULFILLMENT,PACKAGES"


def valid(model: str, path: str, method: str, body: Any, status: str = "200") -> None:
    assert problems(model, response_schema(model, path, method, status), body) == []


async def test_orders_validate_against_the_orders_model(served: Served) -> None:
    params = {
        "marketplaceIds": HOME_MARKETPLACE,
        "lastUpdatedAfter": "2020-01-01T00:00:00Z",
        "maxResultsPerPage": "20",
        "includedData": ALL,
    }
    status, page, headers = await served.call("GET", ORDERS, params=params)
    assert status == 200 and len(page["orders"]) == 20 and page["pagination"]["nextToken"]
    valid("orders_2026-01-01.json", ORDERS, "get", page)
    assert headers["x-amzn-RateLimit-Limit"] and headers["x-amzn-RequestId"]
    statuses = {o["fulfillment"]["fulfillmentStatus"] for o in page["orders"]}
    assert {"SHIPPED", "UNSHIPPED"} <= statuses
    pending = [o for o in page["orders"] if o["fulfillment"]["fulfillmentStatus"] == "PENDING"]
    assert all("proceeds" not in o for o in pending)  # no amounts before payment
    one = page["orders"][0]["orderId"]
    status, body, _ = await served.call("GET", f"{ORDERS}/{one}", params={"includedData": ALL})
    assert status == 200 and body["order"] == page["orders"][0]
    valid("orders_2026-01-01.json", ORDERS + "/{orderId}", "get", body)
    status, missing, _ = await served.call("GET", f"{ORDERS}/999-0000000-0000000")
    assert status == 404 and missing["errors"][0]["code"] == "NotFound"
    status, bad, _ = await served.call("GET", ORDERS, params={"marketplaceIds": HOME_MARKETPLACE})
    assert status == 400 and bad["errors"][0]["code"] == "InvalidInput"  # no date given


async def test_catalogue_and_stock_validate_against_their_models(served: Served) -> None:
    params = {
        "marketplaceIds": HOME_MARKETPLACE,
        "pageSize": "20",
        "includedData": "summaries,attributes,offers,fulfillmentAvailability,relationships",
    }
    status, page, _ = await served.call("GET", LISTINGS, params=params)
    assert status == 200 and page["numberOfResults"] > 20 and len(page["items"]) == 20
    valid("listingsItems_2021-08-01.json", "/listings/2021-08-01/items/{sellerId}", "get", page)
    sku = page["items"][0]["sku"]
    status, item, _ = await served.call("GET", f"{LISTINGS}/{sku}", params=params)
    valid(
        "listingsItems_2021-08-01.json", "/listings/2021-08-01/items/{sellerId}/{sku}", "get", item
    )
    fba = sorted(served.sandbox.state.fba[HOME_MARKETPLACE])
    summaries = {
        "granularityType": "Marketplace",
        "granularityId": HOME_MARKETPLACE,
        "marketplaceIds": HOME_MARKETPLACE,
        "details": "true",
        "sellerSkus": ",".join(fba),
    }
    status, stock, _ = await served.call("GET", "/fba/inventory/v1/summaries", params=summaries)
    assert status == 200 and {
        r["sellerSku"] for r in stock["payload"]["inventorySummaries"]
    } == set(fba)
    valid("fbaInventory.json", "/fba/inventory/v1/summaries", "get", stock)


async def test_usage_plans_refuse_with_quota_exceeded(open_amazon: OpenAmazon) -> None:
    served = await open_amazon(usage_plans=True)
    params = {
        "marketplaceIds": HOME_MARKETPLACE,
        "lastUpdatedAfter": "2020-01-01T00:00:00Z",
        "maxResultsPerPage": "1",
    }
    answers = [await served.call("GET", ORDERS, params=params) for _ in range(21)]
    assert [a[0] for a in answers] == [200] * 20 + [429]  # searchOrders: burst 20, 0.0056/s
    _, body, headers = answers[-1]
    assert body["errors"][0]["code"] == "QuotaExceeded"
    assert headers["x-amzn-RequestId"] and "x-amzn-RateLimit-Limit" not in headers
    assert answers[0][2]["x-amzn-RateLimit-Limit"] == "0.0056"
    one = answers[0][1]["orders"][0]["orderId"]
    assert (await served.call("GET", f"{ORDERS}/{one}"))[0] == 200  # getOrder: its own bucket
    assert served.sandbox.plans is not None
    assert served.sandbox.plans.rejected == {"searchOrders": 1}


async def test_personal_data_needs_a_restricted_data_token(served: Served) -> None:
    params = {
        "marketplaceIds": HOME_MARKETPLACE,
        "lastUpdatedAfter": "2020-01-01T00:00:00Z",
        "includedData": "BUYER,RECIPIENT",
    }
    status, refused, _ = await served.call("GET", ORDERS, params=params)
    assert status == 403 and refused["errors"][0]["code"] == "Unauthorized"
    resource = {"method": "GET", "path": ORDERS, "dataElements": ["buyerInfo", "shippingAddress"]}
    status, rdt, _ = await served.call(
        "POST", "/tokens/2021-03-01/restrictedDataToken", json={"restrictedResources": [resource]}
    )
    assert status == 200
    valid("tokens_2021-03-01.json", "/tokens/2021-03-01/restrictedDataToken", "post", rdt)
    headers = {"x-amz-access-token": rdt["restrictedDataToken"]}
    status, page, _ = await served.call("GET", ORDERS, params=params, headers=headers)
    assert status == 200 and all("recipient" in o for o in page["orders"])
    assert served.sandbox.personal_reads == len(page["orders"])


async def test_an_expired_access_token_is_refused_as_amazon_does(served: Served) -> None:
    served.sandbox.desk.expire_all()
    status, body, _ = await served.call(
        "GET", f"{LISTINGS}/AZ-1001", params={"marketplaceIds": HOME_MARKETPLACE}
    )
    assert status == 403
    assert body["errors"][0]["details"] == "The access token you provided has expired."


async def test_a_feed_stays_in_progress_until_its_processing_report(served: Served) -> None:
    order = next(
        o
        for o in served.sandbox.state.orders.values()
        if o["fulfillment"]
        == {**o["fulfillment"], "fulfillmentStatus": "UNSHIPPED", "fulfilledBy": "MERCHANT"}
    )
    status, doc, _ = await served.call(
        "POST", "/feeds/2021-06-30/documents", json={"contentType": "text/xml; charset=UTF-8"}
    )
    valid("feeds_2021-06-30.json", "/feeds/2021-06-30/documents", "post", doc, "201")
    xml = (
        "<AmazonEnvelope><Message><OrderAcknowledgement><AmazonOrderID>"
        f"{order['orderId']}</AmazonOrderID><StatusCode>Failure</StatusCode>"
        "</OrderAcknowledgement></Message></AmazonEnvelope>"
    )
    async with served.http.put(doc["url"], data=xml.encode()) as resp:
        assert resp.status == 200
    body = {
        "feedType": "POST_ORDER_ACKNOWLEDGEMENT_DATA",
        "marketplaceIds": [HOME_MARKETPLACE],
        "inputFeedDocumentId": doc["feedDocumentId"],
    }
    status, created, _ = await served.call("POST", "/feeds/2021-06-30/feeds", json=body)
    assert status == 202
    status, feed, _ = await served.call("GET", f"/feeds/2021-06-30/feeds/{created['feedId']}")
    assert feed["processingStatus"] == "IN_QUEUE"
    assert order["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"  # not yet
    valid("feeds_2021-06-30.json", "/feeds/2021-06-30/feeds/{feedId}", "get", feed)
    for _ in range(50):
        await asyncio.sleep(0.02)
        status, feed, _ = await served.call("GET", f"/feeds/2021-06-30/feeds/{created['feedId']}")
        if feed["processingStatus"] == "DONE":
            break
    assert feed["processingStatus"] == "DONE"
    assert order["fulfillment"]["fulfillmentStatus"] == "CANCELLED"
    status, report, _ = await served.call(
        "GET", f"/feeds/2021-06-30/documents/{feed['resultFeedDocumentId']}"
    )
    async with served.http.get(report["url"]) as resp:
        assert "<MessagesSuccessful>1</MessagesSuccessful>" in await resp.text()
