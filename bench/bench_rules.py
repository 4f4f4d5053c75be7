"""Benchmark: the one-automaton matcher against one compiled regular expression per rule.

Generated data, shaped like the bundled rules and like feed entries:

- 100,000 articles of a title and a summary (about 50 words, 320 characters: real feed
  entries in ../shared/corpus have a median of 170-260), 70 % in Latin script, 20 %
  Cyrillic (with inflected endings), 10 % Chinese (no spaces); words are built from a few
  thousand syllables, as natural languages are; mostly common words, some topic terms,
  party names and noise words, picked with a Zipf-like skew; 2 % of the Latin articles
  carry the parties and two profile terms of one of the first 100 rules, so every rule
  count links some articles and the explanation path is timed too;
- rules of the same shape as rules/*.yaml: two party groups (`all`, each in three
  scripts, a prefix for Cyrillic), five profile terms (`any`: Latin words, a Cyrillic
  prefix, a Chinese word), two phrases, two `none` words, min_score 2; profile terms
  are picked with a mild skew (a popular term is shared by a few dozen of 10,000 rules).
  The rule sets are nested: the 100 rules are the first of the 1,000, and so on.

The matcher runs over all 100,000 articles for each rule count: best of REPEATS passes,
interleaved across rule counts so that a slow spell of a shared machine hits all alike,
with the process pinned to one CPU where the OS allows. The column "aho µs" is the
automaton pass alone (pyahocorasick over the normalised text, no Python work per hit):
the floor under the matcher's time. The baseline (one `re` pattern per rule holding
all its terms, with the same boundaries, conditions and scores, run on text normalised
beforehand, which favours it) is timed on a sample and extrapolated, because at 10,000
rules it would take hours; on that sample both must link the same (article, rule)
pairs ("agree").
"""

from __future__ import annotations

import gc
import os
import random
import re
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from tracker.rules import Matcher, compile_rules
from tracker.rules.automaton import haystack_of
from tracker.rules.model import make_term, term_points
from tracker.rules.textprep import SEPARATOR, normalise
from tracker.types import Article, Rule, Term, TermGroup

ARTICLES = 100_000
RULE_COUNTS = (100, 1_000, 10_000)
#: Articles timed for the per-rule baseline, by rule count (extrapolated to ARTICLES).
BASELINE_SAMPLE = {100: 1_000, 1_000: 150, 10_000: 15}
SEED = 2022
#: Share of articles written to be relevant to one of the first 100 rules (so that every
#: rule count links some articles and the explanation path is timed too).
RELEVANT = 0.02
#: Passes over the articles per rule count; the best is reported (`timeit` practice: noise
#: on a shared machine only ever adds time).
REPEATS = 3

# Syllables of onset + vowel + coda: a few thousand, as in natural languages, so that
# words share prefixes about as often as real words do (80 bare CV syllables would make
# every word a prefix of some term, a worst case no language has).
_LATIN_ONSETS = "b c d f g h j k l m n p r s t v w z br cr dr fr gr pr tr st sp sk sl pl bl cl fl gl sh ch th"
_CYRILLIC_ONSETS = "б в г д ж з к л м н п р с т ф х ц ч ш бр вр гр др кр пр тр ст ск сл пл бл"
_LATIN_SYLLABLES = [
    o + v + c
    for o in _LATIN_ONSETS.split(" ")
    for v in ("a", "e", "i", "o", "u", "ai", "ea", "ou", "io", "y")
    for c in ("", "n", "r", "s", "l", "t", "m", "nd", "st", "ng", "ck", "x")
]
_CYRILLIC_SYLLABLES = [
    o + v + c
    for o in _CYRILLIC_ONSETS.split(" ")
    for v in ("а", "е", "и", "о", "у", "ы", "я", "ю", "э")
    for c in ("", "н", "р", "с", "л", "т", "м", "к", "ст", "нт")
]
_CYRILLIC_ENDINGS = ("", "а", "ы", "ой", "ому", "ами", "ских", "ская")
_CJK = [chr(code) for code in range(0x4E00, 0x4E00 + 3000)]


