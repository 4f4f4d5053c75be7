"""Rows of plain values as YAML, JSON or CSV text, shared by the CLI and the reports.

CSV cells are neutralised against formula injection: a spreadsheet executes a cell
that starts with = + - @ (or a tab/CR before one), and article titles are written by
strangers. Such a cell gets a leading apostrophe, which spreadsheets display as text.
Every text cell (links too) also passes `textnorm.inert`: no control character, escape
sequence, bidi override or zero-width character reaches a CSV or YAML file; JSON keeps
them, escaped.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import yaml

from tracker.textnorm import escape_active, inert

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """One CSV cell as text that a spreadsheet will not evaluate."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    text = value.isoformat() if isinstance(value, date | datetime) else inert(value, multiline=True)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return text  # numbers, negative ones included, are data, not formulas
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def to_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    """CSV with a header, in the given column order, CRLF line ends as RFC 4180 says."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row.get(column)) for column in columns])
    return out.getvalue()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


class _BlockDumper(yaml.SafeDumper):
    """Multi-line strings in block style, so reports stay readable and diffable."""


def _str_representer(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    data = inert(data, multiline=True)  # YAML would print bidi and zero-width characters raw
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_BlockDumper.add_representer(str, _str_representer)


def to_yaml(data: Any) -> str:
    return yaml.dump(_plain(data), Dumper=_BlockDumper, allow_unicode=True, sort_keys=False, width=100)


def to_json(data: Any) -> str:
    """JSON with the characters that act on a terminal escaped (\\u202e): same data, inert."""
    return escape_active(json.dumps(_plain(data), ensure_ascii=False, indent=2)) + "\n"
