"""Logs: client mistakes at INFO without tracebacks, no query text or personal data, capped."""

from __future__ import annotations

import hashlib
import logging

from gateway.logs import ContextFormatter
from tests.helpers.hostile import hostile_gateway

EMAIL = "jane@example.com"
FAILING = [
    f'{{ customers(filter: {{email: "{EMAIL}"}}, first: 9999) {{ edges {{ node {{ id }} }} }} }}',
    f'{{ customers(filter: {{email: "{EMAIL}"}}, first: "{EMAIL}") {{ edges {{ node {{ id }} }} }} }}',
    f'{{ customers(filter: {{email: "{EMAIL}"}} {{ edges }}',  # syntax error
    f'{{ order(id: "{EMAIL}") {{ id }} }}',  # malformed id
    '{ orders(storeIds: ["nope"]) { edges { node { id } } } }',  # unknown store
    "{ orders(first: 101) { edges { node { id } } } }",  # over max_page_size (issue 18)
    "{ orders { edges { node { nope } } } }",  # unknown field (issue 18)
]


async def test_client_mistakes_log_at_info_with_hash_and_no_text_or_email(caplog):
    caplog.set_level(logging.DEBUG)
    async with hostile_gateway() as gw:
        for query in FAILING:
            status, answer = await gw.post({"query": query})
            assert status == 200 and answer["errors"], answer
            assert all(e["extensions"]["code"] != "INTERNAL" for e in answer["errors"])
    formatter = ContextFormatter("%(levelname)s %(name)s %(message)s")
    lines = [formatter.format(r) for r in caplog.records]
    assert lines and all(EMAIL not in line for line in lines)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
    client = [line for line in lines if "client error" in line]
    assert len(client) >= len(FAILING)
    assert f"query_hash={hashlib.sha256(FAILING[0].encode()).hexdigest()}" in "\n".join(client)
    assert all("customers(filter" not in line for line in lines)


def test_log_fields_are_capped_and_control_characters_escaped():
    record = logging.LogRecord(
        "t", logging.INFO, __file__, 1, "got %s", ("a\nFORGED x" * 500,), None
    )
    record.operation_name = "Op\r\nERROR fake\x1b[31m"
    line = ContextFormatter("%(levelname)s %(message)s").format(record)
    assert "\n" not in line and "\r" not in line and "\x1b" not in line
    assert "\\n" in line and "operation_name=Op\\r\\nERROR" in line
    assert len(line) < 2_200  # message and field each capped at 1,000 characters