@dataclass(frozen=True)
class Pools:
    filler_latin: list[str]
    filler_cyrillic: list[str]
    filler_cjk: list[str]
    topic_latin: list[str]
    topic_cyrillic: list[str]  # stems: used as `stem*` in rules, with endings in text
    topic_cjk: list[str]
    actors: list[tuple[str, str, str]]  # (latin, cyrillic stem, chinese)
    noise: list[str]


def make_pools(rng: random.Random) -> Pools:
    seen: set[str] = set()

    def words(syllables: list[str], count: int, low: int, high: int) -> list[str]:
        out: list[str] = []
        while len(out) < count:
            word = "".join(rng.choice(syllables) for _ in range(rng.randint(low, high)))
            if word not in seen:
                seen.add(word)
                out.append(word)
        return out

    def cjk_words(count: int, length: int) -> list[str]:
        out: list[str] = []
        while len(out) < count:
            word = "".join(rng.choice(_CJK) for _ in range(length))
            if word not in seen:
                seen.add(word)
                out.append(word)
        return out

    actors_latin = words(_LATIN_SYLLABLES, 40, 2, 2)
    actors_cyrillic = words(_CYRILLIC_SYLLABLES, 40, 2, 2)
    actors_cjk = cjk_words(40, 2)
    return Pools(
        filler_latin=words(_LATIN_SYLLABLES, 6_000, 1, 2),
        filler_cyrillic=words(_CYRILLIC_SYLLABLES, 3_000, 1, 2),
        filler_cjk=cjk_words(2_000, 2),
        topic_latin=words(_LATIN_SYLLABLES, 20_000, 2, 3),
        topic_cyrillic=words(_CYRILLIC_SYLLABLES, 6_000, 2, 3),
        topic_cjk=cjk_words(4_000, 3),
        actors=list(zip(actors_latin, actors_cyrillic, actors_cjk, strict=True)),
        noise=words(_LATIN_SYLLABLES, 200, 2, 3),
    )


def _skewed(rng: random.Random, pool: Sequence[str], power: float = 3.0) -> str:
    """A skewed pick: low indexes far more often than high ones (power 3: Zipf-like)."""
    return pool[int(len(pool) * rng.random() ** power)]


#: Rule authors pick specific terms: a mild preference for common topic words, so that
#: at 10,000 rules a popular term is shared by a few dozen rules (articles use power 3).
RULE_TERM_SKEW = 1.5


def make_articles(rng: random.Random, pools: Pools, count: int, relevant: Sequence[Rule]) -> list[Article]:
    """Random articles; RELEVANT of them carry a party pair and two terms of one of `relevant`."""
    now = datetime(2022, 6, 1, tzinfo=UTC)
    articles: list[Article] = []
    for number in range(count):
        script = rng.random()
        kind = "latin" if script < 0.7 else ("cyrillic" if script < 0.9 else "cjk")
        title = _sentence(rng, pools, kind, rng.randint(8, 13))
        summary = _sentence(rng, pools, kind, rng.randint(28, 42))
        if kind == "latin" and rng.random() < RELEVANT:
            summary += " " + _about(rng, rng.choice(relevant))
        articles.append(Article(number, f"g{number}", None, None, title, summary, "", None, now, now))
    return articles


def _about(rng: random.Random, rule: Rule) -> str:
    """A sentence that names the rule's parties and two of its English profile terms."""
    parties = [next(t.text for t in group.terms if t.lang == "en") for group in rule.all]
    assert rule.any is not None
    terms = rng.sample([t.text for t in rule.any.terms if t.lang == "en"], 2)
    return " ".join([*parties, *terms]) + "."


