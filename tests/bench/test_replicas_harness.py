"""The multi-replica run's pieces: replica configs name the shared backends, the relay
spreads connections and skips a dead replica, and the report states the goals' verdict."""

from __future__ import annotations

import asyncio
import tomllib

from bench.procs import GatewaySetup, StoreInfo, gateway_config
from bench.relay import Relay
from bench.replica_report import goals_met, section, splice
from gateway.server import free_port

STORE = StoreInfo(
    "shop-budget",
    "shopify",
    "budget",
    "http://127.0.0.1:1",
    {"credentials": {"access_token": "t"}, "currency": "USD", "options": {}},
)


def test_a_replica_config_names_postgresql_redis_and_keeps_the_platform_bucket() -> None:
    setup = GatewaySetup(storage_url="postgresql://pg/db", redis_url="redis://r:6379/0")
    text, _ = gateway_config([STORE], setup, 8000)
    config = tomllib.loads(text)

    assert config["storage"] == {"url": "postgresql://pg/db"}
    assert config["redis"] == {"url": "redis://r:6379/0", "key_prefix": "cartgraph"}
    assert "rate_limit" not in config["stores"][0]  # the budget row measures the real bucket


async def test_the_relay_takes_turns_and_skips_a_replica_that_is_down() -> None:
    hits: list[int] = []

    def answer(n: int):  # type: ignore[no-untyped-def]
        async def serve(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            hits.append(n)
            writer.close()

        return serve

    servers = [await asyncio.start_server(answer(n), "127.0.0.1", 0) for n in range(2)]
    ports = [s.sockets[0].getsockname()[1] for s in servers] + [free_port()]  # third: down
    relay = Relay(lambda: ports)
    await relay.start()
    for n in range(6):
        writer = (await asyncio.open_connection("127.0.0.1", relay.port))[1]
        writer.close()
        while len(hits) <= n:  # noqa: ASYNC110 - the upstream records the connection
            await asyncio.sleep(0.005)
    await relay.close()
    for server in servers:
        server.close()

    # every connection reached a live replica: the dead port's turns went to the next one
    assert len(hits) == 6 and hits.count(1) == 2 and hits.count(0) == 4


def results(use: float, lost: int) -> dict[str, object]:
    budget = {"capacity": 40, "leak_per_second": 2, "seconds": 60, "accepted": 0}
    return {
        "replicas": 3,
        "seconds": 1,
        "machine": {"cores": 2, "date": "today"},
        "budget": {**budget, "budget": 160, "use_pct": use, "rejected_429": 0, "errors": {}},
        "writes": [{"replicas": 1, "jobs": 1, "succeeded": 1, "refused": 0, "seconds": 1,
                    "jobs_per_s": 1.0}],
        "fanout": {"subscribers": 1, "orders": 1, "deliveries": 1, "e2e_p50_ms": 1.0,
                   "e2e_p99_ms": 2.0, "errors": 0},
        "faults": {"writes": {"shop": {"lost": lost, "doubled": 0}}, "write_kills": 3,
                   "events": {"shop": {"missed": 0, "duplicated": 0}}, "plan": 1000},
    }  # fmt: skip


def test_the_report_states_whether_the_goals_were_met_and_splices_in() -> None:
    good, short = results(97.5, 0), results(80.0, 0)
    text = splice("# B\n\n## Profile and optimisations\n", section(good, "./run bench"))

    assert goals_met(good) and not goals_met(short) and not goals_met(results(99.0, 1))
    assert text.index("## 8. Replicas") < text.index("## Profile and optimisations")
    assert "goals met" in text and "| 97.5% | 0 |" in text
