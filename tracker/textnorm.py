"""Plain text, canonical URLs and title keys: the normal forms that identity and rules rely on.

Why each exists:
- Rules match words, not markup, and the dashboard must never render a stranger's HTML:
  every title, summary and content is stored as plain text (stdlib `html.parser`, so
  no sanitiser is needed; nothing of the markup survives).
- One article reaches us through many links (tracking parameters, http and https, `www`
  or not, fragments): the canonical URL is the identity key across feeds.
- Syndicated copies (an agency story on three newspapers' feeds) have different URLs but
  the same headline: the title key finds them.
"""

from __future__ import annotations

import hashlib
import html
import ipaddress
import re
import socket
import unicodedata
from collections.abc import Callable
from functools import cache
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

# ---------------------------------------------------------------- plain text

#: Tags after which a reader sees a new paragraph.
_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tr",
        "ul",
    ]
)
_SKIP_TAGS = frozenset(("script", "style", "template", "noscript", "iframe", "object", "svg", "head"))


# Control characters except \t \n; plus the Unicode line/paragraph separators, BOM, zero-width space.
class _LazyPattern:
    """A regular expression compiled when first used.

    Python compiles a character class by walking every code point of its ranges: the
    CJK and Han classes below took 5 and 7 ms each, paid by every command at import
    (`tracker --help` included) though only text normalising and language detection
    use them. Compiled once, on the first call (two threads may both compile it; the
    results are the same).
    """

    __slots__ = ("_compiled", "_source")

    def __init__(self, source: str) -> None:
        self._source = source
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._compiled = re.compile(self._source)
        return self._compiled

    def search(self, text: str) -> re.Match[str] | None:
        return self.compiled.search(text)

    def findall(self, text: str) -> list[str]:
        return self.compiled.findall(text)

    def sub(self, replacement: str, text: str) -> str:
        return self.compiled.sub(replacement, text)


_CONTROL = _LazyPattern(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\u200b]")
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
_LOOKS_LIKE_MARKUP = re.compile(r"<[a-zA-Z/!]|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]{1,31});")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]{1,31});")
# Markup the fast path leaves to html.parser: elements whose text is not text, CDATA, doctypes.
_HARD_MARKUP = re.compile(
    r"<(?:script|style|template|noscript|iframe|object|svg|head|!\[CDATA\[|!doctype)", re.IGNORECASE
)
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_TAG = re.compile(r"""<(/?)([a-zA-Z][a-zA-Z0-9:-]*)(?:[^>"']|"[^"]*"|'[^']*')*>""")


class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment; block tags become paragraph breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skipping += 1
        else:
            self.parts.append(_break_for(tag))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _SKIP_TAGS:
            self.parts.append(_break_for(tag))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _break_for(tag: str) -> str:
    """What a start tag stands for in plain text."""
    if tag == "br":
        return "\n"
    if tag in _BLOCK_TAGS:
        return "\n\n"
    if tag in ("td", "th", "img"):
        return " "
    return ""


def _tag_to_text(match: re.Match[str]) -> str:
    name = match.group(2).lower()
    if match.group(1):  # an end tag
        return "\n\n" if name in _BLOCK_TAGS else ""
    return _break_for(name)


def html_to_text(markup: str) -> str:
    """Text of an HTML fragment: tags dropped, entities unescaped, whitespace tidied.

    Source line breaks mean nothing in HTML; paragraphs and <br> do, and survive as
    blank lines and line breaks. Ordinary fragments (the vast majority of feed content)
    take a fast path of two regular expressions; anything with scripts, styles or CDATA
    goes through the stdlib `html.parser`.
    """
    if not markup:
        return ""
    if not _LOOKS_LIKE_MARKUP.search(markup):
        return tidy(" ".join(markup.split()))
    flat = " ".join(markup.split())
    if _HARD_MARKUP.search(flat):
        return tidy(_parse_html(flat))
    if "<!--" in flat:
        flat = _COMMENT.sub("", flat)
    return tidy(html.unescape(_TAG.sub(_tag_to_text, flat)))