def _sentence(rng: random.Random, pools: Pools, kind: str, length: int) -> str:
    tokens: list[str] = []
    for _ in range(length):
        roll = rng.random()
        if roll < 0.86:
            pool = {"latin": pools.filler_latin, "cyrillic": pools.filler_cyrillic, "cjk": pools.filler_cjk}[
                kind
            ]
            tokens.append(_skewed(rng, pool))
        elif roll < 0.95:
            if kind == "latin":
                tokens.append(_skewed(rng, pools.topic_latin))
            elif kind == "cyrillic":
                tokens.append(_skewed(rng, pools.topic_cyrillic) + rng.choice(_CYRILLIC_ENDINGS))
            else:
                tokens.append(_skewed(rng, pools.topic_cjk))
        elif roll < 0.99:
            latin, cyrillic, cjk = rng.choice(pools.actors)
            tokens.append(
                {"latin": latin, "cyrillic": cyrillic + rng.choice(_CYRILLIC_ENDINGS), "cjk": cjk}[kind]
            )
        else:
            tokens.append(rng.choice(pools.noise))
    if kind == "cjk":
        return "".join(tokens) + "。"
    return (" ".join(tokens) + ".").capitalize()


def make_rules(rng: random.Random, pools: Pools, count: int) -> list[Rule]:
    rules: list[Rule] = []
    for number in range(count):
        gates = tuple(
            TermGroup((make_term(latin, "en"), make_term(cyrillic + "*", "ru"), make_term(cjk, "zh")))
            for latin, cyrillic, cjk in rng.sample(pools.actors, 2)
        )
        skew = RULE_TERM_SKEW
        any_words = [_skewed(rng, pools.topic_latin, skew) for _ in range(3)]
        phrase_words = [
            w for w in (_skewed(rng, pools.topic_latin, skew) for _ in range(4)) if w not in any_words
        ]
        terms = [make_term(w, "en") for w in dict.fromkeys(any_words)]
        terms.append(make_term(_skewed(rng, pools.topic_cyrillic, skew) + "*", "ru"))
        terms.append(make_term(_skewed(rng, pools.topic_cjk, skew), "zh"))
        phrases = [make_term(" ".join(phrase_words[:2]), "en", phrase=True)] if len(phrase_words) >= 2 else []
        cjk_phrase = _skewed(rng, pools.topic_cjk, skew) + _skewed(rng, pools.topic_cjk, skew)
        phrases.append(make_term(cjk_phrase, "zh", phrase=True))
        rules.append(
            Rule(
                id=f"bench-{number}",
                targets=(f"bench/{number}",),
                all=gates,
                any=TermGroup(tuple(terms)),
                phrases=TermGroup(tuple(phrases)),
                none=TermGroup(tuple(make_term(w) for w in rng.sample(pools.noise, 2))),
            )
        )
    return rules


# ---------------------------------------------------------------- the baseline: one regex per rule


@dataclass(frozen=True)
class RegexRule:
    rule_id: str
    pattern: re.Pattern[str]
    roles: tuple[tuple[str, Term], ...]  # per capture group: (condition, term)
    all_groups: int
    min_score: float


def _piece(term: Term) -> str:
    """A term as a capture group: word-bounded (\\b), a prefix taking the rest of the word."""
    body = r"\w* ".join(re.escape(w.rstrip("*")) for w in term.norm.split(" "))
    return f"({body}\\w*)" if term.prefix else f"({body})(?!\\w)"


def compile_baseline(rules: Sequence[Rule]) -> list[RegexRule]:
    """One pattern per rule: `\\b(?:word terms)|(?:Chinese terms)`, longest terms first."""
    compiled: list[RegexRule] = []
    for rule in rules:
        roles: list[tuple[str, Term]] = [(f"all[{i}]", t) for i, g in enumerate(rule.all) for t in g.terms]
        for name, group in (("any", rule.any), ("phrases", rule.phrases), ("none", rule.none)):
            roles.extend((name, t) for t in (group.terms if group else ()))
        words = sorted((r for r in roles if not r[1].cjk), key=lambda r: -len(r[1].norm))
        chinese = sorted((r for r in roles if r[1].cjk), key=lambda r: -len(r[1].norm))
        pattern = r"\b(?:" + "|".join(_piece(t) for _, t in words) + ")"
        if chinese:
            pattern += "|" + "|".join(f"({re.escape(t.norm)})" for _, t in chinese)
        ordered = tuple(words + chinese)
        compiled.append(RegexRule(rule.id, re.compile(pattern), ordered, len(rule.all), rule.min_score))
    return compiled


