"""Text normalisation shared by rule terms and article text, and word boundaries.

Terms and articles go through the same `normalise`, so a rule written as
`Российск*` finds "РОССИЙСКОЙ", `cyber-security` finds "cyber security" and
`ﬁnance` (a ligature) finds "finance":

- NFKC folds compatibility forms (full-width Latin, ligatures, CJK compatibility
  ideographs) to their plain form;
- `casefold` is the Unicode caseless form (stronger than `lower`: ß → ss);
- ё → е, because Russian text writes either; typographic apostrophes → ';
- traditional Chinese characters → simplified (OpenCC's table, character by character),
  so Hong Kong and Macau sources match rules written in simplified, and the reverse;
  Belarus (白俄罗斯) is masked so that it does not hold Russia (俄罗斯);
- every dash and hyphen, and every run of white space, becomes one space;
- the fields of an article are joined with SEPARATOR and normalised at once.

Word boundaries are tested on the normalised text. A "word character" is a letter or
digit of a script that separates words with spaces; Chinese and Japanese characters
are not, so an English term next to Chinese text still sits on a boundary, and
Chinese terms match as plain substrings.

The hot path (`normalise`) does not track offsets; `OffsetMap` recomputes them for the
few articles that matched, so explanations can quote the original text.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass

from tracker.textnorm import nfkc

#: Joins an article's fields in the text the automaton scans: never inside a term,
#: never a word character, so no match spans two fields.
SEPARATOR = "\x00"

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
_DASH = re.compile(f"[{_DASHES}]")
# Typographic apostrophes become the ASCII one: "China’s" and "China's" read the same.
_APOSTROPHES = "\u2019\u2018\u02bc"
_QUOTE = re.compile(f"[{_APOSTROPHES}]")
#: UTF-8 lead bytes of U+2000 and above (one search instead of one per character).
_WIDE_LEAD = re.compile(rb"[\xe2-\xf4]")
#: A character from U+2E80 up: CJK radicals, kana, ideographs, and everything above.
_FROM_CJK = re.compile("[\u2e80-\U0010ffff]")
# The white space that feeds really contain (NFKC already made no-break and ideographic
# spaces plain ones); rarer controls stay, as non-word characters they still separate.
_SPACES = " \n\t\r\u2028\u2029\x85"
_ODD_SPACES = "\u2028\u2029\x85"
#: A run of two or more, or one that is not a plain space: what becomes one space. Written
#: so that each alternative starts with one character (a space, or another white space),
#: which the regular expression engine finds quickly; twice as fast as `[ws]{2,}|[ws]`.
_SPACE_RUN = re.compile(f"[{_SPACES[1:]}][{_SPACES}]*| [{_SPACES}]+")

# Han, kana and the CJK punctuation/compatibility blocks: scripts written without spaces.
_CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x2E80, 0x2FDF),  # radicals
    (0x3000, 0x30FF),  # CJK symbols, hiragana, katakana
    (0x3100, 0x312F),  # bopomofo
    (0x31A0, 0x31FF),  # bopomofo ext, katakana ext
    (0x3400, 0x4DBF),  # ext A
    (0x4E00, 0x9FFF),  # unified ideographs
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0xFF66, 0xFF9F),  # half-width katakana
    (0x20000, 0x3134F),  # ext B..G
)

_word_cache: dict[str, bool] = {}


#: The ranges as one character class: `has_cjk` is asked of every text normalised, and a
#: search in C beats a Python test per character by two orders of magnitude.
CJK_CLASS = re.compile("[" + "".join(f"{chr(low)}-{chr(high)}" for low, high in _CJK_RANGES) + "]")


def is_cjk(char: str) -> bool:
    """True for a Han or kana character (a script without spaces between words)."""
    return CJK_CLASS.match(char) is not None


def has_cjk(text: str) -> bool:
    return not text.isascii() and CJK_CLASS.search(text) is not None


def is_word_char(char: str) -> bool:
    """A letter or digit of a spaced script: what a word boundary may not touch."""
    known = _word_cache.get(char)
    if known is None:
        known = char.isalnum() and not is_cjk(char)
        if len(_word_cache) < 100_000:
            _word_cache[char] = known
    return known


_SIMPLIFIED: dict[int, str] | None = None
#: The table's traditional characters as one character class.
_TRADITIONAL: re.Pattern[str] | None = None


def _simplified_table() -> dict[int, str]:
    """Traditional → simplified Chinese, one character to one character (OpenCC's t2s).

    Built once from OpenCC (a well-kept converter with the standard tables, ~30 ms): each
    character of the CJK blocks converted alone, keeping those that become another single
    character. Character by character, so every offset in the normalised text still maps
    to its original character (phrase-level conversions, which change lengths, are left
    out; they are rare in the terms rules use).
    """
    global _SIMPLIFIED
    if _SIMPLIFIED is None:
        import opencc

        converter = opencc.OpenCC("t2s")
        table: dict[int, str] = {}
        for code in range(0x3400, 0xA000):
            char = chr(code)
            simple = converter.convert(char)
            if simple != char and len(simple) == 1:
                table[code] = simple
        # A few conversions lead to another traditional character (薴 → 苧 → 苎): follow
        # them to the end, so that no value is a key. Normalising stays idempotent, and
        # `to_simplified` may replace the characters it finds in any order.
        for code, simple in table.items():
            seen = {code}
            while ord(simple) in table and ord(simple) not in seen:
                seen.add(ord(simple))
                simple = table[ord(simple)]
            table[code] = simple
        _SIMPLIFIED = table
    return _SIMPLIFIED


def _traditional() -> re.Pattern[str]:
    global _TRADITIONAL
    if _TRADITIONAL is None:
        _TRADITIONAL = re.compile("[" + "".join(chr(code) for code in sorted(_simplified_table())) + "]")
    return _TRADITIONAL


#: A Chinese name that contains another country's name, as substrings match: Belarus
#: (白俄罗斯) holds Russia (俄罗斯). Its 俄 becomes a private-use character, one for one,
#: so `俄罗斯` no longer matches inside it while every offset stays the same. Rules name
#: Belarus by `白罗斯` or in other languages.
_MASK = ("白俄", "白\ue000")


def to_simplified(text: str) -> str:
    """Text with traditional Chinese characters written in simplified form (Hong Kong,
    Macau and Taiwan sources match rules written in simplified, and the reverse), and the
    names in `_MASKS` masked.

    `str.translate` with the table's 2,600 entries looks up every character (50 µs on
    an article); a search for the few traditional characters present, each then
    replaced, costs a twentieth of that, and simplified text has none.
    """
    if not has_cjk(text):
        return text
    present = set(_traditional().findall(text))
    if present:
        table = _simplified_table()
        for char in present:
            text = text.replace(char, table[ord(char)])
    if _MASK[0] in text:
        text = text.replace(*_MASK)
    return text


#: Pinyin that mirror sites insert after Chinese characters, "中国(zhōngguó)": it splits
#: a term ("中俄媒体(méitǐ)合作" must read 中俄媒体合作), so it is dropped before matching.
#: Only in parentheses right after a Han character and only with a tone-marked vowel, so
#: "(CGTN)", "(2016)" and "(Xi)" stay.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PINYIN_LETTERS = f"a-zü{_TONED}"
_PINYIN_BODY = rf"(?=[{_PINYIN_LETTERS}' ]*[{_TONED}])[{_PINYIN_LETTERS}]+(?:['\s][{_PINYIN_LETTERS}]+)*"
#: In normalised text (NFKC made the parentheses ASCII, casefold the letters lower case).
#: It starts with the parenthesis, which the engine finds fast, and looks behind it for
#: the Han character: the same matches as a leading look-behind at a twentieth of the cost.
_PINYIN = re.compile(rf"\((?<=[\u3400-\u9fff]\(){_PINYIN_BODY}\)")
#: In text as written: full-width parentheses, capitals, compatibility ideographs.
_PINYIN_RAW = re.compile(rf"(?<=[\u3400-\u9fff\uf900-\ufaff])[(（]{_PINYIN_BODY}[)）]", re.IGNORECASE)


def strip_pinyin(text: str) -> tuple[str, list[int] | None]:
    """`text` without the pinyin annotations `_PINYIN_RAW` finds, and for each character
    kept its offset in `text`; (text, None) when there are none (the usual case)."""
    if "(" not in text and "（" not in text:
        return text, None
    spans = [m.span() for m in _PINYIN_RAW.finditer(text)]
    if not spans:
        return text, None
    kept: list[int] = []
    pieces: list[str] = []
    position = 0
    for start, end in spans:
        pieces.append(text[position:start])
        kept.extend(range(position, start))
        position = end
    pieces.append(text[position:])
    kept.extend(range(position, len(text)))
    return "".join(pieces), kept


def normalise(text: str) -> str:
    """The matching form of a text; see the module docstring. Idempotent."""
    return normalise_for_scan(text)[0]


def normalise_for_scan(text: str) -> tuple[str, bool]:
    """`normalise(text)`, and whether it holds a character from U+2E80 up (Chinese,
    Japanese, emoji, the private-use mask): the matcher scans such a text as UTF-8
    bytes (tracker.rules.automaton._haystack).

    A character from U+2000 up is found with one encoding, which also tells which
    replacements can apply: typographic dashes, apostrophes and line separators all lie
    there, so a Cyrillic or accented text without such characters skips a dozen
    searches. Only CJK and above make a text wide, though: curly double quotes, bullets
    and the euro sign are common in English news, and a text scanned as bytes leaves the
    words after a phrase's first unchecked, so "China" in it counted as every
    "China …" phrase and passed rules on to the slow checks.
    """
    if not text:
        return "", False
    folded = nfkc(text)
    # str.translate, casefold and regular expressions cost microseconds on a long text;
    # the `in` tests below cost a few dozen nanoseconds and usually find nothing.
    wide = odd_space = False
    if folded.isascii():
        folded = folded.lower()
    else:
        folded = folded.casefold()
        if "ё" in folded:
            folded = folded.replace("ё", "е")
        if "\u02bc" in folded:
            folded = folded.replace("\u02bc", "'")
        wide = _WIDE_LEAD.search(folded.encode("utf-8")) is not None
        if wide:
            for quote in _APOSTROPHES:
                if quote in folded:
                    folded = folded.replace(quote, "'")
            for dash in _DASHES:
                if dash in folded:
                    folded = folded.replace(dash, " ")
            odd_space = "\u2028" in folded or "\u2029" in folded
            # Curly quotes and dashes were often the only such characters.
            wide = not folded.isascii() and _WIDE_LEAD.search(folded.encode("utf-8")) is not None
            if wide:
                folded = to_simplified(folded)
                if "(" in folded:
                    folded = _PINYIN.sub("", folded)
                wide = _FROM_CJK.search(folded) is not None
        odd_space = odd_space or "\x85" in folded
    if "-" in folded:
        folded = folded.replace("-", " ")
    if odd_space or "  " in folded or "\n" in folded or "\t" in folded or "\r" in folded:
        folded = _SPACE_RUN.sub(" ", folded)
    return folded, wide


@dataclass(frozen=True)
class OffsetMap:
    """A field's normalised text with, for each of its characters, the original offset.

    Usually text is already in NFKC form and case-folds to the same length: every
    character then maps to one, and only runs of white space shrink (`_direct_starts`,
    a few microseconds). Otherwise it is built one character cluster (a base character
    and its combining marks) at a time, which gives the same text as `normalise` for all
    but exotic input; when it does not, `exact` is False and offsets are those of the
    normalised text.
    """

    original: str
    norm: str
    starts: tuple[int, ...]
    exact: bool

    @classmethod
    def build(cls, original: str) -> OffsetMap:
        stripped, kept = strip_pinyin(original)
        if kept is not None:
            # Map the text without its pinyin, then point back at the original characters;
            # a quote that ends before dropped pinyin runs on to its closing parenthesis.
            inner = cls.build(stripped)
            if not inner.exact:
                return cls(original, inner.norm, tuple(range(len(inner.norm))), exact=False)
            return cls(original, inner.norm, tuple(kept[i] for i in inner.starts), exact=True)
        expected = normalise(original)
        direct = _direct_starts(original, expected)
        if direct is not None:
            return cls(original, expected, direct, exact=True)
        mapped = _mapped_starts(original, expected)
        if mapped is not None:
            return cls(original, expected, mapped, exact=True)
        pieces: list[str] = []
        starts: list[int] = []
        previous_space = False
        for begin, cluster in _clusters(original):
            piece = _PIECES.get(cluster)
            if piece is None:
                piece = _piece(cluster)
                if len(_PIECES) < 100_000:
                    _PIECES[cluster] = piece
            for char in piece:
                is_space = char in _SPACES
                if is_space and previous_space:
                    continue
                pieces.append(" " if is_space else char)
                starts.append(begin)
                previous_space = is_space
        built = "".join(pieces)
        if built != expected:
            return cls(original, expected, tuple(range(len(expected))), exact=False)
        return cls(original, built, tuple(starts), exact=True)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) of the normalised [start, end)."""
        if not self.exact:
            return start, end
        first = self.starts[start] if start < len(self.starts) else len(self.original)
        if end >= len(self.starts):
            return first, len(self.original)
        # The end is where the cluster holding the next normalised character begins.
        last = self.starts[end]
        if last == self.starts[end - 1]:  # a cluster that normalised to several chars
            later = bisect_right(self.starts, last)
            last = self.starts[later] if later < len(self.starts) else len(self.original)
        return first, last

    def quote(self, start: int, end: int) -> str:
        """The original text of a normalised span (the normalised text if inexact)."""
        if not self.exact:
            return self.norm[start:end]
        first, last = self.span(start, end)
        return self.original[first:last]


