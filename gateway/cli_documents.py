"""`cartgraph documents add|list`: register the operations a trusted-documents gateway runs."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from graphql import GraphQLError, OperationDefinitionNode, parse

from gateway.config import load_config, storage_url
from gateway.documents import DocumentBackend
from gateway.hardening import Hardening
from gateway.pg_documents import open_documents


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `documents` command and its sub-commands."""
    documents = subparsers.add_parser(
        "documents", help="trusted documents: the operations a locked-down gateway runs"
    )
    where = documents.add_mutually_exclusive_group(required=True)
    where.add_argument("--config", help="cartgraph.toml (its [gateway] data_dir)")
    where.add_argument("--data-dir", help="the gateway's data directory")
    sub = documents.add_subparsers(dest="documents_command", required=True)
    add = sub.add_parser("add", help="register .graphql files or an Apollo manifest (.json)")
    add.add_argument("files", nargs="+", type=Path)
    sub.add_parser("list", help="print the sha256 and name of every registered document")


def run(args: argparse.Namespace) -> int:
    """Run a `documents` sub-command; 0 on success, 1 when a file is refused."""
    data_dir, url = args.data_dir, None
    if args.config:
        config = load_config(args.config)
        data_dir, url = config.gateway.data_dir, storage_url(config)
    store = open_documents(data_dir, url)
    try:
        if args.documents_command == "list":
            for digest, name in store.entries():
                print(f"{digest} {name or '-'}")
            return 0
        return _add(store, args.files)
    finally:
        store.close()


def _add(store: DocumentBackend, files: list[Path]) -> int:
    failed = 0
    for path in files:
        try:
            bodies = _bodies(path)
        except (OSError, ValueError, GraphQLError) as exc:
            print(f"cartgraph: {path}: {exc}", file=sys.stderr)
            failed += 1
            continue
        for body in bodies:
            digest = store.add(body, _operation_name(body))
            print(f"{digest} {path}")
    return 1 if failed else 0


def _bodies(path: Path) -> list[str]:
    """The documents in a file: the whole .graphql file, or a manifest's operations' bodies."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        manifest = json.loads(text)  # Apollo: {"operations": [{"id", "name", "body"}]}
        bodies = [str(op["body"]) for op in manifest.get("operations", [])]
    else:
        bodies = [text]
    limit = Hardening().documents.max_query_tokens
    for body in bodies:
        parse(body, max_tokens=limit)  # a document the gateway would refuse is refused here
    return bodies


def _operation_name(body: str) -> str | None:
    for node in parse(body).definitions:
        if isinstance(node, OperationDefinitionNode) and node.name:
            return node.name.value
    return None
