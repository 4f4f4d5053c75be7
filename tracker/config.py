"""`tracker.yaml`: optional workspace settings, validated like every other record file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from tracker.errors import Problem, RecordError
from tracker.validate import Checker
from tracker.yamlio import load_file

KNOWN_KEYS = ("stale_after",)


@dataclass(frozen=True)
class Config:
    #: Derived status turns `stalled` when the newest supporting evidence is older than this.
    stale_after: timedelta | None = None


def load_config(path: Path) -> tuple[Config, list[Problem]]:
    """The settings, or the defaults with the problems when the file is invalid or absent."""
    if not path.exists():
        return Config(), []
    try:
        data = load_file(path)
    except RecordError as exc:
        return Config(), exc.problems
    if data is None:
        return Config(), []
    check = Checker(path)
    root = check.mapping(data, "", 1)
    if root is None:
        return Config(), check.problems
    check.keys(root, "", (), KNOWN_KEYS)
    config = Config(stale_after=check.duration(root, "stale_after", ""))
    return config, check.problems
