"""The feed list: `feeds/*.yaml` into `Feed` values, and OPML in and out.

A broken file never stops the others from loading: every problem is collected with
file, line and field (like the commitment records), and the good feeds are returned.
Names and URLs must be unique across all files; a duplicate is reported and dropped.

OPML import reads with listparser (which never fetches when given bytes) and appends
*text* to a YAML file, so the comments and layout a user wrote survive; export writes
OPML 2.0 with ElementTree, which escapes every attribute.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlsplit

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as defused_fromstring

from tracker.errors import Problem, RecordError
from tracker.records.durations import format_duration
from tracker.records.validate import SLUG, Checker
from tracker.records.yamlio import LineList, LineMap, load_file, load_text
from tracker.textnorm import canonical_url, script_language, url_refusal
from tracker.types import Feed, Origin

FEED_REQUIRED = ("name", "url")
FEED_OPTIONAL = ("title", "language", "interval", "tags", "enabled", "fulltext", "allow_private")
TAG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
LANGUAGE = re.compile(r"^[a-z]{2}$")
DEFAULT_INTERVAL = timedelta(hours=1)
#: Polling a publisher more often than this is impolite; the watcher never does.
MIN_INTERVAL = timedelta(minutes=5)


# ---------------------------------------------------------------- loading


def load_feeds(feeds_dir: Path) -> tuple[list[Feed], list[Problem]]:
    """Every valid feed of `feeds_dir/*.yaml`, and every problem found, in file order."""
    feeds: list[Feed] = []
    problems: list[Problem] = []
    if not feeds_dir.is_dir():
        return feeds, problems
    for path in sorted([*feeds_dir.glob("*.yaml"), *feeds_dir.glob("*.yml")]):
        found, found_problems = read_feeds_file(path)
        feeds.extend(found)
        problems.extend(found_problems)
    unique, duplicate_problems = _drop_duplicates(feeds)
    return unique, problems + duplicate_problems


def read_feeds_file(path: Path) -> tuple[list[Feed], list[Problem]]:
    """The feeds of one file; a YAML syntax error is one problem and no feeds."""
    try:
        data = load_file(path)
    except RecordError as exc:
        return [], list(exc.problems)
    return feeds_from_data(data, path)


def feeds_from_data(data: object, path: Path) -> tuple[list[Feed], list[Problem]]:
    check = Checker(path)
    if data is None:  # a file of comments only
        return [], []
    top = check.mapping(data, "", 1)
    if top is None:
        return [], check.problems
    check.keys(top, "", required=("feeds",))
    feeds: list[Feed] = []
    for item, where, line in check.items(top.get("feeds"), "feeds", top.line_of("feeds")):
        feed = _feed(check, item, where, line)
        if feed is not None:
            feeds.append(feed)
    return feeds, check.problems


def _feed(check: Checker, item: object, where: str, line: int | None) -> Feed | None:
    node = check.mapping(item, where, line)
    if node is None:
        return None
    before = len(check.problems)
    check.keys(node, where, FEED_REQUIRED, FEED_OPTIONAL)
    name = check.string(node, "name", where, pattern=SLUG)
    url = check.string(node, "url", where)
    allow_private = check.boolean(node, "allow_private", where, default=False)
    if url is not None and not _is_feed_url(url):
        check.add(node.line_of("url"), f"{where}.url", f"expected an http(s) URL, got {url!r}")
    elif url is not None and (refusal := url_refusal(url, allow_private=allow_private)):
        check.add(node.line_of("url"), f"{where}.url", refusal)
    language = check.string(node, "language", where, required=False)
    if language is not None and not LANGUAGE.match(language):
        check.add(
            node.line_of("language"), f"{where}.language", f"expected a two-letter code, got {language!r}"
        )
    interval = check.duration(node, "interval", where) or DEFAULT_INTERVAL
    if interval < MIN_INTERVAL:
        check.add(
            node.line_of("interval"),
            f"{where}.interval",
            f"{format_duration(interval)} is impolite to the publisher; use at least 5 min",
        )
    tags = check.string_list(node, "tags", where, pattern=TAG) or ()
    enabled = check.boolean(node, "enabled", where, default=True)
    title = check.string(node, "title", where, required=False)
    fulltext = check.boolean(node, "fulltext", where, default=False)
    if len(check.problems) > before or name is None or url is None:
        return None
    return Feed(
        name=name,
        url=url.strip(),
        language=language,
        interval=interval,
        tags=tuple(tags),
        enabled=enabled,
        title=title,
        origin=Origin(check.path, line),
        fulltext=fulltext,
        allow_private=allow_private,
    )


def _is_feed_url(url: str) -> bool:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _drop_duplicates(feeds: list[Feed]) -> tuple[list[Feed], list[Problem]]:
    """Names and URLs are identities: the second use of either is a problem, and dropped."""
    by_name: dict[str, Feed] = {}
    by_url: dict[str, Feed] = {}
    unique: list[Feed] = []
    problems: list[Problem] = []
    for feed in feeds:
        key = canonical_url(feed.url) or feed.url
        first = by_name.get(feed.name)
        if first is not None:
            problems.append(_duplicate(feed, "name", f"duplicate feed name {feed.name!r}", first))
            continue
        first = by_url.get(key)
        if first is not None:
            problems.append(_duplicate(feed, "url", f"the same feed as {first.name!r}", first))
            continue
        by_name[feed.name] = by_url[key] = feed
        unique.append(feed)
    return unique, problems


def _duplicate(feed: Feed, field_name: str, message: str, first: Feed) -> Problem:
    origin = feed.origin or Origin(Path("?"))
    return Problem(origin.file, origin.line, f"feeds.{field_name}", f"{message} (first at {first.origin})")


# ---------------------------------------------------------------- OPML import


@dataclass
class OpmlImport:
    """Feeds read from an OPML file, ready to append, and what was left out and why."""

    feeds: list[Feed] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def import_opml(
    data: bytes, *, source: Path, existing: Sequence[Feed] = (), allow_private: bool = False
) -> OpmlImport:
    """The feeds of an OPML subscription list that are not already configured.

    Raises RecordError when the file is not an OPML list at all.
    """
    import listparser  # only OPML import needs it; every command reads the feed list

    parsed = listparser.parse(data)
    if not parsed.feeds and (parsed.bozo or not parsed.version):
        reason = parsed.bozo_exception or "no <outline xmlUrl=...> entries"
        raise RecordError([Problem(source, None, "", f"not an OPML subscription list: {reason}")])
    result = OpmlImport()
    languages = _outline_languages(data)
    names = {f.name for f in existing}
    urls = {canonical_url(f.url) or f.url for f in existing}
    for item in parsed.feeds:
        url = str(item.get("url") or "").strip()
        title = " ".join(str(item.get("title") or "").split()) or None
        if not _is_feed_url(url):
            result.skipped.append(f"{title or url!r}: not an http(s) feed URL ({url!r})")
            continue
        if refusal := url_refusal(url, allow_private=allow_private):
            result.skipped.append(f"{title or url!r}: refused: {refusal}")
            continue
        private = allow_private and url_refusal(url) is not None
        key = canonical_url(url) or url
        if key in urls:
            result.skipped.append(f"{title or url}: already in the feed list")
            continue
        urls.add(key)
        name = unique_name(slugify(title or "") or slug_from_url(url), names)
        names.add(name)
        tags = tuple(t for t in (slugify(str(tag)) for tag in item.get("tags") or ()) if t)
        language = languages.get(url) or script_language(title or "")
        result.feeds.append(
            Feed(name=name, url=url, title=title, tags=tags, language=language, allow_private=private)
        )
    return result


def _outline_languages(data: bytes) -> dict[str, str]:
    """`language` attributes of outlines (our own export writes them; listparser drops them)."""
    try:
        root = defused_fromstring(data)
    except (ET.ParseError, ValueError, DefusedXmlException):
        return {}
    found: dict[str, str] = {}
    for outline in root.iter("outline"):
        url, language = outline.get("xmlUrl"), (outline.get("language") or "").strip().lower()
        if url and LANGUAGE.match(language[:2]) and (len(language) == 2 or language[2] in "-_"):
            found[url.strip()] = language[:2]
    return found


def slugify(text: str, *, limit: int = 48) -> str:
    """ASCII lower-case words joined by '-', or '' when nothing ASCII is left (Chinese titles)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:limit].rstrip("-")


