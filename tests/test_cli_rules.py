"""`tracker match`, `tracker explain`, `tracker rules` and `tracker rules test`, run as a user
would: `python -m tracker --workspace DIR ...` in a subprocess, on a real database file."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.clirun import run_cli
from tests.test_matching import RULES_V1, insert_article
from tests.test_rules_model import make_workspace
from tracker.records.workspace import Workspace
from tracker.storage import open_database


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    """A workspace with two rules and three stored articles (two relevant)."""
    root = make_workspace(tmp_path / "ws", RULES_V1)
    db = open_database(Workspace(root).db_path)
    try:
        insert_article(db, "China and Russia hold CERT drills", url="https://example.org/drills")
        insert_article(
            db, "China and Russia: a media year of exchanges", published=datetime(2017, 5, 1, tzinfo=UTC)
        )
        insert_article(db, "Chinese hackers run a CERT drill", published=datetime(2018, 1, 1, tzinfo=UTC))
    finally:
        db.close()
    return root


def test_match_adds_then_changes_nothing(ws: Path) -> None:
    first = run_cli("match", "--format", "json", workspace=ws)
    assert first.code == 0, first.err
    [row] = json.loads(first.out)
    assert (row["rules"], row["articles"], row["added"], row["links"]) == (2, 3, 2, 2)
    second = run_cli("match", "--format", "json", workspace=ws)
    [again] = json.loads(second.out)
    assert (again["added"], again["unchanged"]) == (0, 2)
    skipped = run_cli("match", "--if-changed", workspace=ws)
    assert skipped.code == 0 and "rules unchanged" in skipped.err


def test_explain_shows_conditions_and_terms(ws: Path) -> None:
    run_cli("match", workspace=ws)
    result = run_cli("explain", "1", workspace=ws)
    assert result.code == 0, result.err
    assert "drills → demo/1: LINKED" in result.out
    assert "found cert, drill*" in result.out
    assert "title: China and Russia hold CERT drills" in result.out  # the sentence, not 22-26
    by_url = run_cli("explain", "https://example.org/drills", "demo/1", "--format", "json", workspace=ws)
    [record] = json.loads(by_url.out)
    assert record["linked"] and record["rule"] == "drills"
    assert {c["condition"] for c in record["conditions"]} >= {"all[0]", "all[1]", "any", "score"}


def test_explain_says_why_not(ws: Path) -> None:
    result = run_cli("explain", "3", "demo/1", "--format", "json", workspace=ws)
    [record] = json.loads(result.out)
    assert not record["linked"]
    failed = [c for c in record["conditions"] if not c["held"] and c["condition"] not in ("any", "phrases")]
    assert [c["condition"] for c in failed] == ["all[1]"]  # no Russia in "Chinese hackers ..."


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("explain", "999"), 1, "ARTICLE: no stored article '999'"),
        (("explain", "1", "demo/9"), 1, "COMMITMENT: no commitment 'demo/9'"),
        (("rules", "test", "nope"), 1, "RULE: no valid rule 'nope'"),
        (("rules", "test", "drills", "--since", "someday soon"), 2, "--since: expected a date"),
    ],
)
def test_bad_arguments_are_one_line_errors(ws: Path, args: tuple[str, ...], code: int, message: str) -> None:
    result = run_cli(*args, workspace=ws)
    assert result.code == code
    assert message in result.err and "Traceback" not in result.err


def test_rules_lists_every_rule(ws: Path) -> None:
    result = run_cli("rules", "--format", "json", workspace=ws)
    rows = json.loads(result.out)
    assert [r["id"] for r in rows] == ["drills", "media"]
    assert rows[0]["targets"] == ["demo/1"] and rows[0]["file"].endswith("rules.yaml:2")


def test_rules_test_is_a_dry_run(ws: Path) -> None:
    result = run_cli("rules", "test", "drills", "--format", "json", workspace=ws)
    rows = json.loads(result.out)
    assert [(r["article"], r["stored"]) for r in rows] == [(1, "new")]
    assert rows[0]["terms"] == ["china", "russia", "cert", "drill*"]
    since = run_cli("rules", "test", "media", "--since", "2017-06-01", "--format", "json", workspace=ws)
    assert json.loads(since.out) == []
    listed = run_cli("match", "--format", "json", workspace=ws)
    assert json.loads(listed.out)[0]["added"] == 2  # the dry runs wrote nothing


def test_check_reports_rule_problems_with_file_and_line(ws: Path) -> None:
    (ws / "rules" / "broken.yaml").write_text(
        "rules:\n  - id: broken\n    targets: {commitments: [demo/1]}\n    any: [cooperation]\n",
        encoding="utf-8",
    )
    result = run_cli("check", workspace=ws)
    assert result.code == 1
    assert "broken.yaml:4: rules[0].any: only generic words (cooperation)" in result.err
    # The broken rule is skipped; the others still match.
    matched = run_cli("match", "--format", "json", workspace=ws)
    assert matched.code == 0 and json.loads(matched.out)[0]["rules"] == 2
