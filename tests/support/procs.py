"""Process-tree helpers for tests that must prove nothing is left running."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def _ppid_map() -> dict[int, int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may contain spaces.
        fields = stat[stat.rfind(")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
    return parents


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (children, grandchildren, ...)."""
    parents = _ppid_map()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        children = {child for child, parent in parents.items() if parent in frontier}
        children -= found
        found |= children
        frontier = children
    return found


def alive(pid: int) -> bool:
    """True if `pid` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rfind(")") + 2] != "Z"


def signal_safe_kill(pids: set[int]) -> None:
    """Best-effort SIGKILL of leftovers so a failing test does not leak processes."""
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, 9)
