"""Field-by-field reading of YAML records that collects every problem with its line.

Each record module (commitments, feeds, rules, config) describes its fields with these
readers instead of a schema language: the messages stay specific ("expected a date
YYYY-MM-DD, got '2016-13-01'") and every problem names file, line and field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from tracker.errors import Problem
from tracker.records.durations import parse_duration
from tracker.records.yamlio import LineList, LineMap
from tracker.types import NOT_STATED

#: Ids and names (statements, tags, feeds, rules): a slug of at most 80 characters, so an id
#: fits a table column and a command line, and a 5,000-character name is refused at once.
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_MISSING = object()


class Checker:
    """Reads fields out of LineMaps and remembers what is wrong, without stopping."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[Problem] = []

    # -- reporting

    def add(self, line: int | None, field: str, message: str) -> None:
        self.problems.append(Problem(self.path, line, field, message))

    @property
    def ok(self) -> bool:
        return not self.problems

    # -- structure

    def mapping(self, value: Any, field: str, line: int | None) -> LineMap | None:
        if isinstance(value, LineMap):
            return value
        self.add(line, field, f"expected a mapping (key: value), got {_kind(value)}")
        return None

    def items(self, value: Any, field: str, line: int | None) -> list[tuple[Any, str, int | None]]:
        """The items of a list with their field path and line; reports a non-list."""
        if value is None:
            return []
        if not isinstance(value, LineList):
            self.add(line, field, f"expected a list, got {_kind(value)}")
            return []
        return [(item, f"{field}[{i}]", value.line_of(i)) for i, item in enumerate(value)]

    def keys(
        self,
        node: LineMap,
        field: str,
        required: Iterable[str],
        optional: Iterable[str] = (),
    ) -> None:
        """Report missing required keys and unknown keys (with the allowed ones)."""
        required = tuple(required)
        allowed = set(required) | set(optional)
        for key in required:
            if key not in node:
                self.add(node.line, _join(field, key), "missing required field")
        for key in node:
            if key not in allowed:
                self.add(
                    node.line_of(key),
                    _join(field, key),
                    f"unknown key; expected one of: {', '.join(sorted(allowed))}",
                )

    # -- scalars

    def string(
        self,
        node: LineMap,
        key: str,
        field: str,
        *,
        required: bool = True,
        pattern: re.Pattern[str] | None = None,
    ) -> str | None:
        value = node.get(key, _MISSING)
        if value is _MISSING or value is None:
            if required and value is None:
                self.add(node.line_of(key), _join(field, key), "expected text, got nothing")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.add(node.line_of(key), _join(field, key), f"expected text, got {_kind(value)}")
            return None
        text = str(value)
        if not text.strip():
            self.add(node.line_of(key), _join(field, key), "expected text, got an empty string")
            return None
        if pattern is not None and not pattern.match(text):
            self.add(
                node.line_of(key),
                _join(field, key),
                f"{_short(text)!r} does not match {pattern.pattern} (lower-case letters, digits, '-')",
            )
            return None
        return text

    def choice(
        self, node: LineMap, key: str, field: str, choices: Iterable[str], *, default: str | None = None
    ) -> str | None:
        choices = tuple(choices)
        if key not in node:
            return default
        value = node[key]
        if value not in choices:
            self.add(
                node.line_of(key), _join(field, key), f"expected one of {', '.join(choices)}; got {value!r}"
            )
            return default
        return str(value)

    def boolean(self, node: LineMap, key: str, field: str, *, default: bool = False) -> bool:
        if key not in node:
            return default
        value = node[key]
        if not isinstance(value, bool):
            self.add(node.line_of(key), _join(field, key), f"expected true or false, got {value!r}")
            return default
        return value

    def number(self, node: LineMap, key: str, field: str, *, default: float) -> float:
        if key not in node:
            return default
        value = node[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(node.line_of(key), _join(field, key), f"expected a number, got {value!r}")
            return default
        return float(value)

    def date_value(
        self, value: Any, field: str, line: int | None, *, allow_not_stated: bool = False
    ) -> date | None:
        """A date, or None for `not stated` (when allowed)."""
        if allow_not_stated and value == NOT_STATED:
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        expected = "a date YYYY-MM-DD" + (" or 'not stated'" if allow_not_stated else "")
        # PyYAML turns an impossible date such as 2016-13-01 into a string: say so plainly.
        self.add(line, field, f"expected {expected}, got {value!r}")
        return None

    def date_field(
        self, node: LineMap, key: str, field: str, *, allow_not_stated: bool = False
    ) -> date | None:
        if key not in node:
            return None
        return self.date_value(
            node[key], _join(field, key), node.line_of(key), allow_not_stated=allow_not_stated
        )

    def duration(self, node: LineMap, key: str, field: str) -> timedelta | None:
        if key not in node:
            return None
        try:
            return parse_duration(node[key])
        except ValueError as exc:
            self.add(node.line_of(key), _join(field, key), str(exc))
            return None

    def string_list(
        self,
        node: LineMap,
        key: str,
        field: str,
        *,
        pattern: re.Pattern[str] | None = None,
        allow_not_stated: bool = False,
    ) -> tuple[str, ...] | None:
        """A list of strings; None when the value is `not stated` (if allowed) or absent."""
        if key not in node:
            return ()
        value = node[key]
        if allow_not_stated and value == NOT_STATED:
            return None
        if isinstance(value, str):
            value_list = [value]
            lines = [node.line_of(key)]
        elif isinstance(value, LineList):
            value_list = list(value)
            lines = [value.line_of(i) for i in range(len(value))]
        else:
            expected = "a list of text" + (" or 'not stated'" if allow_not_stated else "")
            self.add(node.line_of(key), _join(field, key), f"expected {expected}, got {_kind(value)}")
            return ()
        out: list[str] = []
        for i, (item, line) in enumerate(zip(value_list, lines, strict=True)):
            if isinstance(item, bool) or not isinstance(item, str | int | float) or not str(item).strip():
                self.add(line, f"{_join(field, key)}[{i}]", f"expected text, got {_kind(item)}")
                continue
            if pattern is not None and not pattern.match(str(item)):
                self.add(
                    line,
                    f"{_join(field, key)}[{i}]",
                    f"{_short(str(item))!r} does not match {pattern.pattern}",
                )
                continue
            out.append(str(item))
        return tuple(out)

    def lang_map(self, node: LineMap, key: str, field: str, *, required: bool = True) -> dict[str, str]:
        """A mapping language code -> text, e.g. `text: {en: ..., zh: ...}`."""
        if key not in node:
            return {}
        sub = self.mapping(node[key], _join(field, key), node.line_of(key))
        if sub is None:
            return {}
        out: dict[str, str] = {}
        for lang in sub:
            if not re.fullmatch(r"[a-z]{2}", lang):
                self.add(
                    sub.line_of(lang),
                    _join(field, key, lang),
                    "expected a two-letter language code (en, zh, ru)",
                )
                continue
            text = self.string(sub, lang, _join(field, key))
            if text is not None:
                out[lang] = text
        if required and not out and not self.problems:
            self.add(node.line_of(key), _join(field, key), "expected at least one language")
        return out


def _join(*parts: str) -> str:
    return ".".join(p for p in parts if p)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, LineMap | dict):
        return "a mapping"
    if isinstance(value, LineList | list):
        return "a list"
    if isinstance(value, bool):
        return f"{value!r}".lower()
    if isinstance(value, str):
        return f"text {value!r}" if len(value) < 40 else "text"
    return f"{type(value).__name__} {value!r}"


def _short(text: str, limit: int = 100) -> str:
    """A value quoted in a problem: never a whole 100 KB line."""
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"
