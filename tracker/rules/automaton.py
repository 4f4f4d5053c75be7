"""The matcher: every term of every rule in one Aho-Corasick automaton, one pass per article.

Compiling (`compile_rules`) puts each distinct normalised term once into a pyahocorasick
automaton and gives each (rule, condition, term) a bit in its rule's mask. Matching an
article (`Matcher.match`) then costs:

1. one `normalise` of its fields joined by a separator (textprep);
2. one automaton pass over that text (`_scan`). Each hit is checked for word
   boundaries (Latin and Cyrillic terms; a prefix term only at its start; Chinese
   terms never) and recorded as "this term form was found", nothing more: the
   names of the parties sit in every bilateral rule, and touching each of those rules
   on every "China" would make the pass grow with the number of rules. A stemmed form
   is taken at its key with its stems unverified, but a stemmed phrase's later words
   must follow ("new media" is not counted at every "new");
3. a count, in C, of the evidence terms found per rule (`_passing`): a rule needs two
   profile terms or a phrase (score = weight × (1 per distinct profile term, 2 per
   phrase, 0 per generic word) ≥ min_score), so most rules touched by one common term
   drop out at once; the few left are checked exactly: score from their bits, `none`
   terms absent, a term of every `all` group present;
4. for the rules that pass, the verified hits (stems checked, `_hits`, only of the forms
   those rules hold), then the same verdicts `_explain` reaches, cheapest first and
   without writing a word: keywords (`_keywords_hold`), then the scope (`_scope_span`);
   most rules the count let through stop here;
5. only for the rules still standing, the slow part (`_explain`): positions in the
   original text for the explanation, the act's date and date conditions (dateparser's
   search at most once per article, and not at all when the lede quotes no year that
   could date the act).

Every shortcut decides exactly what the explanation decides: tests/test_rules_fastpaths.py
compares `match` with `explain` (every rule the long way) over the shared corpus.

The cost per article grows with the hits in it, not with the number of rules (apart
from the automaton's own cost, which grows slowly with its size: pyahocorasick walks
the failure chain at every character). bench/bench_rules.py measures it against one
compiled regular expression per rule. Pure domain logic: no SQL, no I/O.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import accumulate
from typing import Any, NamedTuple, Protocol

import ahocorasick

from tracker.records.statements import commitment_index
from tracker.rules.datecond import (
    DateBounds,
    MentionedDate,
    anchor_of,
    evaluate,
    may_hold_year,
    mentioned_dates,
    mentioned_days_of_month,
    mentioned_years,
    resolve_bounds,
)
from tracker.rules.model import concept_key, term_points
from tracker.rules.stems import key_of, stem
from tracker.rules.textprep import (
    CJK_CLASS,
    SEPARATOR,
    OffsetMap,
    has_cjk,
    is_word_char,
    normalise,
    normalise_for_scan,
)
from tracker.types import (
    FIELDS,
    Commitment,
    ConditionResult,
    Explanation,
    MatchResult,
    Rule,
    Statement,
    Term,
    TermGroup,
    TermHit,
)

#: Bump when matching semantics change, so stored signals are re-matched.
MATCHER_VERSION = 2
_WORD_REST = r"[^\W_]*"  # the rest of a word after a prefix: letters and digits
_FIELD_BITS = {name: 1 << i for i, name in enumerate(FIELDS)}
_ALL_FIELDS = (1 << len(FIELDS)) - 1


class ArticleLike(Protocol):
    """What the matcher reads from an article (tracker.types.Article has all of it)."""

    id: int
    title: str
    summary: str
    content: str
    language: str | None
    published: datetime | None


@dataclass(frozen=True)
class _Slot:
    """One (rule, condition, term) in the automaton's value for a key."""

    rule: int
    bit: int
    fields: int
    condition: str
    term: Term


@dataclass(frozen=True, eq=False)  # identity: it holds a dict, and one object per form
class _Variant:
    """How a key must sit in the text.

    `check_end` is False for prefix and CJK endings. `tail` is set for a term with a
    wildcard inside ("виртуальн* реальност*"): the key is its first word, and the rest
    must follow, matched by this pattern at the end of the key.
    """

    check_end: bool
    tail: _Tail | None
    slots: tuple[_Slot, ...]
    #: Identity of this term form (the scan records which forms it found).
    gid: int = 0
    #: A prefix term: the hit, as quoted, runs to the end of the word ("китайских").
    extend: bool = False
    #: The slots by rule index, for explanations (a party name may sit in thousands of rules).
    by_rule: dict[int, tuple[_Slot, ...]] = field(default_factory=dict)
    #: The rules it has slots in (by_rule's keys, as a set for `_hits`' filter).
    rules: frozenset[int] = frozenset()
    #: A stemmed term: per word its Snowball stem ("" for a word matched as written), and
    #: the key's length in characters, to find where the hit starts.
    stems: tuple[str, ...] = ()
    key_chars: int = 0
    #: The term's words as written (normalised), for `_russian_form_of`.
    words: tuple[str, ...] = ()

    def stop(self, text: str, end: int) -> int:
        """Exclusive end of the match whose key ends at `end`, or -1 if it does not hold."""
        stop = end + 1
        if self.tail is not None:
            found = self.tail.match(text, stop)
            if found is None:
                return -1
            stop = found.end()
        if self.check_end and stop < len(text) and is_word_char(text[stop]):
            return -1
        while self.extend and stop < len(text) and is_word_char(text[stop]):
            stop += 1
        if self.stems:
            words = text[end + 1 - self.key_chars : stop].split(" ")
            if len(words) < len(self.stems):
                return -1
            for word, wanted, written in zip(words, self.stems, self.words, strict=False):
                if wanted and stem(word) != wanted and not _russian_form_of(word, written):
                    return -1
        return stop


@dataclass(frozen=True)
class _Key:
    length: int
    check_start: bool
    variants: tuple[_Variant, ...]


@dataclass(frozen=True)
class _Target:
    commitment_id: str
    bounds: DateBounds | None
    #: When the commitment was made (its statement's date, else its window's start): an
    #: act dated before it is no follow-up, and a report of that meeting is not either.
    made: date | None = None
    #: Word 4-grams of the commitment's own text in every language (hashes): an article
    #: that mostly repeats them is the commitment itself, not news about it.
    own_text: frozenset[int] = frozenset()
    #: Whether `made` is the statement's own date (a meeting to recognise), not a window start.
    meeting: bool = False


@dataclass(frozen=True)
class _CompiledRule:
    index: int
    rule: Rule
    field_mask: int
    groups: tuple[tuple[str, TermGroup, int], ...]  # (condition, group, its bits), `all` first
    #: Per `all` group, and for `none`: the term forms (variant gids) that satisfy it.
    all_sets: tuple[frozenset[int], ...]
    none_set: frozenset[int]
    #: Evidence term form (gid) → its bit; bits worth one point and two points.
    evidence: dict[int, int]
    one_point: int
    two_points: int
    targets: tuple[_Target, ...]


@dataclass(frozen=True)
class _Hit:
    """A boundary-checked automaton hit in the joined normalised text."""

    start: int
    end: int  # exclusive
    field: int
    variant: _Variant

    def slots(self, rule: int) -> tuple[_Slot, ...]:
        """This hit's slots for one rule, in fields the rule reads."""
        return tuple(s for s in self.variant.by_rule.get(rule, ()) if s.fields >> self.field & 1)


#: A space or a field boundary (a word starts after it), and a run of Chinese or Japanese.
_BREAK = re.compile("[ \x00]")
_CJK_RUN = re.compile(CJK_CLASS.pattern + "+")

#: 1 for a byte that starts a UTF-8 character, 0 for a continuation byte (0x80-0xBF).
_LEAD_BYTES = bytes(0 if 0x80 <= b <= 0xBF else 1 for b in range(256))


