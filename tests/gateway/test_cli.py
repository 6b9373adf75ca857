"""The `cartgraph` command as a user runs it: export-schema and demo as real processes."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import aiohttp

from gateway.cli import export_schema
from gateway.server import free_port
from tests.helpers.procs import ROOT, demo_process


def test_schema_graphql_has_not_drifted():
    assert (ROOT / "schema.graphql").read_text() == export_schema(), (
        "schema.graphql is stale: run `cartgraph export-schema > schema.graphql`"
    )


def test_every_schema_field_has_a_description():
    from resolvers.schema import build_schema

    schema = build_schema()._schema
    missing = [
        f"{name}.{field}"
        for name, type_ in schema.type_map.items()
        if not name.startswith("_") and hasattr(type_, "fields") and name not in {"_Service"}
        for field, definition in type_.fields.items()
        if not field.startswith("_") and not definition.description
    ]
    assert missing == []


async def test_demo_serves_graphql_for_every_sandbox_store(tmp_path: Path):
    port = free_port()
    async with demo_process(tmp_path, port, "GraphiQL") as (proc, banner):
        found = re.search(r"GraphiQL \(sends the key\): (\S+)#key=(cg_\S+)", banner)
        assert found is not None, banner
        url, key = found.groups()
        assert url == f"http://127.0.0.1:{port}/graphql"
        async with (
            aiohttp.ClientSession() as http,
            http.post(url, json={"query": "{stores{id}}"}) as resp,
        ):
            assert resp.status == 401  # the demo's door is closed too: the printed key opens it
        query = (
            # first: 40: 50 over the five demo stores is estimated at about 280 calls, over the
            # default limit of 250 (README, "Limits and their defaults")
            "{ stores { id } orders(first: 40) { edges { node { number storeId"
            " totalPrice { amount currencyCode } lineItems { quantity variant { sku"
            " product { title } inventoryLevels { available location { name } } } } } } } }"
        )
        headers = {"Authorization": f"Bearer {key}"}
        async with (
            aiohttp.ClientSession(headers=headers) as http,
            http.post(url, json={"query": query}) as resp,
        ):
            body = json.loads(await resp.text())
        assert "errors" not in body, body.get("errors")
        stores = {s["id"] for s in body["data"]["stores"]}
        assert {e["node"]["storeId"] for e in body["data"]["orders"]["edges"]} == stores
        assert os.listdir(tmp_path) == []  # the demo writes nothing outside its temp dirs
    assert proc.returncode == 0
