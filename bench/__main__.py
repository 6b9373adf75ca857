"""`python -m bench`: run the benchmark and rewrite BENCHMARKS.md (`--quick`: a smoke run)."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
from pathlib import Path

from bench.run import DEFAULT_MARKDOWN, DEFAULT_OUT, FULL, QUICK, run


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, seconds not minutes")
    parser.add_argument("--no-peer", action="store_true", help="skip the GraphQL Mesh run")
    parser.add_argument("--out-dir", type=Path, default=DEFAULT_OUT, help="where JSON goes")
    parser.add_argument(
        "--markdown",
        type=Path,
        default=None,
        help=f"where the report goes (default {DEFAULT_MARKDOWN.name} for a full run; "
        "a --quick run writes none unless asked)",
    )
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    if args.no_peer:
        plan = dataclasses.replace(plan, peer=False)
    markdown = args.markdown or (None if args.quick else DEFAULT_MARKDOWN)
    asyncio.run(run(plan, args.out_dir, markdown))


if __name__ == "__main__":
    main()