def baseline_links(rules: Sequence[RegexRule], text: str) -> set[str]:
    """The same conditions and score as the matcher, evaluated from each rule's own regex."""
    linked: set[str] = set()
    for rule in rules:
        found: dict[str, set[str]] = {}
        for match in rule.pattern.finditer(text):
            condition, term = rule.roles[(match.lastindex or 1) - 1]
            found.setdefault(condition, set()).add(term.norm)
        if not found or "none" in found:
            continue
        if sum(1 for c in found if c.startswith("all[")) < rule.all_groups:
            continue
        points = sum(
            term_points(t) for c, t in rule.roles if c in ("any", "phrases") and t.norm in found.get(c, ())
        )
        if points >= rule.min_score:
            linked.add(rule.rule_id)
    return linked


# ---------------------------------------------------------------- running


@contextmanager
def _one_cpu() -> Iterator[str]:
    """Pin the process to one CPU for the run, then give the others back."""
    if not hasattr(os, "sched_setaffinity"):
        yield "not pinned (no sched_setaffinity on this OS)"
        return
    before = os.sched_getaffinity(0)
    cpu = max(before)  # CPU 0 usually takes the interrupts
    os.sched_setaffinity(0, {cpu})
    try:
        yield f"pinned to CPU {cpu}"
    finally:
        os.sched_setaffinity(0, before)


def _time_matcher(matcher: Matcher, articles: Sequence[Article]) -> tuple[float, int]:
    """One pass over all articles, garbage collection paused; (seconds, links)."""
    match = matcher.match
    for article in articles[:1_000]:  # warm up caches
        match(article)
    gc.collect()
    gc.disable()
    try:
        started = time.perf_counter()
        links = 0
        for article in articles:
            links += len(match(article))
        return time.perf_counter() - started, links
    finally:
        gc.enable()


def _time_automaton(matcher: Matcher, haystacks: Sequence[str]) -> float:
    """The automaton pass alone over every article: the floor under the matcher."""
    raw_hits = matcher.raw_hits
    gc.disable()
    try:
        started = time.perf_counter()
        for haystack in haystacks:
            raw_hits(haystack)
        return time.perf_counter() - started
    finally:
        gc.enable()


def _time_baseline(
    baseline: Sequence[RegexRule], articles: Sequence[Article]
) -> tuple[float, list[set[str]]]:
    # Normalising is shared work: done before the clock starts, which favours the baseline.
    texts = [normalise(SEPARATOR.join((a.title, a.summary, a.content))) for a in articles]
    started = time.perf_counter()
    found = [baseline_links(baseline, text) for text in texts]
    return time.perf_counter() - started, found


_WIDTHS = (7, 7, 9, 14, 7, 7, 6, 15, 7, 9, 6)


def _row(*cells: str) -> str:
    return " ".join(cell.rjust(width) for cell, width in zip(cells, _WIDTHS, strict=True))


def main() -> None:
    with _one_cpu() as pinned:
        _run(pinned)


