"""Offsets from normalised text back to the original, used to quote a match to the analyst.

`OffsetMap` caches what each character cluster normalises to and `_Prepared.char_index`
counts UTF-8 lead bytes in C: both must give exactly what the plain per-character
computation gives.
"""

from __future__ import annotations

import unicodedata

import pytest

from tracker.rules import textprep
from tracker.rules.automaton import _Prepared
from tracker.rules.textprep import OffsetMap, normalise

TEXTS = [
    "Putin and Xi\u00a0sign a deal\u2026 on gas",  # no-break space and an ellipsis: NFKC changes them
    "Straße — «Сила Сибири» ёлка ﬁnance",  # ß grows, a dash, a ligature, ё
    "中俄（双边）合作：Ｒｕｓｓｉａ and China’s role",  # full-width forms, curly apostrophe
    "cafe\u0301 and re\u0301sume\u0301  twice",  # combining marks form clusters
    "line\u2028break\u00a0\u00a0and  spaces\t\ttoo",
    "",
]


def reference_starts(original: str) -> tuple[str, tuple[int, ...]]:
    """The per-character construction, without the cache."""
    pieces: list[str] = []
    starts: list[int] = []
    previous_space = False
    for begin, cluster in textprep._clusters(original):
        piece = textprep._DASH.sub(" ", unicodedata.normalize("NFKC", cluster).casefold())
        piece = textprep._QUOTE.sub("'", piece).replace("ё", "е").replace("-", " ")
        for char in piece:
            is_space = char in textprep._SPACES
            if is_space and previous_space:
                continue
            pieces.append(" " if is_space else char)
            starts.append(begin)
            previous_space = is_space
    return "".join(pieces), tuple(starts)


@pytest.mark.parametrize("text", TEXTS)
def test_offset_map_equals_the_per_character_construction(text: str) -> None:
    textprep._PIECES.clear()
    cold = OffsetMap.build(text)
    warm = OffsetMap.build(text)  # every cluster now cached
    assert cold == warm
    assert cold.norm == normalise(text)
    if textprep._direct_starts(text, cold.norm) is None:  # the cluster-by-cluster path
        built, starts = reference_starts(text)
        assert (cold.norm, cold.starts, cold.exact) == (
            (built, starts, True) if built == cold.norm else (cold.norm, tuple(range(len(cold.norm))), False)
        )


def test_the_slow_path_is_exercised() -> None:
    assert sum(textprep._direct_starts(t, normalise(t)) is None for t in TEXTS) >= 3


@pytest.mark.parametrize("text", TEXTS)
def test_char_index_maps_every_byte_to_its_character(text: str) -> None:
    class Article:
        title = text
        summary = "résumé 中国"
        content = ""
        language = None
        published = None

    prepared = _Prepared.of(Article())  # type: ignore[arg-type]
    expected: list[int] = []
    for index, char in enumerate(prepared.text):
        expected.extend([index] * len(char.encode("utf-8")))
    expected.append(len(prepared.text))
    got = [prepared.char_index(i) for i in range(len(expected))]
    if prepared.haystack is prepared.text:
        assert got == list(range(len(expected)))
    else:
        assert got == expected


def test_offset_maps_of_real_news_equal_the_cluster_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.conftest import SHARED

    path = SHARED / "corpus" / "news-2022" / "2022_china_and_russia_entries.jsonl"
    if not path.exists():
        pytest.skip(f"news corpus not found at {path}")
    import json

    texts = []
    for line in path.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)["entry"]
        texts.append(f"{entry.get('title') or ''}\n{entry.get('description') or ''}")
    fast = [OffsetMap.build(text) for text in texts]
    monkeypatch.setattr(textprep, "_mapped_starts", lambda original, expected: None)
    assert fast == [OffsetMap.build(text) for text in texts]


def test_has_cjk_and_is_cjk_agree_with_the_ranges() -> None:
    edges = [code for low, high in textprep._CJK_RANGES for code in (low - 1, low, high, high + 1)]
    for code in [*range(0x3000), *range(0x2E00, 0xA000, 7), *range(0xF800, 0x10000), *edges]:
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        in_ranges = any(low <= code <= high for low, high in textprep._CJK_RANGES)
        assert textprep.has_cjk("é" + char) == textprep.is_cjk(char) == in_ranges, hex(code)