def _parse_html(markup: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(markup)
        parser.close()
    except (AssertionError, ValueError):  # pragma: no cover - html.parser is very lenient
        return html.unescape(re.sub(r"<[^>]*>", " ", markup))
    return "".join(parser.parts)


def tidy(text: str) -> str:
    """Drop control characters, normalise line ends and collapse runs of whitespace.

    Keeps single line breaks and paragraph breaks (one blank line), nothing more.
    """
    if not text:
        return ""
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\n" not in text:
        return " ".join(text.split())
    paragraphs = []
    for block in _PARAGRAPH_BREAK.split(text):
        lines = [" ".join(line.split()) for line in block.split("\n")]
        joined = "\n".join(line for line in lines if line)
        if joined:
            paragraphs.append(joined)
    return "\n\n".join(paragraphs)


def one_line(text: str) -> str:
    """Text with every whitespace run collapsed to one space: for titles."""
    if _CONTROL.search(text):
        text = _CONTROL.sub("", text)
    return " ".join(text.split())


def to_plain(value: str | None, content_type: str | None = None) -> str:
    """Plain text of a feed value whose type feedparser reported (`text/html` or `text/plain`).

    A `text/plain` value is not parsed as HTML ("a < b" must survive), but a leftover
    entity such as `&amp;` from a double-escaped feed is unescaped once: feeds that
    escape twice are far more common than text that means a literal "&amp;".
    """
    if not value:
        return ""
    kind = (content_type or "text/html").lower()
    if "html" in kind or "xml" in kind:
        return html_to_text(value)
    if _ENTITY.search(value):
        value = html.unescape(value)
    return tidy(value)


def plain_title(value: str | None, content_type: str | None = None) -> str:
    """A title as one line of plain text."""
    if not value:
        return ""
    kind = (content_type or "text/plain").lower()
    if "html" in kind or "xml" in kind:
        return one_line(html_to_text(value))
    if _ENTITY.search(value):
        value = html.unescape(value)
    return one_line(value)


def truncate(text: str, limit: int) -> str:
    """Cut at a word boundary near `limit` characters, marking the cut with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", int(limit * 0.9), limit)
    return text[: cut if cut > 0 else limit].rstrip() + "…"


# ---------------------------------------------------------------- inert text for people

#: Characters that act instead of being shown: bidirectional embeddings, overrides,
#: isolates and marks (reorder what is read), zero-width and invisible formatting
#: characters (hide or join text), line/paragraph separators and the BOM.
_INVISIBLE = (
    0x061C, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2028, 0x2029, 0xFEFF,
    *range(0x202A, 0x202F),
    *range(0x2060, 0x2065),
    *range(0x2066, 0x206A),
)  # fmt: skip
#: Each control character gets a visible stand-in: a control picture (␛ for ESC) for
#: C0, ␡ for DEL, U+FFFD for C1 controls and the invisible characters above. So
#: `ESC]52;...BEL` (a clipboard write) or `ESC[2J` is shown as text, never obeyed, and
#: a reader can see that something odd was there.
_INERT: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20)}
_INERT[0x7F] = "\u2421"
_INERT.update({code: "\ufffd" for code in range(0x80, 0xA0)})
_INERT.update({code: "\ufffd" for code in _INVISIBLE})
_INERT_MULTILINE = dict(_INERT)
_INERT_MULTILINE[0x0A] = "\n"
_INERT_MULTILINE[0x09] = "\t"
_NOT_INERT = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_INERT)) + "]")


def inert(value: object, *, multiline: bool = False) -> str:
    """`value` as text that a terminal, spreadsheet or Markdown viewer can only display.

    The one sanitiser for text from feeds, articles and records on its way to a
    terminal, a CSV cell or a Markdown document: every field, links included. Single-line
    text (table cells, titles) turns line breaks and tabs into spaces first, so a
    multi-line title cannot break a row; `multiline` keeps \n and \t.
    """
    text = "" if value is None else str(value)
    if not _NOT_INERT.search(text):
        return text
    if not multiline:
        return text.replace("\r\n", " ").replace("\n", " ").replace("\t", " ").translate(_INERT)
    return text.replace("\r\n", "\n").translate(_INERT_MULTILINE)


def escape_active(json_text: str) -> str:
    """JSON text with the characters `inert` replaces written as escapes (\\u202e):
    the same data for a program, inert on a terminal. \n and \t stay: in JSON text they
    are only ever whitespace between tokens (json escapes them inside strings)."""
    return _NOT_INERT.sub(
        lambda m: m.group() if m.group() in "\n\t" else f"\\u{ord(m.group()):04x}", json_text
    )


_LINK_UNSAFE = re.compile(
    '[\x00-\x20\x7f-\x9f<>"`{}|\\^' + "".join(re.escape(chr(c)) for c in _INVISIBLE) + "]"
)


def inert_link(url: str | None) -> str | None:
    """A link with every character that could act or break out (controls, spaces,
    invisible and bidi characters, `<>"` and friends) percent-encoded: the same address
    for a browser, plain text for a terminal and for Markdown's `<...>`."""
    if url is None:
        return None
    return _LINK_UNSAFE.sub(lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8")), url.strip())


# ---------------------------------------------------------------- canonical URLs

#: Query parameters that say how a reader arrived, never what they read.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "ysclid",
        "igshid",
        "ito",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "at_medium",
        "at_campaign",
        "at_custom1",
        "at_custom2",
        "at_custom3",
        "at_custom4",
        "cmpid",
        "ncid",
        "ocid",
        "sr_share",
        "spm",
        "from",
        "ref",
        "ref_src",
        "rss",
        "s_cid",
        "smid",
        "taid",
    }
)
_TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "ns_", "hmsr", "wt.", "__")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_NEEDS_QUOTING = re.compile(r"[^A-Za-z0-9/:@!$&'()*+,;=\-._~%]")