class _Prepared:
    """One article's joined normalised text, with field offsets and lazy offset maps.

    `haystack` is what the automaton scans: the text itself when it is ASCII, else its
    UTF-8 bytes viewed as Latin-1 characters (see `_haystack`).
    """

    def __init__(self, article: ArticleLike, raw: list[str], text: str, haystack: str) -> None:
        self.article = article
        self.raw = raw
        self.text = text
        self.haystack = haystack
        first = text.find(SEPARATOR)
        second = text.find(SEPARATOR, first + 1)
        self.offsets = (0, first + 1, second + 1)
        self._maps: dict[int, OffsetMap] = {}
        self._mentioned: list[MentionedDate] | None = None
        self._chars: list[int] | None = None
        self._word_starts: list[int] | None = None

    @classmethod
    def of(cls, article: ArticleLike) -> _Prepared:
        raw, text, haystack = _texts(article)
        return cls(article, raw, text, haystack)

    def char_index(self, byte_index: int) -> int:
        """The character offset in `text` of a haystack offset."""
        if self.haystack is self.text:
            return byte_index
        if self._chars is None:
            # Byte i belongs to the character whose lead byte is the last one at or before
            # it: a running count of lead bytes, computed in C (a Python loop per character
            # cost milliseconds on a long matched article).
            leads = self.text.encode("utf-8").translate(_LEAD_BYTES)
            chars = list(accumulate(leads, initial=-1))
            del chars[0]
            chars.append(len(self.text))
            self._chars = chars
        return self._chars[byte_index]

    def field_of(self, position: int) -> int:
        return 0 if position < self.offsets[1] else (1 if position < self.offsets[2] else 2)

    def term_hit(self, term: Term, hit: _Hit) -> TermHit:
        """The hit in the original field text, as an analyst will read it."""
        offset_map = self._maps.get(hit.field)
        if offset_map is None:
            offset_map = self._maps[hit.field] = OffsetMap.build(self.raw[hit.field])
        local_start = hit.start - self.offsets[hit.field]
        local_end = hit.end - self.offsets[hit.field]
        start, end = offset_map.span(local_start, local_end)
        return TermHit(term.text, FIELDS[hit.field], start, end, offset_map.quote(local_start, local_end))

    def word_starts(self) -> list[int]:
        """Where words start, for `near` scopes (computed once per article, with searches in C).

        After a space or a field boundary; in Chinese and Japanese, which write no spaces,
        every second character of a run (a word is about two characters long).
        """
        if self._word_starts is None:
            text = self.text
            starts = [m.start() for m in _BREAK.finditer(text)]
            if text.isascii():
                self._word_starts = starts
            else:
                for run in _CJK_RUN.finditer(text):
                    starts.extend(range(run.start() + 1, run.end(), 2))
                self._word_starts = sorted(starts)
        return self._word_starts

    def lede(self) -> str:
        """The title and the first 300 characters of the summary (or content), as written."""
        body = self.raw[1] or self.raw[2]
        return f"{self.raw[0]}\n{body[:300]}"

    def years(self) -> list[tuple[int, str]]:
        """Years written in the article ("в 2015 году", "in 2015", "2015年"): for undated ones."""
        return mentioned_years("\n".join(t for t in self.raw if t))

    def days_of_month(self) -> list[tuple[int, int, str]]:
        """Days written without a year ("25 июня"): for undated articles with no year at all."""
        return mentioned_days_of_month("\n".join(t for t in self.raw if t))

    def mentioned(self) -> list[MentionedDate]:
        """Dates written in the article (dateparser's search, once per article)."""
        if self._mentioned is None:
            text = "\n".join(t for t in self.raw if t)
            self._mentioned = mentioned_dates(text, self.article.language, self.article.published)
        return self._mentioned


def haystack_of(article: ArticleLike) -> str:
    """The text the automaton scans for this article (for benchmarks and diagnostics)."""
    return _texts(article)[2]


def _texts(article: ArticleLike) -> tuple[list[str], str, str]:
    """The raw fields, their joined normalised text, and the haystack to scan.

    One normalise call for all fields: normalising works character by character
    (white space runs never cross the separator), so this equals joining the fields
    normalised one by one, at a third of the calls.
    """
    raw = [article.title or "", article.summary or "", article.content or ""]
    joined = SEPARATOR.join(raw)
    if joined.count(SEPARATOR) != 2:  # a field held the separator itself
        raw = [field.replace(SEPARATOR, " ") for field in raw]
        joined = SEPARATOR.join(raw)
    text, wide = normalise_for_scan(joined)
    return raw, text, (text.encode("utf-8").decode("latin-1") if wide else text)


#: Keys with characters from here up (CJK radicals, kana, ideographs, ...) exist only as bytes.
_WIDE = "\u2e80"


def _haystack(text: str) -> str:
    """The text as the automaton reads it (`_texts` makes it from normalising's by-product).

    pyahocorasick finds a node's child by a linear scan of its children, so a root with
    thousands of children (every first character of every Chinese term) would cost
    thousands of comparisons per character of text. A text with such characters is
    therefore scanned as its UTF-8 bytes, one Latin-1 character per byte: no node has
    more than 256 children. Other text (ASCII, Cyrillic, accented Latin: small
    alphabets) is scanned as it is, which keeps it short: the automaton costs about
    20 ns per character scanned. Keys are inserted in each form they can meet.
    """
    return text.encode("utf-8").decode("latin-1") if normalise_for_scan(text)[1] else text


def _key_forms(norm: str) -> tuple[str, ...]:
    """The automaton keys for a term: as text, as UTF-8 bytes, or both."""
    if norm.isascii():
        return (norm,)
    encoded = norm.encode("utf-8").decode("latin-1")
    if max(norm) >= _WIDE:
        return (encoded,)  # never in a text scanned as it is (see _haystack)
    return (norm, encoded)


def _word_before(haystack: str, index: int) -> bool:
    """Is the non-ASCII character that ends just before haystack[index] a word character?

    The three bytes before `index` decide it for every 2- and 3-byte character (all
    Cyrillic and common Chinese), so the answer is cached under them: one slice and
    one dict lookup per check. Longer or truncated sequences are decoded each time.
    """
    window = haystack[index - 3 : index] if index >= 3 else haystack[:index]
    known = _before.get(window)
    if known is not None:
        return known
    begin = index - 1
    while begin > 0 and "\x80" <= haystack[begin] < "\xc0":  # UTF-8 continuation bytes
        begin -= 1
    known = _encoded_word(haystack[begin:index])
    if index - begin <= 3 and len(window) == 3 and len(_before) < 100_000:
        _before[window] = known
    return known


def _word_after(haystack: str, index: int) -> bool:
    """Is the non-ASCII character that starts at haystack[index] a word character?"""
    window = haystack[index : index + 3]
    known = _after.get(window)
    if known is not None:
        return known
    lead = ord(haystack[index])
    size = 2 if lead < 0xE0 else (3 if lead < 0xF0 else 4)
    known = _encoded_word(haystack[index : index + size])
    if size <= 3 and len(window) == 3 and len(_after) < 100_000:
        _after[window] = known
    return known


def _char_before(haystack: str, index: int) -> bool:
    return is_word_char(haystack[index - 1])


def _char_after(haystack: str, index: int) -> bool:
    return is_word_char(haystack[index])


_before: dict[str, bool] = {}
_after: dict[str, bool] = {}


def _encoded_word(sequence: str) -> bool:
    try:
        return is_word_char(sequence.encode("latin-1").decode("utf-8"))
    except (UnicodeDecodeError, TypeError):
        return False


#: Frequent characters of English, Russian and Chinese text as UTF-8 bytes (space, the
#: commonest Latin letters, the lead bytes of Cyrillic and of common Chinese), in order.
_FREQUENT = " etaoinsrhldcumfpgwybvk,.'\xd0\xd1\xe4\xe5\xe6\xe7\xe8\xe9\x00"
_NEVER = SEPARATOR * 3  # fields are never empty twice in a row plus one: cannot occur