#: What each character cluster normalises to: articles repeat the same few hundred, and
#: normalising them one by one was most of the cost of explaining a match.
_PIECES: dict[str, str] = {}


def _piece(cluster: str) -> str:
    piece = _DASH.sub(" ", unicodedata.normalize("NFKC", cluster).casefold())
    piece = _QUOTE.sub("'", piece)
    return to_simplified(piece.replace("ё", "е").replace("-", " "))


_SPACE_CLASS = re.compile(f"[{_SPACES}]+")


def _mapped_starts(original: str, expected: str) -> tuple[int, ...] | None:
    """Offsets for a text without combining marks, computed with C-level string calls.

    Without combining marks every cluster is one character, so the cluster-by-cluster
    construction is: each character replaced by its piece (`str.translate`), each piece's
    characters pointing at the character's offset, then runs of white space made one
    space. None when the text has combining marks or the result is not `expected`.
    """
    table: dict[int, str] = {}
    for char in set(original):
        if unicodedata.combining(char):
            return None
        piece = _PIECES.get(char)
        if piece is None:
            piece = _piece(char)
            if len(_PIECES) < 100_000:
                _PIECES[char] = piece
        if piece != char:
            table[ord(char)] = piece
    text = original.translate(table)
    longer = [chr(code) for code, piece in table.items() if len(piece) != 1]
    if longer:
        starts: list[int] = []
        position = 0
        for match in re.finditer("|".join(map(re.escape, longer)), original):
            starts.extend(range(position, match.start()))
            starts.extend([match.start()] * len(table[ord(match.group())]))
            position = match.end()
        starts.extend(range(position, len(original)))
    else:
        starts = list(range(len(original)))
    if len(starts) != len(text):
        return None
    out_chars: list[str] = []
    out_starts: list[int] = []
    position = 0
    for run in _SPACE_CLASS.finditer(text):
        if run.end() - run.start() == 1 and run.group() == " ":
            continue
        out_chars.append(text[position : run.start()])
        out_starts.extend(starts[position : run.start()])
        out_chars.append(" ")
        out_starts.append(starts[run.start()])
        position = run.end()
    out_chars.append(text[position:])
    out_starts.extend(starts[position:])
    if "".join(out_chars) != expected:
        return None
    return tuple(out_starts)