def canonical_url(url: str | None) -> str | None:
    """The identity form of an http(s) URL, or None for anything else.

    https always (a site moving to https does not make its articles new), lower-case
    host without `www.` and default port, no fragment, no tracking parameters, the
    remaining parameters sorted, non-ASCII escaped. It is a key, not a link to show.
    """
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = _host(parts.hostname)
    if host is None:
        return None
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path = parts.path or "/"
    if _NEEDS_QUOTING.search(path):
        path = quote(path, safe=_PATH_SAFE)
    query = urlencode(sorted(_kept_params(parts.query)), doseq=True, quote_via=quote) if parts.query else ""
    return urlunsplit(("https", host, path, query, ""))


def _host(hostname: str) -> str | None:
    host = hostname.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if not host:
        return None
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return host


def _kept_params(query: str) -> list[tuple[str, str]]:
    kept: list[tuple[str, str]] = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        low = key.lower()
        if low in TRACKING_PARAMS or low.startswith(_TRACKING_PREFIXES):
            continue
        kept.append((key, value))
    return kept


def is_http_url(value: str | None) -> bool:
    """An absolute http(s) URL with a host: what may be stored as an article link."""
    if not value:
        return False
    value = value.strip()
    head = value[:8].lower()
    if head.startswith("https://"):
        rest = value[8:]
    elif head.startswith("http://"):
        rest = value[7:]
    else:
        return False
    return bool(rest) and rest[0] not in "/?#" and _WHITE_SPACE.search(rest, 0, 256) is None


#: `\s` is `str.isspace`, character for character (both are Python's Unicode white space).
_WHITE_SPACE = re.compile(r"\s")


# ---------------------------------------------------------------- network addresses

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NUMERIC_HOST = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}\.?", re.IGNORECASE)


def literal_ip(host: str | None) -> IPAddress | None:
    """`host` as an IP address when it is one in any form a resolver accepts, else None.

    Besides dotted quads and IPv6, C resolvers read `2852039166` (decimal),
    `0xA9FEA9FE` (hex), `0251.0376.0251.0376` (octal) and `169.254.43518` (short
    forms) as IPv4 addresses: all of them are 169.254.169.254, the cloud metadata
    address, and a check that reads only dotted quads lets them through.
    """
    if not host:
        return None
    text = host.strip().strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if _NUMERIC_HOST.fullmatch(text):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(text.rstrip(".")))
        except OSError:
            return None
    return None


def address_refusal(address: IPAddress, *, allow_private: bool = False) -> str | None:
    """Why the tracker must not connect to `address`, or None when it may.

    Never: link-local addresses (169.254.0.0/16, fe80::/10, where cloud metadata
    services answer), unspecified, multicast and reserved ones. Unless the feed opts in
    (`allow_private: true`): loopback and every other non-global range (10/8,
    172.16/12, 192.168/16, 100.64/10, fc00::/7 ...). An IPv6 address that embeds an
    IPv4 one (::ffff:a.b.c.d, 6to4) is judged by the embedded address.
    """
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            address = embedded
    if address.is_link_local:
        return f"{address} is a link-local address (where cloud metadata services answer)"
    if not address.is_loopback and (address.is_unspecified or address.is_multicast or address.is_reserved):
        return f"{address} is not a unicast host address"
    if address.is_global or allow_private:
        return None
    if address.is_loopback:
        return (
            f"{address} is a loopback address (this machine); set allow_private: true on the feed to poll it"
        )
    return f"{address} is a private address; set allow_private: true on the feed to poll it"