def _prime(automaton: object) -> None:
    """Put frequent characters first among the root's children.

    pyahocorasick scans a node's children in insertion order; a character that starts
    no term (a space) otherwise costs a scan of every child of the root. Keys that can
    never match ("e" + three separators) fix the order; they are never reported.
    """
    for char in _FREQUENT:
        automaton.add_word(char + _NEVER, -1)  # type: ignore[attr-defined]


class Matcher:
    """All rules compiled together. Immutable; safe to share between threads."""

    def __init__(
        self,
        rules: Sequence[_CompiledRule],
        keys: Sequence[_Key],
        automaton: object,
        fingerprint: str,
        evidence: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = (),
    ):
        self._rules = tuple(rules)
        self._keys = tuple(keys)
        # The hot loop reads plain tuples. A key with one plain form (the usual case):
        # (length, check_start, gid, check_end); else (length, check_start, -1, forms)
        # with `_Forms` (see `_table_entry`).
        self._table = tuple(_table_entry(key) for key in self._keys)
        #: Does any rule read only some fields? If not, the scan keeps one set, not three.
        self._by_field = any(c.field_mask != _ALL_FIELDS for c in self._rules)
        self._automaton = automaton
        self.fingerprint = fingerprint
        #: When these rules were compiled (read from their files): of two matchers with
        #: different rules, the later one reflects the files as they are now.
        self.loaded_at = time.time()
        self._by_id = {c.rule.id: c for c in self._rules}
        #: Per term form (gid): the rules for which it is evidence worth one point, two points.
        self._evidence = evidence
        #: Rules that one one-point term can satisfy (weight ≥ min_score).
        self._eager = frozenset(c.index for c in self._rules if c.rule.weight >= c.rule.min_score)
        #: The `all` gates of the rules that have one (usually: both parties named).
        self._all_gates = tuple({c.all_sets for c in self._rules if c.all_sets})
        #: Per automaton key: the rules any of its forms has a slot in.
        self._key_rules = tuple(frozenset().union(*(v.rules for v in key.variants)) for key in self._keys)

    @property
    def rules(self) -> tuple[Rule, ...]:
        return tuple(c.rule for c in self._rules)

    def rule(self, rule_id: str) -> Rule:
        return self._by_id[rule_id].rule

    def targets(self, rule_id: str) -> tuple[str, ...]:
        return tuple(t.commitment_id for t in self._by_id[rule_id].targets)

    @property
    def term_count(self) -> int:
        """Distinct normalised terms in the automaton."""
        return len({id(key.variants) for key in self._keys})

    # -- matching

    def match(self, article: ArticleLike) -> list[MatchResult]:
        """Every (rule, commitment) link this article makes, with its explanation."""
        if not self._keys:
            return []
        raw, text, haystack = _texts(article)
        passing = self._passing(self._scan(text, haystack))
        if not passing:
            return []
        prepared = _Prepared(article, raw, text, haystack)
        hits = self._hits(prepared, frozenset(c.index for c in passing))
        results: list[MatchResult] = []
        for compiled in passing:
            found = _found(compiled.index, hits)
            # The scan over-counts (stems unverified, overlaps counted twice); most rules it
            # passes fail on their verified keywords, so no explanation is built for them.
            if not _keywords_hold(compiled, found):
                continue
            # The scope is the next gate, judged alike for every target: most rules that
            # name both parties and the topic fail here (the parties in an aside).
            if compiled.rule.scope != "article" and _scope_span(compiled, found, prepared) is None:
                continue
            for target in compiled.targets:
                explanation = self._explain(compiled, target, prepared, hits, found)
                if explanation.linked:
                    results.append(
                        MatchResult(
                            article_id=article.id,
                            rule_id=compiled.rule.id,
                            commitment_id=target.commitment_id,
                            score=explanation.score,
                            relation=compiled.rule.relation,
                            hits=explanation.hits,
                            dates=explanation.dates,
                            explanation=explanation,
                        )
                    )
        return results

    def wants_full_text(self, article: ArticleLike) -> bool:
        """A cheap pre-filter for fetching an article's page: does some rule's `all` gate hold?

        The gates of bilateral rules name both parties, so this says "both parties are
        named in what the feed gave": worth reading the whole article, whose body may
        hold the act itself. One automaton pass, no explanation, no dates.
        """
        if not self._keys or not self._all_gates:
            return False
        _raw, text, haystack = _texts(article)
        found = self._scan(text, haystack)
        if found is None:
            return False
        seen = found[0] | found[1] | found[2] if self._by_field else found[0]
        return any(all(not group.isdisjoint(seen) for group in gate) for gate in self._all_gates)

    def raw_hits(self, haystack: str) -> int:
        """Automaton hits in a haystack (`haystack_of`), before any check: the bare pass,
        for benchmarks and diagnostics."""
        count = 0
        for _hit in self._automaton.iter(haystack):  # type: ignore[attr-defined]
            count += 1
        return count

    def linked_pairs(self, article: ArticleLike) -> set[tuple[str, str]]:
        """(rule id, commitment id) pairs, for callers that need no explanation."""
        return {(r.rule_id, r.commitment_id) for r in self.match(article)}

    def explain(self, article: ArticleLike, commitment_id: str | None = None) -> list[Explanation]:
        """Each rule's verdict on the article: every rule targeting `commitment_id`,
        or without one, every rule with at least one term found in the article."""
        prepared = _Prepared.of(article)
        hits = self._hits(prepared) if self._keys else []
        touched = {rule for hit in hits for rule in hit.variant.by_rule}
        out: list[Explanation] = []
        for index, compiled in enumerate(self._rules):
            for target in compiled.targets:
                if commitment_id is not None and target.commitment_id != commitment_id:
                    continue
                if commitment_id is None and index not in touched:
                    continue
                out.append(self._explain(compiled, target, prepared, hits))
        return out

    # -- the hot path

    def _scan(self, text: str, haystack: str) -> list[Any] | None:
        """The term forms (gids) found, boundaries checked: [all fields, ...] or, if some
        rule reads only some fields, [title, summary, content, ...]; None if none found.

        No per-rule work: the cost of a pass grows with the hits in the article, not
        with the number of rules.
        """
        found: list[set[int]] | None = None
        table = self._table
        size = len(haystack)
        by_field = self._by_field
        before, after = (_word_before, _word_after) if haystack is not text else (_char_before, _char_after)
        summary_at = content_at = 0
        plain = haystack is text
        for end, key_index in self._automaton.iter(haystack):  # type: ignore[attr-defined]
            length, check_start, gid, check_end, first_stem = table[key_index]
            start = end - length + 1
            if check_start and start:
                char = haystack[start - 1]
                if char.isalnum() if char < "\x80" else before(haystack, start):
                    continue
            if gid >= 0:
                if check_end and end + 1 < size:
                    char = haystack[end + 1]
                    if char.isalnum() if char < "\x80" else after(haystack, end + 1):
                        continue
                if first_stem is not None and plain and not _stem_holds(first_stem, text, start, end):
                    continue
                if found is None:
                    found = self._new_found(haystack)
                    summary_at, content_at = found[3]
                if by_field:
                    found[0 if start < summary_at else (1 if start < content_at else 2)].add(gid)
                else:
                    found[0].add(gid)
            else:  # several forms, or a tail to check: rare, slower
                gids = _forms_holding(check_end, text, haystack, end)
                if gids:
                    if found is None:
                        found = self._new_found(haystack)
                        summary_at, content_at = found[3]
                    found[_field_index(start, summary_at, content_at) if by_field else 0].update(gids)
        return found

    def _new_found(self, haystack: str) -> list[Any]:
        """[all] or [title, summary, content] sets, then the field offsets in the haystack."""
        summary_at = haystack.find(SEPARATOR)
        offsets = (summary_at, haystack.find(SEPARATOR, summary_at + 1))
        return [set(), set(), set(), offsets] if self._by_field else [set(), offsets, offsets, offsets]

    def _passing(self, found: list[Any] | None) -> list[_CompiledRule]:
        """Rules whose score, `all` groups and `none` hold (dates are checked later).

        First a count (in C: sets and `Counter`) of the evidence forms found per rule: a rule
        needs two one-point terms or a phrase (or, with weight ≥ min_score, one term),
        so most rules touched by a single common term drop out here. The few left are
        scored exactly from their bits (spelling variants of one concept count once).
        """
        if found is None:
            return []
        everything = found[0] | found[1] | found[2] if self._by_field else found[0]
        ones: list[int] = []
        twos: list[int] = []
        evidence = self._evidence
        for gid in everything:
            one, two = evidence[gid]
            if one:
                ones += one
            if two:
                twos += two
        if not ones and not twos:
            return []
        candidates = set(twos)
        distinct = set(ones)
        if len(distinct) < len(ones):  # some rule has two one-point terms: count, in C
            candidates.update([rule for rule, count in Counter(ones).items() if count > 1])
        if self._eager:
            candidates.update(self._eager.intersection(distinct))
        passing: list[_CompiledRule] = []
        for index in sorted(candidates):
            compiled = self._rules[index]
            seen = (
                everything if compiled.field_mask == _ALL_FIELDS else _in_fields(found, compiled.field_mask)
            )
            if self._holds(compiled, seen):
                passing.append(compiled)
        return passing

    @staticmethod
    def _holds(compiled: _CompiledRule, seen: set[int]) -> bool:
        bits = compiled.evidence
        mask = 0
        # A rule's evidence forms are usually fewer than the forms an article holds.
        for gid in bits.keys() & seen if len(bits) < len(seen) else seen:
            mask |= bits.get(gid, 0)
        points = (mask & compiled.one_point).bit_count() + 2 * (mask & compiled.two_points).bit_count()
        if compiled.rule.weight * points < compiled.rule.min_score:
            return False
        # A stemmed `none` form is left to `_explain`: the scan may over-count it, and an
        # over-counted `none` term would wrongly drop a rule here.
        if compiled.none_set and not compiled.none_set.isdisjoint(seen):
            return False
        return all(not group.isdisjoint(seen) for group in compiled.all_sets)

    # -- the explaining path

    def _hits(self, prepared: _Prepared, rules: frozenset[int] | None = None) -> list[_Hit]:
        """Every boundary-checked hit with its slots, in character offsets of the text.

        The same tests as `_scan`, made on the decoded text: the property test in
        tests/test_rules_matcher.py checks that both paths always agree. With `rules`, only
        the hits of term forms some of those rules hold (what `_found` reads for them, in
        the same order): `match` explains a rule or two, and a long article holds hundreds
        of hits of forms ("the", "china") that other rules' phrases start with.
        """
        text = prepared.text
        out: list[_Hit] = []
        key_rules = self._key_rules
        for end, key_index in self._automaton.iter(prepared.haystack):  # type: ignore[attr-defined]
            if rules is not None and rules.isdisjoint(key_rules[key_index]):
                continue
            key = self._keys[key_index]
            start = prepared.char_index(end - key.length + 1)
            last = prepared.char_index(end + 1) - 1
            if key.check_start and start and is_word_char(text[start - 1]):
                continue
            field = prepared.field_of(start)
            for variant in key.variants:
                if rules is not None and rules.isdisjoint(variant.rules):
                    continue
                stop = variant.stop(text, last)
                if stop >= 0:
                    out.append(_Hit(start, stop, field, variant))
        return out

    def _explain(
        self,
        compiled: _CompiledRule,
        target: _Target,
        prepared: _Prepared,
        hits: list[_Hit],
        found: _Found | None = None,
    ) -> Explanation:
        rule = compiled.rule
        if found is None:
            found = _found(compiled.index, hits)
        conditions: list[ConditionResult] = []
        for condition, group, _bits in compiled.groups:
            conditions.append(_group_result(condition, group, found.get(condition, []), prepared))
        points = _points(found.get("any", []) + found.get("phrases", []))
        score = rule.weight * points
        conditions.append(
            ConditionResult(
                "score",
                score >= rule.min_score,
                f"{rule.weight:g} × {points} point(s) = {score:g} (needs {rule.min_score:g}; "
                "1 per profile term, 2 per phrase, 0 per generic word; overlaps count once)",
            )
        )
        if rule.scope != "article" and all(c.held for c in conditions if _gates(c)):
            conditions.append(_scope_result(compiled, found, prepared))
        if target.made is not None and all(c.held for c in conditions if _gates(c)):
            conditions.append(_act_result(target, prepared))
        if rule.dates is not None and target.bounds is not None:
            keywords_hold = all(c.held for c in conditions if _gates(c))
            undated = prepared.article.published is None
            reads_text = (rule.dates.mentioned or undated) and keywords_hold
            mentioned = prepared.mentioned() if reads_text else None
            years = prepared.years() if undated and keywords_hold and target.bounds.end is not None else None
            result = evaluate(rule.dates, target.bounds, prepared.article.published, mentioned, years)
            if rule.dates.mentioned and not keywords_hold and not result.held:
                result = ConditionResult(
                    "dates", False, result.detail + " (dates in the text are read only once keywords hold)"
                )
            conditions.append(result)
        return Explanation(
            rule_id=rule.id,
            commitment_id=target.commitment_id,
            linked=all(c.held for c in conditions if _gates(c)),
            score=score,
            min_score=rule.min_score,
            relation=rule.relation,
            conditions=tuple(conditions),
        )


