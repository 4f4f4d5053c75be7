"""The figures of `make quality`, `tracker rules test --labels` and `tracker rules stats`,
computed by hand on small cases (tracker.rules.quality is pure)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracker.errors import RecordError
from tracker.rules.quality import labelled_item, load_labelled, rule_stats, score


def item(key: str, labels: dict[str, str], *, hard: bool = False, language: str = "en"):
    label = {"labels": [{"commitment": c, "relation": r} for c, r in labels.items()], "hard_negative": hard}
    return labelled_item({"title": key, "language": language}, label, key, key=key)


def test_precision_exact_precision_recall_and_hard_negatives() -> None:
    items = [
        item("a", {"s1/1": "supports"}),  # found, and one extra wrong link
        item("b", {"s1/2": "context"}, language="ru"),  # missed
        item("c", {}, hard=True),  # a hard negative linked
        item("d", {}, hard=True, language="zh"),  # a hard negative left alone
        item("e", {}, language="zh-Hant"),  # nothing either way
    ]
    links = {"a": {"s1/1", "s2/9"}, "c": {"s1/1"}}
    q = score(items, links)
    o = q.overall
    assert (o.linked, o.linked_right) == (2, 1) and o.precision == 0.5
    assert (o.links, o.links_right) == (3, 1) and o.exact_precision == pytest.approx(1 / 3)
    assert (o.positives, o.found) == (2, 1) and o.recall == 0.5
    assert (o.hard_negatives, o.hard_negatives_linked) == (2, 1)
    assert q.by_language["ru"].recall == 0.0
    assert q.by_language["zh"].items == 2  # zh-Hant is zh
    assert set(q.by_statement) == {"s1", "s2"}
    assert q.by_statement["s2"].precision == 0.0
    assert q.by_statement["s1"].hard_negatives_linked == 1
    assert set(q.misses) == {"b"} and set(q.false_links) == {"a", "c"}


def test_rule_stats_count_reviews_and_shared_terms_of_rejections() -> None:
    rows = [
        (["r1"], "confirmed", [{"rule": "r1", "term": "forum"}]),
        (["r1", "r2"], "rejected", [{"rule": "r1", "term": "forum"}, {"rule": "r2", "term": "tv"}]),
        (["r1"], "rejected", [{"rule": "r1", "term": "forum"}, {"rule": "r1", "term": "visit"}]),
        (["r1"], None, []),
    ]
    stats = {s.rule_id: s for s in rule_stats(rows, ["r1", "r2", "r3"])}
    r1 = stats["r1"]
    assert (r1.signals, r1.confirmed, r1.rejected, r1.waiting) == (4, 1, 2, 1)
    assert r1.precision == pytest.approx(0.333)
    assert r1.rejected_terms == (("forum", 2),)  # "visit" is in one rejection only
    assert stats["r2"].precision == 0.0 and stats["r2"].rejected_terms == (("tv", 1),)
    assert stats["r3"].signals == 0 and stats["r3"].precision is None


def test_a_labelled_file_with_a_bad_line_names_it(tmp_path: Path) -> None:
    good = {"entry": {"title": "x"}, "labels": [{"commitment": "s/1", "relation": "supports"}]}
    path = tmp_path / "labels.jsonl"
    path.write_text(
        json.dumps(good)
        + "\n\n"
        + json.dumps({**good, "labels": [{"commitment": "s/1", "relation": "maybe"}]})
        + "\n"
    )
    with pytest.raises(RecordError) as caught:
        load_labelled(path)
    assert f"{path}:3: labels[0].relation: expected one of supports, contradicts, context" in str(
        caught.value
    )
    path.write_text("not json\n")
    with pytest.raises(RecordError, match=r"labels.jsonl:1: not JSON"):
        load_labelled(path)
