"""Quality of the bundled rules on the labelled dev set (`make quality`).

Prints precision (an item linked to some right commitment), exact-commitment precision,
recall, hard negatives linked, overall, per language and per statement, against the
goals of issue #13, then the misses and false links by item (with `-v`).
"""

from __future__ import annotations

import sys
import time
from collections import Counter

from bench import devset
from tracker.core import Tracker, Workspace
from tracker.types import Figures, Quality

GOALS = {
    "precision": 0.9,
    "exact_precision": 0.85,
    "recall": 0.8,
    "recall_per_language": 0.75,
    "hard_negatives": 0.05,
}


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _row(name: str, f: Figures) -> str:
    hn = f"{f.hard_negatives_linked}/{f.hard_negatives}" if f.hard_negatives else "–"
    return (
        f"{name:<34} {f.items:>5} {f.positives:>5} {_pct(f.precision):>6} {_pct(f.exact_precision):>6} "
        f"{_pct(f.recall):>6} {hn:>8}"
    )


def report(quality: Quality) -> str:
    head = f"{'slice':<34} {'items':>5} {'pos':>5} {'prec':>6} {'exact':>6} {'recall':>6} {'hardneg':>8}"
    lines = [head, "-" * len(head), _row("all", quality.overall)]
    lines += [_row(f"  language {lang}", f) for lang, f in quality.by_language.items()]
    lines += [_row(f"  {s}", f) for s, f in quality.by_statement.items()]
    o = quality.overall
    hn_rate = o.hard_negative_rate or 0.0
    lines += [
        "",
        f"goals: precision >= {GOALS['precision']} ({_pct(o.precision)}), "
        f"exact >= {GOALS['exact_precision']} "
        f"({_pct(o.exact_precision)}), recall >= {GOALS['recall']} ({_pct(o.recall)}), "
        f"each language >= {GOALS['recall_per_language']}, hard negatives linked <= 5 % ({hn_rate:.1%})",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[2:] if argv is None else argv
    reason = devset.available()
    if reason:
        print(f"quality: skipped: {reason}")
        return
    items = devset.load()
    tracker = Tracker(Workspace.locate(str(devset.REPO)))
    started = time.perf_counter()
    quality = tracker.rate_rules(items)
    elapsed = time.perf_counter() - started
    print(f"{len(items)} labelled items ({', '.join(devset.PARTS)}), matched in {elapsed:.2f} s\n")
    print(report(quality))
    by_part = Counter(key.split(":")[0].split("/")[0] for key in quality.misses)
    print(
        f"\nmisses by part: {dict(by_part)}; false links by part: "
        f"{dict(Counter(k.split(':')[0].split('/')[0] for k in quality.false_links))}"
    )
    if "-v" in argv:
        index = {item.key: item for item in items}
        print("\nmisses:")
        for key, (labelled, linked) in quality.misses.items():
            item = index[key]
            print(
                f"  {key} [{item.language}] want {sorted(labelled)} got {sorted(linked)}: "
                f"{item.entry.get('title', '')[:90]}"
            )
        print("\nfalse links:")
        for key, (labelled, linked) in quality.false_links.items():
            item = index[key]
            flag = "HN " if item.hard_negative else ""
            print(
                f"  {flag}{key} [{item.language}] want {sorted(labelled)} got {sorted(linked - labelled)}: "
                f"{item.entry.get('title', '')[:90]}"
            )
