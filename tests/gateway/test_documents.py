"""Automatic Persisted Queries (Apollo's protocol) and trusted documents."""

from __future__ import annotations

import hashlib

from gateway.cli import main
from gateway.documents import DocumentStore, PersistedDocuments
from tests.helpers.hostile import hostile_gateway

QUERY = "query Stores { stores { id } }"
DIGEST = hashlib.sha256(QUERY.encode()).hexdigest()


def _pq(digest: str = DIGEST) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


async def test_apq_miss_then_register_then_hit():
    async with hostile_gateway() as gw:
        status, miss = await gw.post({"extensions": _pq()})
        assert status == 200
        assert miss["errors"][0]["message"] == "PersistedQueryNotFound"
        assert miss["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        status, registered = await gw.post({"query": QUERY, "extensions": _pq()})
        assert status == 200 and registered["data"]["stores"] == [{"id": "shop-a"}]
        status, hit = await gw.post({"extensions": _pq()})
        assert status == 200 and hit == registered


async def test_apq_refuses_a_hash_that_does_not_match_the_text():
    async with hostile_gateway() as gw:
        status, answer = await gw.post({"query": QUERY, "extensions": _pq("0" * 64)})
        assert status == 400 and answer["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
        status, miss = await gw.post({"extensions": _pq("0" * 64)})
        assert miss["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


async def test_trusted_mode_runs_only_documents_added_with_the_cli(tmp_path, capsys):
    (tmp_path / "stores.graphql").write_text(QUERY)
    assert (
        main(["documents", "--data-dir", str(tmp_path), "add", str(tmp_path / "stores.graphql")])
        == 0
    )
    assert DIGEST in capsys.readouterr().out
    documents = PersistedDocuments(DocumentStore.open(tmp_path), trusted_only=True)
    async with hostile_gateway(documents=documents) as gw:
        status, by_hash = await gw.post({"extensions": _pq()})
        assert status == 200 and by_hash["data"]["stores"] == [{"id": "shop-a"}]
        status, by_text = await gw.post({"query": QUERY})
        assert status == 200 and by_text == by_hash
        other = "{ stores { id name } }"
        status, refused = await gw.post({"query": other})
        assert status == 400
        assert refused["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
        other_digest = hashlib.sha256(other.encode()).hexdigest()
        status, refused = await gw.post({"query": other, "extensions": _pq(other_digest)})
        assert refused["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
        status, miss = await gw.post({"extensions": _pq(other_digest)})  # APQ cannot register
        assert miss["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def test_the_cli_refuses_a_file_that_is_not_graphql(tmp_path, capsys):
    (tmp_path / "bad.graphql").write_text("{ stores { id ")
    assert (
        main(["documents", "--data-dir", str(tmp_path), "add", str(tmp_path / "bad.graphql")]) == 1
    )
    assert "bad.graphql" in capsys.readouterr().err