def _run(pinned: str) -> None:
    started = time.perf_counter()
    rng = random.Random(SEED)
    pools = make_pools(rng)
    # Nested rule sets: the 100 rules are the first of the 1,000, which are the first of the 10,000.
    all_rules = make_rules(random.Random(SEED + 1), pools, max(RULE_COUNTS))
    articles = make_articles(rng, pools, ARTICLES, all_rules[: min(RULE_COUNTS)])
    chars = sum(len(a.title) + len(a.summary) for a in articles) / len(articles)
    print(f"bench_rules: {ARTICLES:,} generated articles (mean {chars:.0f} characters, en/ru/zh),", end=" ")
    print(f"one process, {pinned}; matcher: best of {REPEATS} interleaved passes")
    matchers: dict[int, Matcher] = {}
    compile_seconds: dict[int, float] = {}
    for count in RULE_COUNTS:
        t0 = time.perf_counter()
        matchers[count] = compile_rules(all_rules[:count], [])
        compile_seconds[count] = time.perf_counter() - t0
    # Interleaved, so that a slow spell of a shared machine hits every rule count alike.
    best: dict[int, float] = dict.fromkeys(RULE_COUNTS, float("inf"))
    links: dict[int, int] = {}
    floor: dict[int, float] = dict.fromkeys(RULE_COUNTS, float("inf"))
    haystacks = [haystack_of(a) for a in articles]
    for _ in range(REPEATS):
        for count in RULE_COUNTS:
            seconds, links[count] = _time_matcher(matchers[count], articles)
            best[count] = min(best[count], seconds)
            floor[count] = min(floor[count], _time_automaton(matchers[count], haystacks))
    print(
        _row(
            "rules",
            "terms",
            "compile s",
            "matcher art/s",
            "µs/art",
            "aho µs",
            "links",
            "baseline art/s",
            "sample",
            "speed-up",
            "agree",
        )
    )
    rates: dict[int, float] = {}
    speedups: dict[int, float] = {}
    for count in RULE_COUNTS:
        matcher = matchers[count]
        rates[count] = ARTICLES / best[count]
        sample = articles[: BASELINE_SAMPLE[count]]
        base_seconds, base_found = _time_baseline(compile_baseline(all_rules[:count]), sample)
        base_rate = len(sample) / base_seconds
        speedups[count] = rates[count] / base_rate
        agree = sum(
            {r.rule_id for r in matcher.match(a)} == found
            for a, found in zip(sample, base_found, strict=True)
        )
        cells = (
            f"{count:,}",
            f"{matcher.term_count:,}",
            f"{compile_seconds[count]:.2f}",
            f"{rates[count]:,.0f}",
            f"{best[count] / ARTICLES * 1e6:.1f}",
            f"{floor[count] / ARTICLES * 1e6:.1f}",
            f"{links[count]:,}",
            f"{base_rate:,.0f}",
            f"{len(sample):,}",
            f"{speedups[count]:.0f}×",
            f"{agree / len(sample):.1%}",
        )
        print(_row(*cells))
    cost = rates[RULE_COUNTS[0]] / rates[RULE_COUNTS[-1]]
    checks = [
        (f"≥ 50,000 articles/s with 1,000 rules: {rates[1_000]:,.0f}", rates[1_000] >= 50_000),
        (f"100 → 10,000 rules costs < 3×: {cost:.2f}×", cost < 3),
        (
            f"≥ 10× faster than one regex per rule at 1,000 rules: {speedups[1_000]:.0f}×",
            speedups[1_000] >= 10,
        ),
    ]
    for text, ok in checks:
        print(f"  {'ok  ' if ok else 'MISS'} {text}")
    print(
        f"  The matcher ran on all {ARTICLES:,} articles per rule count; the baseline on the sample shown, "
        f"extrapolated as articles/s. Total {time.perf_counter() - started:.0f} s."
    )
    if rates[1_000] < 50_000:
        share = floor[1_000] / best[1_000]
        print(
            f"  At 1,000 rules the automaton pass alone takes {share:.0%} of the matcher's time "
            f"({floor[1_000] / ARTICLES * 1e6:.1f} of {best[1_000] / ARTICLES * 1e6:.1f} µs per article): "
            "pyahocorasick walks the failure chain at every character."
        )


if __name__ == "__main__":
    main()