#: A rule's verified hits by condition: (term, hit, the term's bit).
_Found = dict[str, list[tuple[Term, _Hit, int]]]


def _found(index: int, hits: list[_Hit]) -> _Found:
    """The hits of rule `index`, by condition, in the fields it reads."""
    found: _Found = {}
    for hit in hits:
        for slot in hit.slots(index):
            found.setdefault(slot.condition, []).append((slot.term, hit, slot.bit))
    return found


def _keywords_hold(compiled: _CompiledRule, found: _Found) -> bool:
    """Do the `all`, `anywhere`, `none` and score conditions hold, as `_explain` judges them?

    The same verdicts without quoting a hit or writing a detail: a rule that fails here
    cannot be linked (these conditions gate it), so `match` builds no explanation for it.
    """
    for condition, _group, _bits in compiled.groups:
        if condition == "none":
            if condition in found:
                return False
        elif condition.startswith(("all", "anywhere")):
            if condition not in found:
                return False
        elif condition.startswith("in_title") and not _in_title(found.get(condition, [])):
            return False
    points = _points(found.get("any", []) + found.get("phrases", []))
    return compiled.rule.weight * points >= compiled.rule.min_score


def _in_title(hits: list[tuple[Term, _Hit, int]]) -> bool:
    """Is one of these hits in the title (field 0)? For `in_title` gates."""
    return any(hit.field == 0 for _t, hit, _b in hits)


# ---------------------------------------------------------------- scope, the act's date, the source


#: Where a sentence ends in the normalised text: a field boundary, Chinese full stops, or
#: a Latin/Cyrillic stop after a word of three letters or more ("u.s." and "mr." do not end one).
_SENTENCE_END = re.compile(r"\x00|[。！？；]|(?<=[^\W\d_]{3}[.!?;])\s")


