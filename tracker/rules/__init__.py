"""Rules: multilingual keyword and date conditions that link articles to commitments.

- `model`: read and validate `rules/*.yaml` (`load_rules`);
- `automaton`: compile every rule into one matcher (`compile_rules`, `Matcher`);
- `textprep`, `generic`, `datecond`: normalisation, the stop-list, date conditions;
- `matching`: the matcher's results stored as signals, idempotently (the one module here
  that reaches storage; reviews are never touched).

The rest is pure domain logic: no database, no network.
"""

from __future__ import annotations

from pathlib import Path

from tracker.errors import Problem
from tracker.rules.automaton import Matcher, compile_rules
from tracker.rules.model import load_rules, load_rules_strict
from tracker.types import Statement

__all__ = ["Matcher", "build_matcher", "compile_rules", "load_rules", "load_rules_strict"]


def build_matcher(rules_dir: Path, statements: list[Statement]) -> tuple[Matcher, list[Problem]]:
    """The valid rules of a folder compiled into one Matcher, and the problems skipped."""
    rules, problems = load_rules(rules_dir, statements)
    return compile_rules(rules, statements), problems