def url_refusal(url: str, *, allow_private: bool = False) -> str | None:
    """What is wrong with fetching `url`, judged from the URL alone (no DNS), or None.

    An http(s) URL with a host, no `user:password@` (credentials in a feed list end up
    in logs and error messages), and no literal address that `address_refusal` refuses.
    A host name passes here; its addresses are checked when it is resolved.
    """
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return f"not a valid URL: {url!r}"
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        return f"expected an http(s) URL, got {url!r}"
    if parts.username is not None or parts.password is not None:
        return "credentials (user:password@) do not belong in a feed URL: they end up in logs"
    address = literal_ip(parts.hostname)
    if address is not None:
        return address_refusal(address, allow_private=allow_private)
    return None


# ---------------------------------------------------------------- titles and fingerprints

#: Shorter normalised titles ("News", "Briefing") are too generic to prove two items equal.
MIN_TITLE_KEY_CHARS = 16
#: Chinese packs more into each character.
MIN_TITLE_KEY_CJK = 8


#: Characters that news text holds often and that NFKC changes: no-break and typographic
#: spaces, the ellipsis, and full-width ASCII (Chinese punctuation: ，（）：；！？).
_NFKC_COMMON = re.compile("[\xa0\u2002-\u200a\u2026\u202f\u205f\u3000\uff01-\uff5e]")


def nfkc(text: str) -> str:
    """`unicodedata.normalize("NFKC", text)`, exactly, at a fraction of its cost on news.

    CPython normalises the whole text the slow way (about 50 ns a character) as soon as
    one character is not in NFKC form, and nearly every article has one: a no-break
    space, an ellipsis, a Chinese full-width comma. Replacing a character by its own NFKC
    form never changes the NFKC form of the text (the compatibility decomposition works
    character by character, and the reordering and composition that follow see the same
    sequence), so the common ones are replaced with `str.replace`, and
    `unicodedata.is_normalized`, which stops at the first offender, decides whether the
    slow path is still needed. tests/test_text_fastpaths.py compares it with the library
    on random text.
    """
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text
    for char in set(_NFKC_COMMON.findall(text)):
        text = text.replace(char, unicodedata.normalize("NFKC", char))
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def title_key(title: str | None) -> str | None:
    """A short hash of the title's letters and digits, casefolded, or None if too generic.

    Two feeds that syndicate one story differ in punctuation, quotes and spacing, rarely
    in words; the key ignores exactly those differences.
    """
    if not title:
        return None
    letters = _NOT_ALNUM.sub("", nfkc(title).casefold())
    cjk = len(_CJK_CHARS.findall(letters))
    needed = MIN_TITLE_KEY_CJK if letters and cjk * 2 >= len(letters) else MIN_TITLE_KEY_CHARS
    if len(letters) < needed:
        return None
    return hashlib.sha256(letters.encode("utf-8")).hexdigest()[:16]