def _sentences(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    begin = 0
    for match in _SENTENCE_END.finditer(text):
        if match.end() > begin:
            spans.append((begin, match.end()))
        begin = match.end()
    if begin < len(text):
        spans.append((begin, len(text)))
    return spans


def _scope_result(
    compiled: _CompiledRule, found: dict[str, list[tuple[Term, _Hit, int]]], prepared: _Prepared
) -> ConditionResult:
    """Do the `all` groups and the score hold together, in one sentence or within N words?

    A country named in an aside ("…, as China and Russia have also done") then does not
    make a link: the actors, the act and the evidence terms must meet.
    """
    rule = compiled.rule
    text = prepared.text
    span = _scope_span(compiled, found, prepared)
    excluded = sorted({term.text for term, _hit, _bit in found.get("none_in_scope", [])})
    unless = f" without {', '.join(excluded)} (none_in_scope)" if excluded else ""
    if rule.scope == "sentence":
        if span is not None:
            quoted = text[span[0] : span[1]].strip(" \x00")
            return ConditionResult("scope", True, f"in one sentence: {_clip(quoted)}")
        return ConditionResult(
            "scope", False, "no single sentence holds a term of every group and the score" + unless
        )
    near = rule.near or 0
    if span is not None:
        return ConditionResult("scope", True, f"within {near} words: {_clip(text[span[0] : span[1]])}")
    return ConditionResult(
        "scope", False, f"no {near}-word stretch holds a term of every group and the score" + unless
    )


def _scope_span(
    compiled: _CompiledRule, found: dict[str, list[tuple[Term, _Hit, int]]], prepared: _Prepared
) -> tuple[int, int] | None:
    """The first sentence or N-word stretch where the scope holds, or None: the verdict of
    `_scope_result` without its words, so `match` can drop a rule before explaining it."""
    rule = compiled.rule
    groups = [name for name, _group, _bits in compiled.groups if name.startswith("all")]
    evidence = found.get("any", []) + found.get("phrases", [])
    excluded = [hit for _t, hit, _b in found.get("none_in_scope", [])]
    text = prepared.text

    def holds(start: int, end: int, reach: int | None = None) -> bool:
        # `none_in_scope` terms count from `reach`: a stretch that begins just after one
        # ("Совместное заявление | России и Китая о развитии…") still has it within N words.
        low = start if reach is None else reach
        if excluded and any(low <= hit.start and hit.end <= end for hit in excluded):
            return False
        for name in groups:
            if not any(start <= hit.start and hit.end <= end for _t, hit, _b in found.get(name, [])):
                return False
        # The article's score is checked as a whole; here one evidence term must meet them.
        return any(start <= f[1].start and f[1].end <= end and term_points(f[0]) for f in evidence)

    if rule.scope == "sentence":
        for start, end in _sentences(text):
            if holds(start, end):
                return start, end
        return None
    near = rule.near or 0
    spaces = prepared.word_starts()
    hits = sorted(
        {hit.start: hit for fs in found.values() for _t, hit, _b in fs}.values(), key=lambda h: h.start
    )
    for anchor in hits:
        first_word = bisect_right(spaces, anchor.start)
        last_word = first_word + near
        end = spaces[last_word] if last_word < len(spaces) else len(text)
        stop = text.find("。", anchor.start, end)  # a Chinese sentence ends the stretch
        if stop >= 0:
            end = stop + 1
        reach = None
        if excluded:
            reach = spaces[first_word - near - 1] if first_word - near - 1 >= 0 else 0
            reach = max(reach, text.rfind("。", 0, anchor.start) + 1)
        if holds(anchor.start, end, reach):
            return anchor.start, end
    return None


def _russian_form_of(word: str, written: str) -> bool:
    """A Russian word that starts with the term's word as written is one of its forms.

    Snowball's Russian stemmer reads some short nouns inconsistently ("обмен" → "обм",
    "обмене" → "обмен"); Russian inflects by endings, so the written form as a prefix
    settles those. Not for English, where "media" is a prefix of "mediation".
    """
    return word.startswith(written) and any("\u0400" <= c <= "\u04ff" for c in written)


def _clip(text: str, limit: int = 160) -> str:
    text = text.replace(SEPARATOR, " · ")  # a field boundary (title · summary)
    return text if len(text) <= limit else text[: limit - 1] + "…"


#: Days around a statement's date that are "the meeting that made it".
_MEETING_BEFORE = timedelta(days=1)
_MEETING_AFTER = timedelta(days=3)
#: A report published this soon after the meeting and naming its date is a report of it.
_MEETING_REPORT = timedelta(days=60)
#: Share of an article's word 4-grams found in the commitment's text above which the
#: article is the commitment's own text.
_OWN_TEXT_SHARE = 0.5


def _act_result(target: _Target, prepared: _Prepared) -> ConditionResult:
    """Is the act the article reports a follow-up: after the commitment, and not its meeting?

    The act's date is the publication date unless the text dates the act: when every
    date written in the text (with month and year) is before the commitment, the article
    is about an earlier act ("signed on 8 May 2015"), whenever it was published. An
    undated article is judged by the dates in its text, years included ("в 2015 году").
    """
    made = target.made
    assert made is not None
    own = _own_text_share(target, prepared)
    if own >= _OWN_TEXT_SHARE:
        return ConditionResult("act", False, f"{own:.0%} of the text is the commitment's own wording")
    # Without a statement date (only a window start) there is no meeting day to recognise.
    meeting = (made - _MEETING_BEFORE, made + _MEETING_AFTER) if target.meeting else (date.max, date.min)
    published = prepared.article.published.date() if prepared.article.published else None
    if published is not None:
        # A dated article: only its lede (title and first lines) dates the act; history
        # recalled further down ("since the 1937 …") is no statement about the act.
        # A date counts when its quoted words, year included, are in the lede, and only
        # a date up to the meeting's last day can change the verdict below (or its words):
        # a lede whose years all come later needs no date search at all.
        lede = prepared.lede()
        last_year = (made + _MEETING_AFTER).year
        needed = may_hold_year(lede) and any(year <= last_year for year in _years_in(lede))
        mentioned = prepared.mentioned() if needed else []
        written = [m for m in mentioned if m.day <= published and m.text in lede]
        # A lede that recalls an earlier decision also names the years it led to
        # ("2015年5月…商定把2016年和2017年定为中俄媒体交流年"): a year written in the lede
        # from the commitment's year up to publication says the act may be later.
        later_year = any(made.year <= year <= published.year for year, _q in mentioned_years(lede))
        if written and not later_year and max(m.day for m in written) < made:
            latest = max(written, key=lambda m: m.day)
            return ConditionResult(
                "act",
                False,
                f"the text dates the act {latest.day} ({latest.text}), before the commitment ({made})",
            )
        if published - made <= _MEETING_REPORT and any(meeting[0] <= m.day <= meeting[1] for m in written):
            return ConditionResult(
                "act",
                False,
                f"a report of the meeting that made the commitment ({made}), published {published}",
            )
        if meeting[0] <= published <= meeting[1]:
            return ConditionResult(
                "act", False, f"published {published}, during the meeting that made the commitment ({made})"
            )
        return ConditionResult("act", True, f"{published} (published), after the commitment ({made})")
    days = [(m.day, m.text) for m in prepared.mentioned()]
    days += [
        (date(year, 12, 31), quoted)
        for year, quoted in prepared.years()
        if year not in {d.year for d, _ in days}
    ]
    if not days:
        # No year anywhere: a day written as the statement's own day ("25 июня", "6月25日")
        # is the meeting itself (or its text), not a later act.
        for month, day, quoted in prepared.days_of_month() if target.meeting else ():
            try:
                written = date(made.year, month, day)
            except ValueError:
                continue
            if meeting[0] <= written <= meeting[1]:
                return ConditionResult(
                    "act",
                    False,
                    f"undated; the text names the day of the meeting that made the commitment "
                    f"({quoted!r}, {made})",
                )
        return ConditionResult("act", True, "no date: neither published nor written in the text")
    latest_day, quoted = max(days)
    if latest_day < made:
        return ConditionResult(
            "act",
            False,
            f"undated; the latest date in the text is {quoted!r}, before the commitment ({made})",
        )
    in_meeting = [d for d, _q in days if meeting[0] <= d <= meeting[1]]
    if in_meeting and latest_day <= meeting[1]:
        return ConditionResult(
            "act", False, f"undated; the text dates the meeting that made the commitment ({made})"
        )
    return ConditionResult(
        "act", True, f"undated; the text dates the act {latest_day} ({quoted}), after {made}"
    )


#: Every run of four ASCII digits, overlapping ("20221" holds 2022 and 0221).
_FOUR_DIGITS = re.compile(r"(?=([0-9]{4}))")


def _years_in(text: str) -> set[int]:
    """Every year a quoted date in `text` could carry: each four-digit run read as a number
    (a kept date quotes its year in ASCII digits, see `datecond.may_hold_year`)."""
    years = {int(match.group(1)) for match in _FOUR_DIGITS.finditer(text)}
    return {year for year in years if 1900 <= year <= 2100}


def _grams(text: str) -> set[int]:
    """Hashes of the word 4-grams of a normalised text (Chinese: character 4-grams)."""
    words = [w for w in re.split(r"[\W_]+", text) if w]
    tokens: list[str] = []
    for word in words:
        if has_cjk(word):
            tokens.extend(word)
        else:
            tokens.append(word)
    return {hash(tuple(tokens[i : i + 4])) for i in range(len(tokens) - 3)}


def _own_text_share(target: _Target, prepared: _Prepared) -> float:
    if not target.own_text:
        return 0.0
    grams = _grams(prepared.text)
    if len(grams) < 12:
        return 0.0
    return len(grams & target.own_text) / len(grams)


def _table_entry(key: _Key) -> tuple[int, bool, int, Any, tuple[str, str] | None]:
    """The hot loop's view of a key: (length, check start, gid or -1, check end or the
    forms, the first word's stem to check or None).

    A key that is one stemmed word is checked in the scan, in text scanned as it is:
    the word's stem, read once per distinct word (`_stem_holds`), so "with" no longer
    counts as "witness". Other stemmed forms are taken at their key, unverified: the scan
    may over-count them (a rule then reaches `_explain`, which checks each word's stem),
    never under-count.

    The words after the first of a stemmed phrase are checked, though, where that is one
    regular expression on text scanned as it is (`_forms_holding`): "new media" keyed
    on "new", "joint statement" on "joint", phrases on "the" or "china" otherwise count
    at every "new", "joint", "the" or "china", and their two points each passed most rules
    on most articles naming both parties, only for `_explain` to reject them.
    """
    [single] = key.variants if len(key.variants) == 1 else [None]
    if single is not None and (
        single.tail is None or len(single.stems) == 1 or single.tail.pattern == _WORD_REST
    ):
        return (
            key.length,
            key.check_start,
            single.gid,
            single.check_end and not single.stems,
            _first_stem(single, key),
        )
    forms = tuple(
        (
            v.gid,
            v.check_end and not v.stems,
            v if v.tail is not None and not v.stems else None,
            v.tail if len(v.stems) > 1 else None,
            _bytes_tail(v.tail) if len(v.stems) > 1 and v.tail is not None else None,
        )
        for v in key.variants
    )
    words = [form[3] for form in forms if form[3] is not None]
    as_bytes = [form[4] for form in forms if form[4] is not None]
    return (key.length, key.check_start, -1, _Forms(forms, _any_of(words), _any_of(as_bytes)), None)


class _Forms(NamedTuple):
    """A key's several forms, and one pattern for the words after any of them.

    Phrases often share their first word ("china" starts nineteen of the bundled
    rules' phrases): each hit of it used to try every phrase's words-after pattern in
    turn, one Python call each, about fifty an article. `any_words` (text scanned as it
    is) and `any_bytes` (as UTF-8 bytes) are the alternation of those patterns: it
    matches exactly when one of them does, so when it fails, as at most hits, all of
    those forms fail at once, in one call. None when fewer than two forms have one.
    """

    forms: tuple[tuple[int, bool, Any, _Tail | None, _Tail | None], ...]
    any_words: _Tail | None
    any_bytes: _Tail | None


def _any_of(tails: Sequence[_Tail]) -> _Tail | None:
    if len(tails) < 2:
        return None
    return _Tail("|".join(f"(?:{tail.pattern})" for tail in tails))


def _first_stem(variant: _Variant, key: _Key) -> tuple[str, str] | None:
    """(stem, word as written) when the scan can check the stem of the key's word.

    Only a key that is one whole stemmed word: the word in the text then starts at the
    hit and runs to the end of the word, exactly what `_Variant.stop` reads as its first
    word. Most over-counting came from such keys ("wit" of "witness" at every "with",
    "rat" of "ratify" at every "rate"): each such hit passed rules on to `_hits`, which
    then rejected nine in ten of them.
    """
    if not variant.stems or not variant.stems[0] or variant.key_chars != key.length:
        return None
    if not variant.words or " " in variant.words[0]:
        return None
    return variant.stems[0], variant.words[0]


#: The rest of a word after a hit, in text scanned as it is (`_Variant.stop` reads the same).
_WORD_RUN = re.compile(_WORD_REST)
#: (stem, written, word in the text) → does the word have that stem? Words repeat a lot.
_stem_verdicts: dict[tuple[str, str, str], bool] = {}


def _stem_holds(first: tuple[str, str], text: str, start: int, end: int) -> bool:
    """Does the word starting at `start` (its key ending at `end`) have the term's stem?"""
    stop = _WORD_RUN.match(text, end + 1).end()  # type: ignore[union-attr]  # matches ""
    word = text[start:stop]
    wanted, written = first
    verdict = _stem_verdicts.get((wanted, written, word))
    if verdict is None:
        verdict = stem(word) == wanted or _russian_form_of(word, written)
        if len(_stem_verdicts) < 200_000:
            _stem_verdicts[(wanted, written, word)] = verdict
    return verdict


def _forms_holding(forms: _Forms, text: str, haystack: str, end: int) -> tuple[int, ...]:
    """The gids of a key's several forms (or tailed form) that hold at `end`."""
    size = len(haystack)
    held: list[int] = []
    plain = haystack is text
    gate = forms.any_words if plain else forms.any_bytes
    no_words = gate is not None and gate.match(haystack, end + 1) is None  # none can follow
    for gid, check_end, tailed, words_after, bytes_after in forms.forms:
        if tailed is not None:
            if not _tail_holds(tailed, text, haystack, end):
                continue
        elif words_after is not None:
            # The stems are left to `_explain`; the words must follow (`_Variant.stop`'s
            # first test), in a text scanned as UTF-8 bytes by the bytes' pattern.
            if plain:
                if no_words or words_after.match(text, end + 1) is None:
                    continue
            elif bytes_after is not None and (no_words or bytes_after.match(haystack, end + 1) is None):
                continue
        elif check_end and end + 1 < size:
            char = haystack[end + 1]
            after = _word_after if haystack is not text else _char_after
            if char.isalnum() if char < "\x80" else after(haystack, end + 1):
                continue
        held.append(gid)
    return tuple(held)


#: The rest of a word in a text scanned as UTF-8 bytes: ASCII letters and digits, and any
#: byte of a multi-byte character. It takes in more than a word (a curly quote, Chinese),
#: never less, so a phrase it rejects cannot hold in the decoded text either.
_BYTE_WORD_REST = "[0-9A-Za-z\x80-\xff]*"


class _Tail:
    """A regular expression compiled at its first match, and pickled as its source.

    A matcher holds some 1,600 of them (the words after a phrase's key, and their bytes
    forms). Compiling them all when the matcher is built, and again when a parse worker
    unpickles it (a compiled pattern pickles as its source), cost 0.1 s per worker: a
    worker is renewed every few hundred feeds. Most are never needed by a given worker.
    Two threads may both compile one; the results are the same.
    """

    __slots__ = ("_compiled", "pattern")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self._compiled: re.Pattern[str] | None = None

    def match(self, text: str, position: int) -> re.Match[str] | None:
        if self._compiled is None:
            self._compiled = re.compile(self.pattern)
        return self._compiled.match(text, position)

    def __getstate__(self) -> str:
        return self.pattern

    def __setstate__(self, pattern: str) -> None:
        self.pattern = pattern
        self._compiled = None


def _bytes_tail(tail: _Tail) -> _Tail:
    """A stemmed phrase's words-after pattern for text scanned as UTF-8 bytes.

    The pattern is the phrase's later words (escaped, normalised) each followed by
    `_WORD_REST`; as bytes, the words are their UTF-8 bytes read as Latin-1 (escaping
    touches only ASCII, so it survives), and the rest of a word is `_BYTE_WORD_REST`.
    Every match in the decoded text is a match in the bytes: a filter that never
    rejects what `_Variant.stop` would accept.
    """
    as_bytes = tail.pattern.encode("utf-8").decode("latin-1")  # _WORD_REST is ASCII: kept
    return _Tail(as_bytes.replace(_WORD_REST, _BYTE_WORD_REST))


def _tail_holds(variant: _Variant, text: str, haystack: str, end: int) -> bool:
    """Check the rest of a "виртуальн* реальност*" term on the decoded text (rare)."""
    last = end if haystack is text else len(haystack[: end + 1].encode("latin-1").decode("utf-8")) - 1
    return variant.stop(text, last) >= 0


def _in_fields(found: list[set[int]], field_mask: int) -> set[int]:
    return set().union(*(found[i] for i in range(len(FIELDS)) if field_mask >> i & 1))


def _field_index(position: int, summary_at: int, content_at: int) -> int:
    return 0 if position < summary_at else (1 if position < content_at else 2)


def _gates(result: ConditionResult) -> bool:
    """`any` and `phrases` only feed the score; every other condition must hold."""
    return result.condition not in ("any", "phrases", "none_in_scope")


def _group_result(
    condition: str, group: TermGroup, found: list[tuple[Term, _Hit, int]], prepared: _Prepared
) -> ConditionResult:
    hits = tuple(prepared.term_hit(term, hit) for term, hit, _bit in found)
    terms = sorted({h.term for h in hits})
    if condition == "none":
        if hits:
            return ConditionResult("none", False, f"excluded by: {', '.join(terms)}", hits)
        return ConditionResult("none", True, f"none of: {group.label()}")
    if condition == "none_in_scope":
        # Not a gate: the scope is looked for only where none of these terms are.
        if hits:
            return ConditionResult(
                condition, True, f"found {', '.join(terms)}: the scope must hold where they are not", hits
            )
        return ConditionResult(condition, True, f"none of: {group.label()} (in the scope)")
    if condition.startswith("in_title"):
        label = f"needs one of: {group.label()} (in the title)"
        titled = tuple(h for h, (_t, hit, _b) in zip(hits, found, strict=True) if hit.field == 0)
        if titled:
            return ConditionResult(
                condition, True, f"{label} — found {', '.join(sorted({h.term for h in titled}))}", titled
            )
        return ConditionResult(condition, False, f"{label} — none found" + (" there" if hits else ""), hits)
    if condition.startswith(("all", "anywhere")):
        label = f"needs one of: {group.label()}" + (
            " (anywhere in the article)" if condition.startswith("anywhere") else ""
        )
        if hits:
            return ConditionResult(condition, True, f"{label} — found {', '.join(terms)}", hits)
        return ConditionResult(condition, False, f"{label} — none found")
    each = "2 points" if condition == "phrases" else "1 point"
    if hits:
        return ConditionResult(condition, True, f"found {', '.join(terms)} ({each} each)", hits)
    return ConditionResult(condition, False, f"none of: {group.label()}")


def _points(found: Iterable[tuple[Term, _Hit, int]]) -> int:
    """Each distinct evidence term once, at its points; overlapping matches count once.

    "personal data protection" holds both "personal data" and "data protection", but it
    is one mention: hits are taken best first (points, then length) and a hit that
    overlaps one already taken adds nothing. The hot path counts every bit it saw, so
    it can only overestimate: it never rejects what this function would accept.
    """
    ranked = sorted(found, key=lambda f: (-term_points(f[0]), -(f[1].end - f[1].start), f[1].start))
    taken: list[tuple[int, int]] = []
    by_bit: dict[int, int] = {}
    for term, hit, bit in ranked:
        if any(hit.start < end and start < hit.end for start, end in taken):
            continue
        taken.append((hit.start, hit.end))
        by_bit[bit] = max(by_bit.get(bit, 0), term_points(term))
    return sum(by_bit.values())


# ---------------------------------------------------------------- compiling


def compile_rules(rules: Iterable[Rule], statements: Sequence[Statement]) -> Matcher:
    """One Matcher for all rules. Rules must come from `load_rules` (validated)."""
    commitments = commitment_index(list(statements))
    by_statement = {s.id: s for s in statements}
    table = _SlotTable()
    compiled = [
        _compile_rule(index, rule, commitments, by_statement, table) for index, rule in enumerate(rules)
    ]
    keys: list[_Key] = []
    automaton = ahocorasick.Automaton()
    _prime(automaton)
    for norm, variants in table.slots.items():
        forms = tuple(
            _Variant(
                check_end,
                _Tail(tail) if tail else None,
                tuple(slots),
                gid=table.gids[(norm, (check_end, tail, prefix, stems))],
                extend=prefix,
                by_rule=_slots_by_rule(slots),
                rules=frozenset(slot.rule for slot in slots),
                stems=stems,
                key_chars=len(norm),
                words=tuple(table.words.get((norm, (check_end, tail, prefix, stems)), ())),
            )
            for (check_end, tail, prefix, stems), slots in variants.items()
        )
        for key in _key_forms(norm):
            automaton.add_word(key, len(keys))
            keys.append(_Key(length=len(key), check_start=is_word_char(norm[0]), variants=forms))
    if keys:
        automaton.make_automaton()
    return Matcher(compiled, keys, automaton, _fingerprint(compiled), _evidence_by_form(table))


_OWN_GRAMS: dict[str, frozenset[int]] = {}


def _own_grams(commitment: Commitment) -> frozenset[int]:
    """The commitment's text in every language, as 4-gram hashes (computed once per id)."""
    known = _OWN_GRAMS.get(commitment.id)
    if known is None:
        text = " ".join(normalise(v) for v in commitment.text.values()) if commitment.text else ""
        known = _OWN_GRAMS[commitment.id] = frozenset(_grams(text))
    return known


def _slots_by_rule(slots: Iterable[_Slot]) -> dict[int, tuple[_Slot, ...]]:
    grouped: dict[int, list[_Slot]] = {}
    for slot in slots:
        grouped.setdefault(slot.rule, []).append(slot)
    return {rule: tuple(group) for rule, group in grouped.items()}


def _evidence_by_form(table: _SlotTable) -> tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]:
    """Per gid: the rules for which the form is evidence worth 1 point, and 2 points."""
    out: list[tuple[tuple[int, ...], tuple[int, ...]]] = [((), ())] * len(table.gids)
    for (norm, form), gid in table.gids.items():
        ones: dict[int, None] = {}
        twos: dict[int, None] = {}
        for slot in table.slots[norm][form]:
            if slot.condition in _EVIDENCE:
                points = term_points(slot.term)
                if points == 2:
                    twos[slot.rule] = None
                elif points == 1:
                    ones[slot.rule] = None
        out[gid] = (tuple(ones), tuple(twos))
    return tuple(out)


