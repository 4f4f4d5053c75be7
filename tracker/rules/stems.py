"""Word stems for Russian and English terms (Snowball, through PyStemmer).

A rule lists `соглашение` once and matches `соглашения`, `соглашением`, `соглашений`;
`agreement` matches `agreements`. Stemming is the well-kept way to get there (the
Snowball stemmers that search engines use); a hand-written list of endings is not.

How the matcher uses it: a stemmed term's automaton key is what every form of its first
word starts with (`key_of`), as a prefix; a hit is kept only when every word it covers,
read to the end of the word, has the stem the term's word has. So `media` (stem "media")
matches "media" but not "mediation" (stem "mediat"), although both start with the key.

Only words of at least `MIN_STEMMED` letters are stemmed: short words (`rt`, `un`,
`сми`, `икт`) are names and abbreviations, matched exactly. A word written with a
trailing `*` is a hand-made prefix and is not stemmed either.
"""

from __future__ import annotations

from functools import lru_cache

import Stemmer

#: Words shorter than this are matched as written.
MIN_STEMMED = 4

_STEMMERS = {"ru": Stemmer.Stemmer("russian"), "en": Stemmer.Stemmer("english")}


def script_of(word: str) -> str | None:
    """ "ru" for a Cyrillic word, "en" for a Latin one, None otherwise (digits, CJK)."""
    if any("\u0400" <= c <= "\u04ff" for c in word):
        return "ru"
    if any("a" <= c <= "z" for c in word):
        return "en"
    return None


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """The Snowball stem of a normalised (case-folded) word, in its script's language."""
    language = script_of(word)
    if language is None or len(word) < MIN_STEMMED or not word.isalpha():
        return word
    return _STEMMERS[language].stemWord(word)


def key_of(word: str) -> str:
    """What every form of the word starts with: the longest common prefix of the word and
    its stem (Snowball may change a stem's last letter: "daily" → "daili" → key "dail")."""
    stemmed = stem(word)
    size = 0
    for a, b in zip(word, stemmed, strict=False):
        if a != b:
            break
        size += 1
    return word[:size]


def stemmable(word: str) -> bool:
    """Is this word of a term matched by its stem? (See the module docstring.)"""
    return (
        len(word) >= MIN_STEMMED and word.isalpha() and script_of(word) is not None and len(key_of(word)) >= 3
    )