def fingerprint(*parts: str | None) -> str:
    """A stable hash of some text values: identity when an entry has no guid and no link."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update((part or "").encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    return digest.hexdigest()[:32]


# ---------------------------------------------------------------- language from script


_NOT_ALNUM = re.compile(r"[\W_]+")
_NOT_LETTERS = re.compile(r"[\W\d_]+")
_CJK_CHARS = _LazyPattern(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def script_language(text: str, *, sample: int = 400) -> str | None:
    """`zh` or `ru` when the text's letters are mostly Chinese or Cyrillic, else None.

    Feeds often declare a CMS default (`en-us`) whatever they publish; the script of
    the text is harder to get wrong. Latin script says nothing (en, fr, de...).
    """
    head = text[:sample]
    if head.isascii():
        return None
    # Counted in C without a list of matches. Most non-ASCII text in feeds is Latin with
    # a curly quote or a dash: with no Chinese and no Cyrillic character the answer is
    # None whatever the letters, so they are counted only when it can be something else.
    cjk = len(head) - len(_CJK_CHARS.sub("", head))
    cyrillic = len(head) - len(_CYRILLIC.sub("", head))
    if not cjk and not cyrillic:
        return None
    letters = len(_NOT_LETTERS.sub("", head))
    if letters < 4:
        return None
    if cjk >= 0.3 * letters:
        return "zh"
    if cyrillic >= 0.5 * letters:
        return "ru"
    return None


def language_code(value: str | None) -> str | None:
    """`en-US` → `en`, `zh_CN` → `zh`, `RU` → `ru`; None for anything not a language tag."""
    if not value:
        return None
    match = re.match(r"\s*([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]+)*\s*$", value)
    if not match:
        return None
    code = match.group(1).lower()
    return code if len(code) == 2 else None


# ---------------------------------------------------------------- Chinese scripts in search

# Article search runs in SQL over the stored text, which keeps the script it was written
# in, so a Chinese term is looked for in both its forms (OpenCC's phrase-aware converters;
# the rules fold to simplified character by character, in tracker.rules.textprep).

_HAN = _LazyPattern(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def _converter(config: str) -> Callable[[str], str]:
    """An OpenCC converter, built on first use (loading its dictionaries takes a few ms)."""
    import opencc

    return opencc.OpenCC(config).convert  # type: ignore[no-any-return]


@cache
def _to_simplified() -> Callable[[str], str]:
    return _converter("t2s")


@cache
def _to_traditional() -> Callable[[str], str]:
    return _converter("s2t")


def han_variants(text: str) -> tuple[str, ...]:
    """`text`, then its simplified and traditional forms where they differ (for substring search)."""
    if not _HAN.search(text):
        return (text,)
    return tuple(dict.fromkeys((text, _to_simplified()(text), _to_traditional()(text))))


# ---------------------------------------------------------------- keyword in context

#: Where a sentence ends: . ! ? (with closing quotes or brackets) before a space, the
#: Chinese full stops (no space follows them), or a line break.
_SENTENCE_END = re.compile(r"[.!?]+[\"'”’»)\]]*(?=\s)|[。！？；]|\n")
_SPACE = re.compile(r"\s+")


def keyword_in_context(text: str, start: int, end: int, width: int = 160) -> tuple[str, str, str]:
    """(before, term, after): the sentence that holds `text[start:end]`, cut to about
    `width` characters around the term, with "…" where it was cut.

    An analyst judges a match by its sentence ("...will not sign the agreement..."),
    which offsets such as `summary[104–109]` never show.
    """
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    first = 0
    for match in _SENTENCE_END.finditer(text, 0, start):
        first = match.end()
    following = _SENTENCE_END.search(text, end)
    last = following.end() if following else len(text)
    before, term, after = text[first:start].lstrip(), text[start:end], text[end:last].rstrip()
    room = max(0, width - len(term))
    if len(before) + len(after) > room:
        keep_before = min(len(before), max(room // 2, room - len(after)))
        keep_after = room - keep_before
        if keep_before < len(before):
            before = "…" + before[len(before) - keep_before :].lstrip()
        if keep_after < len(after):
            after = after[:keep_after].rstrip() + "…"
    return _SPACE.sub(" ", before), term, _SPACE.sub(" ", after)


#: At most this many е in a word get their ё spellings (2**n forms); longer words: two forms.
_YO_MAX = 3


def yo_variants(word: str) -> tuple[str, ...]:
    """A Russian word in its е and ё spellings ("еще" → еще, ёще, ещё, ёщё); others unchanged.

    The search index reads ё and е as different letters while Russian text writes either.
    Every е of a word may be a ё: up to `_YO_MAX` of them are varied (8 forms); a word
    with more gets its all-е and its written form.
    """
    if "е" not in word and "ё" not in word and "Е" not in word and "Ё" not in word:
        return (word,)
    plain = word.replace("ё", "е").replace("Ё", "Е")
    spots = [n for n, ch in enumerate(plain) if ch in "еЕ"]
    if len(spots) > _YO_MAX:
        return tuple(dict.fromkeys((plain, word)))
    forms = []
    for mask in range(2 ** len(spots)):
        chars = list(plain)
        for bit, at in enumerate(spots):
            if mask >> bit & 1:
                chars[at] = "ё" if chars[at] == "е" else "Ё"
        forms.append("".join(chars))
    return tuple(dict.fromkeys([word, *forms]))