_EVIDENCE = ("any", "phrases")
_VariantKey = tuple[bool, str | None, bool, tuple[str, ...]]  # check_end, tail pattern, prefix, stems


class _SlotTable:
    """Slots by automaton key and term form, each form with a stable id (its gid)."""

    def __init__(self) -> None:
        self.slots: dict[str, dict[_VariantKey, list[_Slot]]] = {}
        self.gids: dict[tuple[str, _VariantKey], int] = {}
        self.words: dict[tuple[str, _VariantKey], tuple[str, ...]] = {}

    def add(self, term: Term, slot: _Slot) -> int:
        key, tail = _key_and_tail(term)
        form = (not term.prefix and is_word_char(term.norm[-1]), tail, term.prefix, term.stems)
        self.slots.setdefault(key, {}).setdefault(form, []).append(slot)
        if term.stems:
            self.words.setdefault((key, form), tuple(term.norm.split(" ")))
        return self.gids.setdefault((key, form), len(self.gids))


def _compile_rule(
    index: int,
    rule: Rule,
    commitments: dict[str, Commitment],
    statements: dict[str, Statement],
    table: _SlotTable,
) -> _CompiledRule:
    field_mask = 0
    for name in rule.fields:
        field_mask |= _FIELD_BITS[name]
    field_mask = field_mask or _ALL_FIELDS
    next_bit = 0
    groups: list[tuple[str, TermGroup, int]] = []
    all_sets: list[frozenset[int]] = []
    none_set: frozenset[int] = frozenset()
    one_point = two_points = 0
    evidence_bits: dict[str, int] = {}  # concept → bit, shared by `any` and `phrases`
    evidence: dict[int, int] = {}  # term form (gid) → bit
    named = [(f"all[{i}]", g) for i, g in enumerate(rule.all)]
    named += [(f"anywhere[{i}]", g) for i, g in enumerate(rule.anywhere)]
    named += [(f"in_title[{i}]", g) for i, g in enumerate(rule.in_title)]
    named += [
        (name, g)
        for name, g in (
            ("any", rule.any),
            ("phrases", rule.phrases),
            ("none", rule.none),
            ("none_in_scope", rule.none_in_scope),
        )
        if g
    ]
    for condition, group in named:
        group_mask = 0
        forms: set[int] = set()
        forms_order: list[int] = []
        for term in group.terms:
            if condition in _EVIDENCE:
                concept = concept_key(term)
                if concept not in evidence_bits:
                    evidence_bits[concept] = 1 << next_bit
                    next_bit += 1
                bit = evidence_bits[concept]
                points = term_points(term)
                if points == 2:
                    two_points |= bit
                    one_point &= ~bit
                elif points == 1 and not bit & two_points:
                    one_point |= bit
            else:
                bit = 1 << next_bit
                next_bit += 1
            group_mask |= bit
            gid = table.add(term, _Slot(index, bit, field_mask, condition, term))
            forms.add(gid)
            forms_order.append(gid)
            if condition in _EVIDENCE and term_points(term):
                evidence[gid] = evidence.get(gid, 0) | bit
        groups.append((condition, group, group_mask))
        if condition.startswith(("all", "anywhere", "in_title")):
            # For `in_title` the count is over every field (the scan keeps fields apart only
            # when some rule reads fewer); `_keywords_hold` then asks for a hit in the title.
            all_sets.append(frozenset(forms))
        elif condition == "none":
            none_set = frozenset(
                gid for gid, term in zip(forms_order, group.terms, strict=True) if not term.stems
            )
    targets = []
    for cid in rule.targets:
        commitment = commitments.get(cid)
        bounds = None
        made: date | None = None
        own: frozenset[int] = frozenset()
        meeting = False
        if commitment is not None:
            statement = statements.get(commitment.statement_id)
            if rule.dates is not None:
                bounds = resolve_bounds(rule.dates, commitment, statement)
            made = anchor_of(commitment, statement)[0]
            own = _own_grams(commitment)
            meeting = statement is not None and statement.date is not None and made == statement.date
        targets.append(_Target(cid, bounds, made, own, meeting))
    return _CompiledRule(
        index=index,
        rule=rule,
        field_mask=field_mask,
        groups=tuple(groups),
        all_sets=tuple(all_sets),
        none_set=none_set,
        evidence=evidence,
        one_point=one_point,
        two_points=two_points,
        targets=tuple(targets),
    )