def slug_from_url(url: str) -> str:
    """A name from a URL's host and first path segment: `tass-com-rss`."""
    parts = urlsplit(url)
    host = (parts.hostname or "feed").removeprefix("www.")
    segment = next((p for p in parts.path.split("/") if p), "")
    return slugify(f"{host} {segment}") or "feed"


def unique_name(base: str, taken: Iterable[str]) -> str:
    taken = set(taken)
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


# ---------------------------------------------------------------- appending to YAML

NEW_FILE_HEADER = """\
# Feeds to watch. Format: docs/feeds.md. Run `tracker check` after editing.
"""


def append_feeds(path: Path, feeds: Sequence[Feed], *, comment: str | None = None) -> None:
    """Append feeds to a feeds YAML file as text, keeping every comment and line as it was.

    The result is checked before it replaces the file (atomically); a file that is
    already broken is refused, so an import never hides or worsens a mistake.
    """
    if not feeds:
        return
    if path.exists():
        text = path.read_text(encoding="utf-8")
        data = load_text(text, path)  # RecordError if broken: fix it first
        text, indent = _prepare_for_append(text, data, path)
    else:
        text, indent = NEW_FILE_HEADER + "feeds:\n", "  "
    block = "".join(render_feed(feed, indent) for feed in feeds)
    if comment:
        block = f"{indent}# {comment}\n" + block
    new_text = text + block
    _, problems = feeds_from_data(load_text(new_text, path), path)
    _, old_problems = feeds_from_data(load_text(text, path), path)
    old = {(p.field, p.message) for p in old_problems}
    added = [p for p in problems if (p.field, p.message) not in old]
    if added:
        raise RecordError(added)
    _write_atomically(path, new_text)


