"""Read YAML safely, remembering the line of every key, so errors can name it.

The loader is a subclass of PyYAML's SafeLoader: it constructs exactly what
`yaml.safe_load` constructs (no arbitrary objects), but mappings and sequences are
returned as `LineMap` / `LineList`, which carry the line of each key and item. It
also refuses duplicate keys, which `safe_load` silently overwrites: in a record
file a duplicate key is almost always a copy-paste mistake that loses data.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from tracker.errors import Problem, RecordError

#: Largest YAML file read. Real record files are tens of kilobytes; parsing costs about
#: 60 times the file's size in memory and 3 s per MB, so a 40 MB file took `check`
#: two minutes and 2.5 GB. Over this, the file is refused before it is parsed.
MAX_YAML_BYTES = 4 * 1024 * 1024


class LineMap(dict[str, Any]):
    """A dict that knows the 1-based line of itself and of each of its keys."""

    line: int | None = None
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    """A list that knows the 1-based line of itself and of each item."""

    line: int | None = None
    item_lines: list[int]

    def line_of(self, index: int) -> int | None:
        if 0 <= index < len(self.item_lines):
            return self.item_lines[index]
        return self.line


class _DuplicateKey(yaml.MarkedYAMLError):
    pass


# libyaml's parser when installed (PyYAML wheels ship it): several times faster, and its
# nodes carry the same marks. The constructors stay the safe ones either way.
_BASE_LOADER: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LineLoader(_BASE_LOADER):  # type: ignore[misc, valid-type]
    """SafeLoader that records line numbers; see the module docstring."""


def _construct_mapping(loader: LineLoader, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    result = LineMap()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            # Keys such as 1 or 2016-06-25 are kept as text: records never need others.
            key = str(key)
        if key in result:
            raise _DuplicateKey(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key {key!r}",
                key_node.start_mark,
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: LineLoader, node: yaml.SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _construct_timestamp(loader: LineLoader, node: yaml.ScalarNode) -> object:
    """An impossible date such as 2016-13-01 stays text, so the validator can name it."""
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_text(text: str, path: Path) -> Any:
    """Parse YAML text; a syntax error becomes a RecordError naming file and line."""
    if len(text) > MAX_YAML_BYTES:
        raise RecordError([_too_big(path, len(text.encode("utf-8", "replace")))])
    try:
        return yaml.load(text, Loader=LineLoader)  # noqa: S506 - LineLoader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = " ".join(filter(None, [exc.context, exc.problem]))
        hint = _quote_hint(
            text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else ""
        )
        raise RecordError([Problem(path, line, "", f"invalid YAML: {message}{hint}")]) from None
    except yaml.YAMLError as exc:
        raise RecordError([Problem(path, None, "", f"invalid YAML: {exc}")]) from None


#: A plain value cannot start with these: YAML reads `*x` as an alias, `&x` as an anchor,
#: `!x` as a tag, and refuses `@` and a backquote. Regex users write `*` most often.
_SPECIAL_START = re.compile(r"""(?:^\s*(?:-\s+)?(?:[^:#'"]+:\s+)?|[\[{,]\s*)([*&!@`%])([^\s,\]}]*)""")


def _quote_hint(line: str) -> str:
    """For a syntax error on a line with an unquoted special first character: how to fix it.

    The parser's own words ("found undefined alias", "cannot start any token") do not say
    that quoting the value is the fix, and the whole file is skipped until it is.
    """
    found = _SPECIAL_START.search(line)
    if not found:
        return ""
    value = found.group(1) + found.group(2)
    return f"; a value that starts with {found.group(1)!r} must be quoted: '{value}'"


def load_file(path: Path) -> Any:
    """Read and parse one YAML file; unreadable or non-UTF-8 files are record errors."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_YAML_BYTES + 1)
            if len(data) > MAX_YAML_BYTES:
                raise RecordError([_too_big(path, path.stat().st_size)])
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordError([Problem(path, None, "", f"not UTF-8 text ({exc.reason})")]) from None
    except OSError as exc:
        raise RecordError([Problem(path, None, "", f"cannot read: {exc.strerror}")]) from None
    return load_text(text, path)


def _too_big(path: Path, size: int) -> Problem:
    return Problem(
        path, None, "", f"file of {size:,} bytes is over the {MAX_YAML_BYTES // 1024**2} MiB limit; split it"
    )