def _key_and_tail(term: Term) -> tuple[str, str | None]:
    """The automaton key of a term, and for "виртуальн* реальност*" the pattern of the rest
    (see `_key_and_tail_of`)."""
    return _key_and_tail_of(term.norm, term.stems)


@lru_cache(maxsize=16_384)
def _key_and_tail_of(norm: str, stems: tuple[str, ...]) -> tuple[str, str | None]:
    """The automaton key of a normalised term, and for "виртуальн* реальност*" the pattern
    of the rest. Cached: shared term sets give the same term to many rules.

    The words up to the first open-ended one go into the automaton; a word ending in * continues with any
    letters or digits; words are separated by one space (the text is normalised). A
    stemmed word is looked for by what all its forms start with (`stems.key_of`) and
    continues with any letters; `_Variant.stop` then checks each word's stem.
    """
    if stems:
        words = norm.split(" ")
        keys = [key_of(w) if wanted else w.rstrip("*") for w, wanted in zip(words, stems, strict=True)]
        open_ended = [bool(wanted) or w.endswith("*") for w, wanted in zip(words, stems, strict=True)]
        # The key runs on while the text is literal: "e commerc" for "e-commerce", not "e",
        # "the present" for "the present agreement", not "the". A first word alone would
        # be a hit at every "e" or "the" of a text, each checked and dropped in Python.
        last = 0
        while not open_ended[last] and last + 1 < len(keys):
            last += 1
        pattern = _WORD_REST if open_ended[last] else ""
        for key, more in zip(keys[last + 1 :], open_ended[last + 1 :], strict=True):
            pattern += " " + re.escape(key) + (_WORD_REST if more else "")
        return " ".join(keys[: last + 1]), pattern
    if "*" not in norm:
        return norm, None
    first, *rest = norm.split(" ")
    pattern = _WORD_REST if first.endswith("*") else ""
    for word in rest:
        pattern += " " + re.escape(word.rstrip("*")) + (_WORD_REST if word.endswith("*") else "")
    return first.rstrip("*"), pattern


