"""The README's shell commands: each is run by a test, the `cartgraph …` ones here, as written.

They run through the venv's own `cartgraph` (what `./run cartgraph` execs), in a temporary
directory holding the README's example config as `cartgraph.toml`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

from tests.helpers.procs import ROOT
from tests.helpers.readme import Block, command_kind, readme_blocks, shell_lines
from tests.helpers.sandbox_thread import SANDBOX_TOKEN, sandbox_store

BASH = shutil.which("bash") or "/bin/bash"
VENV_BIN = Path(sys.executable).parent  # the venv running the tests, as ./run sets it up
README_KEY_ID = "3f9a0c21b7d4"  # the id `keys revoke` shows; the test revokes the one it made
Result = subprocess.CompletedProcess[str]


def readme_commands(kind: str) -> list[tuple[Block, str]]:
    """Every README shell command of one kind, with its block."""
    return [
        (block, line)
        for block in readme_blocks()
        if block.lang == "sh"
        for line in shell_lines(block)
        if command_kind(line) == kind
    ]


def comment(line: str) -> str:
    """What a README command line says after `#`: the output it shows."""
    return line.partition("  #")[2].strip()


def test_every_readme_command_is_run_by_a_test() -> None:
    unknown = [f"{b.where}: {line}" for b, line in readme_commands("unknown")]
    assert not unknown, "README commands no test runs (add them to tests/helpers/readme.py)"
    unchecked = [line for _, line in readme_commands("cli") if _check_for(line) is None]
    assert not unchecked, "README `cartgraph` commands with no check in CHECKS below"


def test_readme_cartgraph_commands_do_what_the_readme_says(tmp_path: Path) -> None:
    [config] = [b.text for b in readme_blocks() if b.lang == "toml"]
    (tmp_path / "cartgraph.toml").write_text(config, encoding="utf-8")
    made: dict[str, str] = {}
    for block, line in readme_commands("cli"):
        check = _check_for(line)
        assert check is not None
        result = _run(line.replace(README_KEY_ID, made.get("key_id", README_KEY_ID)), tmp_path)
        check(block, line, result, tmp_path, made)


def _run(line: str, cwd: Path, extra: dict[str, str] | None = None) -> Result:
    line = line.replace("./run cartgraph", "cartgraph").replace(".venv/bin/cartgraph", "cartgraph")
    env = {k: v for k, v in os.environ.items() if k not in {"ACME_SHOPIFY_TOKEN", "CARTGRAPH_PORT"}}
    env.update(extra or {})
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    assert (VENV_BIN / "cartgraph").exists(), f"no cartgraph in {VENV_BIN}: run ./run test"
    # a README line is shell: run it with bash, as the reader would paste it
    return subprocess.run(  # noqa: S603
        [BASH, "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )


Check = Callable[[Block, str, Result, Path, dict[str, str]], None]


def _version(block: Block, line: str, result: Result, cwd: Path, made: dict[str, str]) -> None:
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"cartgraph {version}" == comment(line), block.where


def _export(block: Block, line: str, result: Result, cwd: Path, made: dict[str, str]) -> None:
    assert result.returncode == 0, result.stderr
    assert (cwd / "schema.graphql").read_text() == (ROOT / "schema.graphql").read_text()


def _serve(block: Block, line: str, result: Result, cwd: Path, made: dict[str, str]) -> None:
    shown = re.search(r"^# (cartgraph: .*)$", block.text, re.MULTILINE)
    assert shown is not None, f"{block.where}: the README shows no error for `{line}`"
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == shown.group(1), block.where  # one line, no traceback


def _create(block: Block, line: str, result: Result, cwd: Path, made: dict[str, str]) -> None:
    assert result.returncode == 0, result.stderr
    key = re.fullmatch(r"cg_([0-9a-f]{12})_\S+", result.stdout.strip())
    assert key is not None, result.stdout
    made["key_id"] = key.group(1)


def _list(block: Block, line: str, result: Result, cwd: Path, made: dict[str, str]) -> None:
    assert result.returncode == 0, result.stderr
    assert made["key_id"] in result.stdout and "oms" in result.stdout


def _revoke(block: Block, line: str, result: Result, cwd: Path, made: dict[str, str]) -> None:
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"revoked {made['key_id']}"


def _against_a_sandbox(
    block: Block, line: str, result: Result, cwd: Path, made: dict[str, str]
) -> None:
    """As written beside the README's config, the store's token is unset: the one-line
    error. Then the same line against a sandbox standing in for `acme-us` prints the
    summary the README shows under it (numbers and times as `#`)."""
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().endswith("environment variable ACME_SHOPIFY_TOKEN is not set")
    with sandbox_store() as url:
        work = cwd / "sandbox"
        work.mkdir(exist_ok=True)
        config = (cwd / "cartgraph.toml").read_text(encoding="utf-8")
        config = config.replace("https://acme.myshopify.com", url)
        # Admin REST, as the README's numbers are: over GraphQL a full orders page costs ~470
        # of the plan's 100 points/s, a minute for this check; the commands are the same
        config = config.replace('currency = "USD"', 'currency = "USD"\noptions = { api = "rest" }')
        (work / "cartgraph.toml").write_text(config)
        real = _run(line, work, {"ACME_SHOPIFY_TOKEN": SANDBOX_TOKEN})
    assert real.returncode == 0, real.stderr
    shown = _shown_after(block, line)
    pattern = re.sub(r"\d[\d,]*", lambda _: r"[\d,.]+", re.escape(shown))
    printed = [text.strip() for text in real.stdout.splitlines()]
    assert any(re.fullmatch(pattern, text) for text in printed), (shown, real.stdout)


def _shown_after(block: Block, line: str) -> str:
    """The `# …` line the README prints under a command: its output."""
    lines = block.text.splitlines()
    at = next(n for n, text in enumerate(lines) if text.strip() == line)
    return lines[at + 1].removeprefix("# ").strip()


CHECKS: dict[str, Check] = {
    "--version": _version,
    "export-schema": _export,
    "serve": _serve,
    "keys create": _create,
    "keys list": _list,
    "keys revoke": _revoke,
    "webhooks sync": _against_a_sandbox,
    "backfill": _against_a_sandbox,
    "export": _against_a_sandbox,
}


def _check_for(line: str) -> Check | None:
    words = line.replace("./run cartgraph", "cartgraph").split()[1:3]
    return CHECKS.get(" ".join(words)) or CHECKS.get(words[0])
