"""Backfill from disk: feed files, folders of them, and JSON-lines / JSON / CSV archives.

An archive record is a dict with a few well-known keys (title, link, date, description,
and the usual aliases, see `FIELDS`); the JSON-lines form of RSS-Link-Database
(`{"entry": {...}, "provenance": {...}}`, as in ../shared/corpus/news-2022/) reads
directly. Each record goes through the same normalisation as a polled entry (plain
text, dates with the dateparser fallback, canonical URL, language), so an ingested
article is indistinguishable from a polled one.

Reading is streaming and batched: a million-line archive costs one batch of memory,
and a broken line is one error message (file:line), not a failed import.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from tracker.errors import FeedError
from tracker.feeds.dates import parse_date
from tracker.feeds.fastpath import parse_feed_fast
from tracker.feeds.parsing import ParsedFeed, entry_language
from tracker.textnorm import (
    canonical_url,
    fingerprint,
    inert_link,
    is_http_url,
    language_code,
    one_line,
    plain_title,
    to_plain,
    truncate,
)
from tracker.types import Entry

FEED_SUFFIXES = frozenset({".xml", ".rss", ".atom", ".rdf", ".feed"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
JSON_SUFFIXES = frozenset({".json"})
CSV_SUFFIXES = frozenset({".csv"})
#: Entries per batch: one transaction each when stored.
BATCH_SIZE = 1000
#: Feed files bigger than this are not read whole (the HTTP limit applies to disk too).
MAX_FEED_FILE = 64 * 1024 * 1024

#: Record keys, in order of preference, for each Entry field.
FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline", "name"),
    "link": ("link", "url", "href", "permalink"),
    "guid": ("guid", "id", "entry_id"),
    "date": ("date_published", "published", "pubdate", "pub_date", "date", "created", "updated", "timestamp"),
    "updated": ("date_updated", "updated", "modified"),
    "description": ("description", "summary", "abstract", "excerpt"),
    "content": ("content", "content_html", "body", "text"),
    "language": ("language", "lang"),
    "author": ("author", "creator", "byline"),
    "source": ("source", "feed", "feed_url", "source_url"),
}


@dataclass(frozen=True)
class SourceBatch:
    """Entries read from one place, all from one feed: stored in one transaction."""

    #: Where they came from, for messages: a path, with `#feed` for archives.
    source: str
    #: The feed name recorded for them: a configured feed's name, an archive's source, or file:PATH.
    feed: str
    entries: tuple[Entry, ...] = ()
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


class FeedParser(Protocol):
    """How a feed file's bytes become a ParsedFeed: `ParsePool.parse_blocking` (a
    memory-capped worker) in the pipeline, `parse_feed` in-process by default."""

    def __call__(
        self, body: bytes, *, url: str, headers: Mapping[str, str] | None = None, language: str | None = None
    ) -> ParsedFeed: ...


def read_paths(
    paths: Iterable[Path],
    *,
    feed_names: Mapping[str, str] | None = None,
    language: str | None = None,
    parse: FeedParser = parse_feed_fast,
) -> Iterator[SourceBatch]:
    """Every batch of entries under these files and folders, in a stable order.

    `feed_names` maps canonical feed URLs to configured feed names, so that archived
    entries of a feed we also poll are remembered as coming from that feed.
    """
    names = dict(feed_names or {})
    for path in paths:
        if not path.exists():
            yield SourceBatch(str(path), f"file:{path}", errors=(f"{path}: no such file or folder",))
        elif path.is_dir():
            for child in _files_under(path):
                yield from read_file(child, feed_names=names, language=language, parse=parse)
        else:
            yield from read_file(path, feed_names=names, language=language, parse=parse)


def _files_under(folder: Path) -> list[Path]:
    known = FEED_SUFFIXES | JSONL_SUFFIXES | JSON_SUFFIXES | CSV_SUFFIXES
    found = []
    for path in sorted(folder.rglob("*")):
        if any(part.startswith(".") for part in path.relative_to(folder).parts) or not path.is_file():
            continue
        if _suffix(path) in known:
            found.append(path)
    return found


def _suffix(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] == ".gz" and len(suffixes) > 1:
        return suffixes[-2]
    return suffixes[-1] if suffixes else ""


def read_file(
    path: Path,
    *,
    feed_names: Mapping[str, str] | None = None,
    language: str | None = None,
    parse: FeedParser = parse_feed_fast,
) -> Iterator[SourceBatch]:
    """The batches of one file, by its suffix (or, without a known suffix, its first bytes)."""
    names = feed_names or {}
    try:
        kind = _kind(path)
    except OSError as exc:
        yield SourceBatch(str(path), f"file:{path}", errors=(f"{path}: cannot read: {exc.strerror}",))
        return
    if kind == "feed":
        yield read_feed_file(path, language=language, parse=parse)
    elif kind == "jsonl":
        yield from _batches(path, _jsonl_records(path), names, language)
    elif kind == "json":
        yield from _batches(path, _json_records(path), names, language)
    elif kind == "csv":
        yield from _batches(path, _csv_records(path), names, language)
    else:
        yield SourceBatch(
            str(path),
            f"file:{path}",
            errors=(f"{path}: unknown kind of file; expected a feed (.xml), .jsonl, .json or .csv",),
        )


def _kind(path: Path) -> str:
    suffix = _suffix(path)
    if suffix in FEED_SUFFIXES:
        return "feed"
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in JSON_SUFFIXES:
        return "json"
    if suffix in CSV_SUFFIXES:
        return "csv"
    with _open_binary(path) as handle:
        head = handle.read(512).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "feed"
    if head.startswith(b"["):
        return "json"
    if head.startswith(b"{"):
        return "jsonl" if b"\n{" in head or head.count(b"\n") else "json"
    return "unknown"


def _open_binary(path: Path) -> io.BufferedIOBase:
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def _open_text(path: Path) -> io.TextIOBase:
    # utf-8-sig: archives written on Windows start with a BOM.
    if path.suffix.lower() == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", errors="replace", newline="")  # type: ignore[return-value]
    return path.open("r", encoding="utf-8-sig", errors="replace", newline="")


# ---------------------------------------------------------------- feed files


def read_feed_file(
    path: Path, *, language: str | None = None, parse: FeedParser = parse_feed_fast
) -> SourceBatch:
    """One RSS/Atom/RDF file, parsed like a polled body (without HTTP headers)."""
    label = f"file:{path.resolve()}"
    try:
        with _open_binary(path) as handle:
            body = handle.read(MAX_FEED_FILE + 1)
    except (OSError, EOFError) as exc:
        return SourceBatch(str(path), label, errors=(f"{path}: cannot read: {exc}",))
    if len(body) > MAX_FEED_FILE:
        return SourceBatch(str(path), label, errors=(f"{path}: over {MAX_FEED_FILE:,} bytes",))
    try:
        parsed = parse(body, url=path.resolve().as_uri(), language=language)
    except FeedError as exc:
        return SourceBatch(str(path), label, errors=(f"{path}: {exc.message}",))
    warnings = tuple(f"{path}: {w}" for w in parsed.warnings)
    return SourceBatch(str(path), label, entries=parsed.entries, warnings=warnings)


# ---------------------------------------------------------------- records


def _batches(
    path: Path,
    records: Iterator[tuple[int, Any]],
    feed_names: Mapping[str, str],
    language: str | None,
) -> Iterator[SourceBatch]:
    """Group records by their source feed; flush each group at BATCH_SIZE entries."""
    groups: dict[str, list[Entry]] = {}
    errors: dict[str, list[str]] = {}
    file_label = f"file:{path.resolve()}"
    try:
        for line, record in records:
            if isinstance(record, str):  # a read error, already a message
                errors.setdefault(file_label, []).append(f"{path}:{line}: {record}")
                continue
            label = _source_label(record, feed_names) or file_label
            try:
                entry = entry_from_record(record, language=language)
            except ValueError as exc:
                errors.setdefault(label, []).append(f"{path}:{line}: {exc}")
                continue
            group = groups.setdefault(label, [])
            group.append(entry)
            if len(group) >= BATCH_SIZE:
                yield _batch(path, label, groups.pop(label), errors.pop(label, []))
    except (OSError, EOFError, csv.Error) as exc:
        errors.setdefault(file_label, []).append(f"{path}: cannot read further: {exc}")
    for label in sorted(set(groups) | set(errors)):
        yield _batch(path, label, groups.get(label, []), errors.get(label, []))


def _batch(path: Path, label: str, entries: list[Entry], errors: list[str]) -> SourceBatch:
    source = str(path) if label.startswith("file:") else f"{path}#{label}"
    return SourceBatch(source, label, entries=tuple(entries), errors=tuple(errors))


def _source_label(record: Mapping[str, Any], feed_names: Mapping[str, str]) -> str | None:
    source = _first(record, "source")
    if not isinstance(source, str) or not source.strip():
        return None
    source = source.strip()
    return feed_names.get(canonical_url(source) or "", source)


def _jsonl_records(path: Path) -> Iterator[tuple[int, Any]]:
    with _open_text(path) as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, f"invalid JSON: {exc.msg} (column {exc.colno})"
                continue
            yield number, _unwrap(value)


def _json_records(path: Path) -> Iterator[tuple[int, Any]]:
    try:
        with _open_text(path) as handle:
            value = json.load(handle)
    except json.JSONDecodeError as exc:
        yield exc.lineno, f"invalid JSON: {exc.msg} (column {exc.colno})"
        return
    if isinstance(value, dict):
        for key in ("entries", "items", "articles"):
            if isinstance(value.get(key), list):
                value = value[key]
                break
        else:
            value = [value]
    if not isinstance(value, list):
        yield 1, "expected a list of entries or an object with `entries`"
        return
    for index, item in enumerate(value):
        # No line numbers in a parsed JSON document: number the items instead.
        yield index + 1, _unwrap(item)


def _csv_records(path: Path) -> Iterator[tuple[int, Any]]:
    with _open_text(path) as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames:
            return
        for row in reader:
            record = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
            yield reader.line_num, record


def _unwrap(value: Any) -> Any:
    """RSS-Link-Database lines hold the entry under `entry`, next to its provenance."""
    if isinstance(value, dict) and isinstance(value.get("entry"), dict):
        return value["entry"]
    if not isinstance(value, dict):
        return "expected a JSON object"
    return value


def _first(record: Mapping[str, Any], field: str) -> Any:
    for key in FIELDS[field]:
        value = record.get(key)
        if value not in (None, ""):
            return value
    return None


def entry_from_record(record: Mapping[str, Any], *, language: str | None = None) -> Entry:
    """An archive record as a normalised Entry; ValueError says what is missing."""
    record = {str(k).lower(): v for k, v in record.items()}
    title = truncate(plain_title(_text(_first(record, "title")), "text/html"), 1000)
    link = inert_link(_text(_first(record, "link"))) or None
    if link and not is_http_url(link):
        link = None
    summary = truncate(to_plain(_text(_first(record, "description")), "text/html"), 20_000)
    content = truncate(to_plain(_text(_first(record, "content")), "text/html"), 200_000)
    if not (title or link or summary or content):
        raise ValueError("no title, link or text")
    if content and summary in ("", content):
        summary = truncate(one_line(content), 600)
    if not title:
        title = truncate(one_line(summary or content), 120) or (link or "")
    lang = entry_language({}, language_code(_text(_first(record, "language"))) or language, title, summary)
    published = _record_date(_first(record, "date"), lang)
    updated = _record_date(_first(record, "updated"), lang)
    guid = _text(_first(record, "guid")).strip() or link or "sha256:" + fingerprint(title, content or summary)
    return Entry(
        guid=guid[:1000],
        url=link,
        canonical_url=canonical_url(link),
        title=title,
        summary=summary,
        content=content,
        language=lang,
        published=published or updated,
        updated=updated,
        author=truncate(one_line(_text(_first(record, "author"))), 200) or None,
    )


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(_text(v) for v in value)
    if isinstance(value, dict):
        return _text(value.get("value") or value.get("name") or value.get("text"))
    return str(value)


def _record_date(value: Any, language: str | None) -> datetime | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value  # milliseconds, as JavaScript writes them
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return parse_date(str(value), language=language)
