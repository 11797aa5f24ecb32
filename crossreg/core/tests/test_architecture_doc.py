"""docs/architecture.md's layer list is the import-linter contract and matches the import graph."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[3]


def _doc_layers() -> list[set[str]]:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = re.search(r"```layers\n(.*?)```", text, re.S)
    assert block, "docs/architecture.md has no ```layers block"
    return [{p.strip() for p in line.split(":")} for line in block.group(1).splitlines() if line.strip()]


def _contract_layers() -> list[set[str]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    [contract] = [c for c in config["tool"]["importlinter"]["contracts"] if c["id"] == "layers"]
    out = []
    for layer in contract["layers"]:
        names = re.split(r"[|:]", layer)
        out.append({n.strip().strip("()").removeprefix("crossreg.") for n in names})
    return out


def test_the_documented_layers_are_the_contract() -> None:
    assert _doc_layers() == _contract_layers()


def test_every_import_between_apps_points_down_the_documented_layers() -> None:
    rank = {app: i for i, layer in enumerate(_doc_layers()) for app in layer}
    graph = grimp.build_graph("crossreg", exclude_type_checking_imports=True)
    wrong, edges = [], set()
    for importer in graph.modules:
        parts = importer.split(".")
        if len(parts) < 2 or "tests" in parts:
            continue
        for imported in graph.find_modules_directly_imported_by(importer):
            a, b = parts[1], imported.split(".")[1] if "." in imported else ""
            if a == b or a not in rank or b not in rank:
                continue
            edges.add((a, b))
            if rank[a] > rank[b]:  # a is listed below b, so it may not import b
                wrong.append(f"{importer} -> {imported}")
    assert wrong == []
    assert ("sampling", "inspections") in edges and ("ledger", "core") in edges  # the graph was read
    documented = {app for layer in _doc_layers() for app in layer}
    present = {p.name for p in (ROOT / "crossreg").iterdir() if (p / "__init__.py").exists()}
    present |= {p.stem for p in (ROOT / "crossreg").glob("*.py") if p.stem != "__init__"}
    assert present - documented == set(), "apps missing from docs/architecture.md's layers"
