"""Rules of the code base that must hold on every commit."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from services.cli import codegen

ROOT = Path(__file__).resolve().parents[2]


def test_generated_types_match_schemas() -> None:
    drift = codegen.check()
    assert drift == [], [f"{d.reason}: {d.path}" for d in drift]


def test_module_dependency_rules_hold() -> None:
    exe = Path(sys.executable).with_name("lint-imports")
    proc = subprocess.run([str(exe)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def _number_properties(node: object, found: set[str]) -> None:
    if isinstance(node, dict):
        for name, spec in (node.get("properties") or {}).items():
            kinds = spec.get("type") if isinstance(spec, dict) else None
            if kinds == "number" or (isinstance(kinds, list) and "number" in kinds):
                found.add(name)
        for value in node.values():
            _number_properties(value, found)
    elif isinstance(node, list):
        for value in node:
            _number_properties(value, found)


def test_no_float_money_in_schemas() -> None:
    # Money is Decimal (a string on the wire): the only JSON numbers allowed are
    # process statistics, listed here explicitly.
    found: set[str] = set()
    for path in (ROOT / "schemas").glob("*.json"):
        _number_properties(json.loads(path.read_text()), found)
    assert found == {"cpuPct", "memoryMb", "uptimeS"}
