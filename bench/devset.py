"""The labelled dev set: real items from ../shared/corpus joined with their labels.

Four parts, each item judged by EVIDENCE.md as a feed reader shows it:

- `pages-dev`: 89 paraphrased real pages in English, Russian and Chinese, labelled in
  the corpus itself;
- `state-media`: 657 CCTV, CGTN/Global Times/Xinhua/China Daily and RT items, labelled in
  `tests/data/labels/state-media-*.jsonl` (pointers by file and line);
- `extra`: 109 paraphrased Russian, Chinese and English pages, `tests/data/labels/extra-items.jsonl`;
- `news-2022`: the 410 Western entries of 2022, `tests/data/news2022_labels.yaml`.

Only labels and pointers live in the project; the texts are read from ../shared, and
`available()` says why the set cannot be built when it is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tracker.rules.quality import LabelledItem, labelled_item, parse_labelled

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
LABELS = REPO / "tests" / "data" / "labels"
NEWS_LABELS = REPO / "tests" / "data" / "news2022_labels.yaml"

PARTS = ("pages-dev", "state-media", "extra", "news-2022")


def available() -> str | None:
    """None when the dev set can be built, else the reason it cannot."""
    for path in (CORPUS / "pages-dev" / "items.jsonl", CORPUS / "state-media", CORPUS / "news-2022"):
        if not path.exists():
            return f"the shared corpus is absent ({path} not found)"
    return None


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def pages_dev() -> list[LabelledItem]:
    items = _jsonl(CORPUS / "pages-dev" / "items.jsonl")
    labels = _jsonl(CORPUS / "pages-dev" / "labels.jsonl")
    assert len(items) == len(labels), "pages-dev: items and labels differ in length"
    out = []
    for n, (item, label) in enumerate(zip(items, labels, strict=True), 1):
        assert item["entry"]["link"] == label["link"], f"pages-dev line {n}: labels out of order"
        out.append(labelled_item(item["entry"], label, f"pages-dev:{n}", key=f"pages-dev:{n}"))
    return out


def state_media() -> list[LabelledItem]:
    cache: dict[str, list[dict]] = {}
    out = []
    for label_file in sorted(LABELS.glob("state-media-*.jsonl")):
        for n, label in enumerate(_jsonl(label_file), 1):
            corpus = label["corpus"]
            lines = cache.setdefault(corpus, _jsonl(CORPUS / corpus))
            entry = lines[label["line"] - 1]["entry"]
            if label.get("link") and entry.get("link") != label["link"]:
                raise ValueError(f"{label_file.name}:{n}: link differs from {corpus}:{label['line']}")
            key = f"{corpus}:{label['line']}"
            out.append(labelled_item(entry, label, f"{label_file.name}:{n}", key=key))
    return out


def extra() -> list[LabelledItem]:
    path = LABELS / "extra-items.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    return [parse_labelled(line, f"{path.name}:{n}", key=f"extra:{n}") for n, line in enumerate(lines, 1)]


def news_2022() -> list[LabelledItem]:
    labels = yaml.safe_load(NEWS_LABELS.read_text(encoding="utf-8"))["labels"]
    entries = [row["entry"] for row in _jsonl(CORPUS / "news-2022" / "2022_china_and_russia_entries.jsonl")]
    out = []
    for n, entry in enumerate(entries, 1):
        ids = labels[entry["link"]]
        entry = {**entry, "language": entry.get("language") or "en"}
        label = {"labels": [{"commitment": c, "relation": "supports"} for c in ids]}
        out.append(labelled_item(entry, label, f"news-2022:{n}", key=f"news-2022:{n}"))
    return out


def load(parts: tuple[str, ...] = PARTS) -> list[LabelledItem]:
    """The dev set (or some parts of it), in a fixed order."""
    readers = {"pages-dev": pages_dev, "state-media": state_media, "extra": extra, "news-2022": news_2022}
    return [item for part in parts for item in readers[part]()]
