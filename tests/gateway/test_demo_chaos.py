"""`cartgraph demo`'s sandboxes take `/_sandbox/chaos` from another process."""

from __future__ import annotations

import re
from pathlib import Path

import aiohttp

from gateway.server import free_port
from platforms.registry import all_specs
from tests.helpers.procs import demo_process

CHAOS = {"seed": 5, "before_apply": {"503": 1.0}, "methods": ["GET"]}


async def test_every_demo_sandbox_switches_chaos_on_and_off_over_http(tmp_path: Path) -> None:
    async with demo_process(tmp_path, free_port(), "GraphiQL") as (_, banner):
        urls = re.findall(r"^\s+demo-\S+\s+\S+\s+(http://127\.0\.0\.1:\d+)$", banner, re.M)
        assert len(urls) == len(all_specs()), banner
        async with aiohttp.ClientSession() as http:
            for url in urls:
                async with http.post(f"{url}/_sandbox/chaos", json=CHAOS) as resp:
                    assert resp.status == 200 and (await resp.json())["seed"] == 5
                async with http.get(f"{url}/_sandbox/chaos") as resp:
                    on = await resp.json()
                async with http.delete(f"{url}/_sandbox/chaos") as resp:
                    off = await resp.json()
                assert on["enabled"] and on["config"]["methods"] == ["GET"], url
                assert not off["enabled"] and set(off["injected"]) >= {"late_apply"}