def _fingerprint(compiled: Sequence[_CompiledRule]) -> str:
    """Changes whenever what the rules would link could change (not with comments or lines)."""

    def group(g: TermGroup | None) -> list[tuple[str, bool, bool]] | None:
        return None if g is None else sorted((t.norm, t.prefix, t.phrase) for t in g.terms)

    payload = []
    for c in compiled:
        rule = c.rule
        dates = rule.dates
        payload.append(
            {
                "id": rule.id,
                "fields": rule.fields,
                "all": [group(g) for g in rule.all],
                "anywhere": [group(g) for g in rule.anywhere],
                "in_title": [group(g) for g in rule.in_title],
                "scope": [rule.scope, rule.near],
                "any": group(rule.any),
                "phrases": group(rule.phrases),
                "none": group(rule.none),
                "none_in_scope": group(rule.none_in_scope),
                "dates": None
                if dates is None
                else [dates.window, str(dates.after), str(dates.before), str(dates.within), dates.mentioned],
                "weight": rule.weight,
                "relation": rule.relation,
                "min_score": rule.min_score,
                "targets": [
                    [t.commitment_id, str(t.bounds.start), str(t.bounds.end)]
                    if t.bounds
                    else [t.commitment_id]
                    for t in c.targets
                ],
            }
        )
    blob = json.dumps(
        {"version": MATCHER_VERSION, "rules": sorted(payload, key=lambda p: p["id"])}, sort_keys=True
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
