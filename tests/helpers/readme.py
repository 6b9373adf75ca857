"""README.md as executable documentation: its fenced blocks, commands and printed answers.

An answer printed in the README (a ```json block) must equal the real one, except where it
marks a cut with "…": a string ending in "…" stands for any string starting with what comes
before it, and a list whose last item is "…" for any list starting with the items shown.
Objects are never abridged: a README answer shows every key of every object it prints.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Any

from tests.helpers.procs import ROOT

CUT = "…"
_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Block:
    """One fenced block of the README: its language, text and first line number."""

    lang: str
    text: str
    line: int

    @property
    def where(self) -> str:
        """README.md:LINE, for failure messages."""
        return f"README.md:{self.line}"


def readme_blocks() -> list[Block]:
    """Every fenced block of README.md, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [
        Block(m.group(1), m.group(2), text.count("\n", 0, m.start()) + 2)
        for m in _FENCE.finditer(text)
    ]


def shell_lines(block: Block) -> list[str]:
    """The commands of a ```sh block: continuations joined, blank and comment lines dropped."""
    joined = block.text.replace("\\\n", " ")
    return [line.strip() for line in joined.splitlines() if shlex.split(line, comments=True)]


def command_kind(line: str) -> str:
    """Which test runs a README command line: 'walk' (tests/test_readme.py, against the
    demo), 'cli' (tests/test_readme_commands.py) or 'not-run' (its reason in NOT_RUN)."""
    words = shlex.split(line, comments=True)
    if words[0] in {"curl", "export"}:
        return "walk"
    if words[0] in {"cartgraph", ".venv/bin/cartgraph"} or words[:2] == ["./run", "cartgraph"]:
        return "cli"
    if " ".join(words[:2]) in NOT_RUN or " ".join(words[:3]) in NOT_RUN:
        return "not-run"
    return "unknown"


# README commands no test runs as written, and why (each is covered another way).
NOT_RUN = {
    "./run demo": "what it execs, `.venv/bin/cartgraph demo`, is the demo the walk-through uses",
    "./run test": "the command running this test",
    "./run bench": "about 10 minutes; tests/bench covers the harness",
    ".venv/bin/python -m": "a profiler run (bench.profile) over the benchmark's stores",
    "docker compose": "needs a Docker engine; tests/gateway/test_deploy.py checks its files",
}


def mismatches(shown: Any, real: Any, path: str = "$") -> list[str]:
    """Where the real answer differs from the README's (empty when it matches)."""
    if isinstance(shown, str) and shown.endswith(CUT):
        ok = isinstance(real, str) and real.startswith(shown[: -len(CUT)])
        return [] if ok else [f"{path}: README shows {shown!r}, real {real!r}"]
    if isinstance(shown, dict):
        if not isinstance(real, dict) or shown.keys() != real.keys():
            return [f"{path}: README shows keys {list(shown)}, real {_keys(real)}"]
        return [m for k in shown for m in mismatches(shown[k], real[k], f"{path}.{k}")]
    if isinstance(shown, list):
        return _list_mismatches(shown, real, path)
    if type(shown) is not type(real) or shown != real:
        return [f"{path}: README shows {shown!r}, real {real!r}"]
    return []


def _list_mismatches(shown: list[Any], real: Any, path: str) -> list[str]:
    cut = bool(shown) and shown[-1] == CUT
    items = shown[:-1] if cut else shown
    if not isinstance(real, list) or len(real) < len(items) or (not cut and len(real) > len(items)):
        size = len(real) if isinstance(real, list) else type(real).__name__
        return [
            f"{path}: README shows {len(items)} items{' and a cut' if cut else ''}, real {size}"
        ]
    return [m for i, item in enumerate(items) for m in mismatches(item, real[i], f"{path}[{i}]")]


def _keys(value: Any) -> Any:
    return list(value) if isinstance(value, dict) else type(value).__name__
