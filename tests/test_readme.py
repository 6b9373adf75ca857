"""README.md followed like a new user: every GraphQL example and curl line, against the demo.

One `cartgraph demo` process; the README's blocks run in README order (each example sees the
state the ones above it left, as a reader's demo would), and every printed answer is compared
with the real one (tests/helpers/readme.py says how "…" marks a cut). Set
CARTGRAPH_README_ANSWERS=/some/file to get every real answer written there, to update the README.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
from pathlib import Path
from typing import Any

import aiohttp
from graphql import parse

from gateway.server import free_port
from resolvers.subscriptions import encode_cursor
from tests.gateway.events.conftest import subscription, take
from tests.helpers.procs import READY_WITHIN, demo_process
from tests.helpers.readme import Block, command_kind, mismatches, readme_blocks, shell_lines

README_ADDRESS = "127.0.0.1:8000"  # the demo's default address, as the README prints it
ANSWERS_ENV = "CARTGRAPH_README_ANSWERS"


def banner_values(banner: str) -> dict[str, str]:
    """What the README asks the reader to copy from the demo's banner (`export NAME=…`)."""
    key = re.search(r"#key=(cg_\S+)", banner)
    shop = re.search(r"demo-shopify\s+shopify\s+(http://\S+)", banner)
    assert key and shop, banner
    # the README sends readers to "the GraphiQL URL the demo printed": every one sends the key
    assert all("#key=" in url for url in re.findall(r"http://\S+/graphql\S*", banner)), banner
    return {"KEY": key.group(1), "SHOP": shop.group(1)}


def from_the_start(document: str) -> str:
    """The subscription with `after` at the log's start, unless it names one. A reader
    subscribes before acting; the test cannot see when the server has registered the
    subscription, so it replays from the start instead (same first event in a fresh demo)."""
    field = parse(document).definitions[0].selection_set.selections[0]  # type: ignore[attr-defined]
    if any(arg.name.value == "after" for arg in field.arguments):
        return document
    after = f'after: "{encode_cursor(0)}"'
    if field.arguments:
        at = field.arguments[-1].loc.end
        return f"{document[:at]}, {after}{document[at:]}"
    at = field.name.loc.end
    return f"{document[:at]}({after}){document[at:]}"


class Walk:
    """The reader: runs blocks in order, remembers the last answer, collects mismatches."""

    def __init__(self, address: str, values: dict[str, str], stack: contextlib.AsyncExitStack):
        self.address, self.values, self.stack = address, values, stack
        self.problems: list[str] = []
        self.last: tuple[Block, Any] | None = None  # (block, answer or subscription queue)
        self.compared = True

    async def step(self, block: Block) -> None:
        """Run one README block."""
        if block.lang == "graphql":
            self._check_unprinted()
            await self._graphql(block)
        elif block.lang == "sh":
            for line in shell_lines(block):
                if command_kind(line) == "walk":
                    await self._shell(block, line)
        elif block.lang == "json":
            await self._compare(block)

    def finish(self) -> list[str]:
        """Every problem found, the last answer's included."""
        self._check_unprinted()
        return self.problems

    async def _graphql(self, block: Block) -> None:
        document = block.text
        if document.lstrip().startswith("subscription"):
            url = f"ws://{self.address}/graphql"
            auth = {"Authorization": f"Bearer {self.values['KEY']}"}
            stream = subscription(url, from_the_start(document), {}, init_payload=auth)
            self._answered(block, await self.stack.enter_async_context(stream))
            return
        headers = {"Authorization": f"Bearer {self.values['KEY']}"}
        async with (
            aiohttp.ClientSession(headers=headers) as http,
            http.post(f"http://{self.address}/graphql", json={"query": document}) as resp,
        ):
            self._answered(block, await resp.json(content_type=None))

    async def _shell(self, block: Block, line: str) -> None:
        if line.startswith("export "):
            name = line.split()[1].partition("=")[0]
            if name not in self.values:
                self.problems.append(f"{block.where}: the test cannot provide ${name}")
            return
        if "/graphql" in line:
            self._check_unprinted()
        proc = await asyncio.create_subprocess_exec(
            "bash", "-c", line.replace(README_ADDRESS, self.address),
            env={**os.environ, **self.values}, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, _ = await asyncio.wait_for(proc.communicate(), READY_WITHIN)
        if proc.returncode != 0:
            self.problems.append(f"{block.where}: `{line}` exited {proc.returncode}")
        elif "/graphql" in line:
            self._answered(block, json.loads(out))

    async def _compare(self, block: Block) -> None:
        assert self.last is not None, f"{block.where}: an answer with no request above it"
        real = await self._real_answer()
        self.compared = True
        _record(block, real)
        try:
            shown = json.loads(block.text)
        except json.JSONDecodeError as exc:
            self.problems.append(f"{block.where}: not JSON ({exc})")
            return
        self.problems += [f"{block.where}: {m}" for m in mismatches(shown, real)]

    async def _real_answer(self) -> Any:
        assert self.last is not None
        answer = self.last[1]
        if isinstance(answer, asyncio.Queue):  # a subscription: its next event
            [event] = await take(answer, 1)
            return {"data": event}
        return answer

    def _answered(self, block: Block, answer: Any) -> None:
        self.last, self.compared = (block, answer), False

    def _check_unprinted(self) -> None:
        # an example the README prints no answer for must still answer without errors
        if self.last is None or self.compared or isinstance(self.last[1], asyncio.Queue):
            return
        block, answer = self.last
        if answer.get("errors") or not answer.get("data"):
            self.problems.append(f"{block.where}: {answer}")
        self.compared = True


def _record(block: Block, real: Any) -> None:
    path = os.environ.get(ANSWERS_ENV)
    if path:
        with Path(path).open("a", encoding="utf-8") as out:
            out.write(f"{block.where}\n{json.dumps(real, ensure_ascii=False)}\n\n")


async def test_every_readme_example_answers_what_the_readme_prints(tmp_path: Path) -> None:
    port = free_port()
    async with (
        demo_process(tmp_path, port, "Ctrl+C stops the demo.") as (_, banner),
        contextlib.AsyncExitStack() as stack,
    ):
        walk = Walk(f"127.0.0.1:{port}", banner_values(banner), stack)
        for block in readme_blocks():
            await walk.step(block)
        problems = walk.finish()
    assert not problems, "README.md is out of date:\n" + "\n".join(problems)