def _direct_starts(original: str, expected: str) -> tuple[int, ...] | None:
    """Offsets when every character normalises to one character (see OffsetMap), else None."""
    if not unicodedata.is_normalized("NFKC", original):
        return None
    folded = original.casefold()
    if len(folded) != len(original):  # "ß" → "ss": a character became two
        return None
    if not folded.isascii():
        if any(dash in folded for dash in _DASHES):
            folded = _DASH.sub(" ", folded)
        if any(quote in folded for quote in _APOSTROPHES):
            folded = _QUOTE.sub("'", folded)
        folded = to_simplified(folded.replace("ё", "е"))
    folded = folded.replace("-", " ")
    if folded == expected:
        return tuple(range(len(original)))
    if _SPACE_RUN.sub(" ", folded) != expected:
        return None
    starts: list[int] = []
    position = 0
    for run in _SPACE_RUN.finditer(folded):
        starts.extend(range(position, run.start()))
        starts.append(run.start())  # a run of white space became one space
        position = run.end()
    starts.extend(range(position, len(original)))
    return tuple(starts)


def _clusters(text: str) -> list[tuple[int, str]]:
    """(offset, base character + its combining marks) for each cluster of the text."""
    out: list[tuple[int, str]] = []
    for index, char in enumerate(text):
        if out and unicodedata.combining(char):
            begin, cluster = out[-1]
            out[-1] = (begin, cluster + char)
        else:
            out.append((index, char))
    return out