def _prepare_for_append(text: str, data: object, path: Path) -> tuple[str, str]:
    """Make `text` end inside the `feeds:` block list; return it and the item indent."""
    if not text.endswith("\n") and text:
        text += "\n"
    if data is None:
        return text + "feeds:\n", "  "
    if not isinstance(data, LineMap):
        raise RecordError([Problem(path, 1, "", "expected a mapping with `feeds:`; not appending")])
    if "feeds" not in data:
        return text + "feeds:\n", "  "
    value = data["feeds"]
    line = data.line_of("feeds") or 1
    lines = text.splitlines(keepends=True)
    if value is None or (isinstance(value, LineList) and not value):
        # `feeds:` or `feeds: []`: make it a block list header.
        lines[line - 1] = re.sub(r"^(\s*feeds\s*:).*$", r"\1", lines[line - 1].rstrip("\n")) + "\n"
        return "".join(lines), "  "
    if not isinstance(value, LineList):
        raise RecordError([Problem(path, line, "feeds", "expected a list; not appending")])
    first_line = lines[(value.line_of(0) or line) - 1]
    if not first_line.lstrip().startswith("-"):
        raise RecordError([Problem(path, line, "feeds", "a flow-style list ([...]); not appending")])
    indent = first_line[: len(first_line) - len(first_line.lstrip())]
    return text, indent


def render_feed(feed: Feed, indent: str = "  ") -> str:
    """One feed as a YAML block-list item, every string quoted (titles hold ':' and '#')."""
    pad = indent + "  "
    out = [f"{indent}- name: {feed.name}\n"]
    if feed.title:
        out.append(f"{pad}title: {json.dumps(feed.title, ensure_ascii=False)}\n")
    out.append(f"{pad}url: {json.dumps(feed.url, ensure_ascii=False)}\n")
    if feed.language:
        out.append(f"{pad}language: {feed.language}\n")
    out.append(f"{pad}interval: {format_duration(feed.interval)}\n")
    if feed.tags:
        out.append(f"{pad}tags: [{', '.join(feed.tags)}]\n")
    out.append(f"{pad}enabled: {'true' if feed.enabled else 'false'}\n")
    if feed.fulltext:
        out.append(f"{pad}fulltext: true\n")
    if feed.allow_private:
        out.append(f"{pad}allow_private: true\n")
    return "".join(out)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------- OPML export


def export_opml(feeds: Iterable[Feed], *, title: str = "Commitment tracker feeds") -> str:
    """OPML 2.0 text for these feeds; tags become the `category` attribute."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(datetime.now(UTC), usegmt=True)
    ET.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = ET.SubElement(root, "body")
    for feed in feeds:
        attributes = {"type": "rss", "text": feed.title or feed.name, "title": feed.title or feed.name}
        attributes["xmlUrl"] = feed.url
        if feed.language:
            attributes["language"] = feed.language
        if feed.tags:
            attributes["category"] = ",".join(feed.tags)
        ET.SubElement(body, "outline", attributes)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
