"""The report model and its formats: golden files, round trips, filters, CSV and Markdown safety.

Golden files live in tests/golden/. After an intended change, regenerate them with
`TRACKER_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_reports.py` and read the diff.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.fixtures_status import INJECTION_TITLE, StatusFixture, build_status_fixture
from tracker.errors import NotFoundError, UsageError
from tracker.review import reports
from tracker.review.reviewing import Reviewer
from tracker.review.tabular import safe_cell, to_csv
from tracker.storage import open_database
from tracker.storage.db import Database

GOLDEN = Path(__file__).parent / "golden"
UPDATE = bool(os.environ.get("TRACKER_UPDATE_GOLDEN"))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def built(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[tuple[StatusFixture, Database]]:
    """The status fixture on each backend: every report must read the same from both."""
    cluster = request.getfixturevalue("pg_cluster") if request.param == "postgresql" else None
    url = cluster.fresh() if cluster else None
    fixture = build_status_fixture(tmp_path_factory.mktemp("reports") / "ws", url)
    db = open_database(fixture.target)
    yield fixture, db
    db.close()
    if cluster and url:
        cluster.drop(url)


@pytest.fixture(scope="module")
def reviewer(built: tuple[StatusFixture, Database]) -> Reviewer:
    fixture, db = built
    return fixture.reviewer(db)


@pytest.fixture(scope="module")
def model(reviewer: Reviewer) -> dict[str, Any]:
    return reviewer.report()


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8", newline="")
    expected = path.read_bytes().decode("utf-8") if path.exists() else ""  # CRLF kept as is
    assert text == expected, f"{name} differs from its golden file; see the module docstring to update"


# ---------------------------------------------------------------- golden files


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("report.yaml", "yaml"), ("report.json", "json"), ("commitments.csv", "csv"), ("report.md", "markdown")],
)
def test_commitment_report_golden(reviewer: Reviewer, model: dict[str, Any], name: str, fmt: str) -> None:
    timelines = reviewer.timelines(model) if fmt == "markdown" else None
    check_golden(name, reports.render_report(model, fmt, timelines=timelines))


@pytest.mark.parametrize("what", ["evidence", "history", "assessments"])
@pytest.mark.parametrize("fmt", ["csv", "markdown"])
def test_row_exports_golden(reviewer: Reviewer, model: dict[str, Any], what: str, fmt: str) -> None:
    rows, columns = {
        "evidence": (reports.evidence_rows(model), reports.EVIDENCE_COLUMNS),
        "history": (reviewer.history_rows(model), reports.HISTORY_COLUMNS),
        "assessments": (reviewer.assessment_rows(model), reports.ASSESSMENT_COLUMNS),
    }[what]
    suffix = "csv" if fmt == "csv" else "md"
    check_golden(f"{what}.{suffix}", reports.render_rows(rows, fmt, columns, what.capitalize()))


def test_export_is_what_the_command_and_the_scheduled_reports_write(reviewer: Reviewer) -> None:
    assert reviewer.export("csv", what="evidence") == (GOLDEN / "evidence.csv").read_bytes().decode()
    assert reviewer.export("markdown") == (GOLDEN / "report.md").read_text(encoding="utf-8")
    with pytest.raises(UsageError, match="--what: a snapshot freezes statuses and evidence, not history"):
        reviewer.export("csv", what="history", snapshot="any")
    with pytest.raises(UsageError, match="--format: expected one of"):
        reviewer.export("xlsx")
    with pytest.raises(NotFoundError, match="--party: unknown 'eu'"):  # no commitment has it
        reviewer.export("csv", parties=["eu"])


# ---------------------------------------------------------------- the model


def test_the_figures(model: dict[str, Any]) -> None:
    assert model["compliance"] | {"verdicts": None, "derived": None} == {
        "commitments": 8,
        "assessed": 3,
        "scored": 2,
        "mean": 0.5,
        "percent": 75.0,
        "verdicts": None,
        "derived": None,
    }
    assert {p: v["percent"] for p, v in model["by_party"].items()} == {"china": 100.0, "russia": 50.0}
    assert {s["id"]: s["compliance"]["percent"] for s in model["statements"]} == {"alpha": 75.0, "beta": None}
    assert model["by_tag"]["media"]["percent"] == 50.0 and model["by_tag"]["youth"]["derived"] == {
        "unreviewed": 1
    }


def test_evidence_carries_its_sources(model: dict[str, Any]) -> None:
    by_id = {c["id"]: c for s in model["statements"] for c in s["commitments"]}
    [confirmed] = by_id["alpha/2"]["evidence"]  # the rejected signal's evidence is not there
    assert (confirmed["url"], confirmed["publisher"], confirmed["signal"], confirmed["article"]) == (
        "https://news.example.org/a1",
        "xinhua-en",
        1,
        1,
    )
    [note] = by_id["alpha/4"]["evidence"]
    assert (note["document"], note["url"], note["relation"]) == ("Note verbale 2023/17", None, "context")
    assert by_id["alpha/1"]["verdicts"]["joint"]["evidence"] == [3]


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_yaml_and_json_load_back_to_the_model(model: dict[str, Any], fmt: str) -> None:
    text = reports.render_report(model, fmt)
    loaded = yaml.safe_load(text) if fmt == "yaml" else json.loads(text)
    assert loaded == model


def test_every_format_shows_the_same_commitments(model: dict[str, Any]) -> None:
    rows = list(csv.DictReader(io.StringIO(reports.render_report(model, "csv"))))
    assert [r["commitment"] for r in rows] == reports.commitment_ids(model)
    assert [r["status"] for r in rows] == [c["status"] for s in model["statements"] for c in s["commitments"]]
    text = reports.render_report(model, "markdown")
    assert all(f"| {cid.replace('/', '/')} |" in text for cid in reports.commitment_ids(model))


def test_a_snapshot_loads_back_and_filters_like_a_live_report(built: tuple[StatusFixture, Database]) -> None:
    fixture, db = built
    reviewer = fixture.reviewer(db)
    name = "golden-check"
    if name not in dict(reviewer.snapshots()):
        reviewer.snapshot(name)
    frozen = reviewer.snapshot_report(name)
    live = reviewer.report()
    assert frozen | {"snapshot": None} == live
    assert reports.select(frozen) == frozen
    filters = {"parties": ["russia"], "tags": ["media"]}
    assert reports.select(frozen, **filters) | {"snapshot": None} == reviewer.report(**filters)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"statement_ids": ["beta"]}, ["beta/1", "beta/2", "beta/3", "beta/4"]),
        ({"statuses": ["overdue", "stalled"]}, ["alpha/3", "beta/1"]),
        ({"parties": ["russia"]}, ["alpha/1", "alpha/2", "alpha/3", "alpha/4"]),
        ({"tags": ["media"], "statuses": ["partial"]}, ["alpha/4"]),
        ({"tags": ["youth"], "statuses": ["fulfilled"]}, []),
    ],
)
def test_filters(reviewer: Reviewer, filters: dict[str, list[str]], expected: list[str]) -> None:
    selected = reviewer.report(**filters)  # type: ignore[arg-type]
    assert reports.commitment_ids(selected) == expected
    assert selected["compliance"]["commitments"] == len(expected)
    assert selected["filters"] == {
        "statement": filters.get("statement_ids", []),
        "status": filters.get("statuses", []),
        "party": filters.get("parties", []),
        "tag": filters.get("tags", []),
    }


def test_filtered_summaries_cover_only_what_is_kept(reviewer: Reviewer) -> None:
    russia = reviewer.report(parties=["russia"])
    assert list(russia["by_party"]) == ["russia"]
    assert russia["compliance"]["percent"] == 75.0  # alpha/1 fulfilled, alpha/4 partial
    assert russia["by_party"]["russia"]["percent"] == 50.0  # russia's own verdict on alpha/4 is −1


# ---------------------------------------------------------------- CSV safety


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "\u240d=1"),  # a lone CR is a control character: shown, inert
        (INJECTION_TITLE, "'" + INJECTION_TITLE),
        ("a = b", "a = b"),
        ("中俄网络媒体论坛", "中俄网络媒体论坛"),
        (-1, "-1"),  # a number is data
        (None, ""),
        (["a", "=b"], "a; =b"),
    ],
)
def test_csv_cells_are_neutralised(value: object, cell: str) -> None:
    assert safe_cell(value) == cell
    [row] = list(csv.reader(io.StringIO(to_csv([{"x": value}], ["x"]))))[1:]
    assert row == [cell]


def test_exported_csv_opens_cleanly(reviewer: Reviewer, model: dict[str, Any]) -> None:
    text = reports.render_rows(reports.evidence_rows(model), "csv", reports.EVIDENCE_COLUMNS, "Evidence")
    assert text.startswith(",".join(reports.EVIDENCE_COLUMNS) + "\r\n")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert all(len(r) == len(reports.EVIDENCE_COLUMNS) for r in rows)
    cells = [v for r in rows for v in r.values()]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    note = next(r for r in rows if r["document"] == "Note verbale 2023/17")
    assert (note["title"], note["publisher"], note["note"]) == (
        "'-2+3 quota note",
        "'@mention",
        "'+cmd|' /C calc'!A0",
    )
    commitments = reports.render_report(model, "csv")
    assert commitments.splitlines()[0] == ",".join(reports.COMMITMENT_COLUMNS)


# ---------------------------------------------------------------- Markdown safety


def test_markdown_escapes_text_and_links_only_http(model: dict[str, Any]) -> None:
    hostile = copy.deepcopy(model)
    commitment = hostile["statements"][0]["commitments"][0]
    commitment["summary"] = "pipes | and [links](javascript:alert(1)) and <b>html</b>\nnew line"
    commitment["evidence"][0] |= {"title": "click [me]", "url": "javascript:alert(1)"}
    commitment["evidence"].append(commitment["evidence"][0] | {"title": "ok", "url": "https://e.org/a b)c"})
    text = reports.markdown(hostile)
    assert "pipes \\| and \\[links\\](javascript:alert(1)) and \\<b\\>html\\</b\\> new line" in text
    assert "](javascript" not in text.replace("\\](javascript", "")
    assert "click \\[me\\]" in text and "[ok](<https://e.org/a%20b)c>)" in text


# ---------------------------------------------------------------- the documentation


DOC = Path(__file__).parents[1] / "docs" / "exports.md"
DOC_GOLDEN = {
    "csv": ("commitments.csv", "evidence.csv"),
    "markdown": ("report.md",),
    "yaml": ("report.yaml",),
}


def doc_blocks() -> list[tuple[str, list[str]]]:
    blocks: list[tuple[str, list[str]]] = []
    lang: str | None = None
    lines: list[str] = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("```") and lang is None:
            lang, lines = line[3:].strip(), []
        elif line.startswith("```"):
            blocks.append((lang, lines))
            lang = None
        elif lang is not None:
            lines.append(line)
    return [(lang, lines) for lang, lines in blocks if lang in DOC_GOLDEN]


@pytest.mark.parametrize(("lang", "lines"), doc_blocks())
def test_the_examples_in_the_documentation_are_real_output(lang: str, lines: list[str]) -> None:
    golden = "".join((GOLDEN / name).read_text(encoding="utf-8") for name in DOC_GOLDEN[lang])
    shown = [line for line in lines if line.strip() and not line.strip().startswith("# ...")]
    missing = [line for line in shown if line not in golden]
    assert not missing, "docs/exports.md shows lines that the program does not write"


def test_markdown_draws_each_commitments_timeline_from_its_statement(
    reviewer: Reviewer, model: dict[str, Any]
) -> None:
    """The dashboard's timeline, in the report: signals and evidence from the statement's date."""
    timelines = reviewer.timelines(model)
    alpha = timelines["alpha/1"]
    assert alpha.first == "2020-01" and alpha.last == reviewer.clock().strftime("%Y-%m")
    assert sum(alpha.evidence) == 1 and alpha.evidence[alpha.months.index("2023-11")] == 1
    text = reviewer.export("markdown")
    section = text[text.index("#### alpha/1:") : text.index("#### alpha/2:")]
    assert "Timeline:" in section and "    evidence  " in section and "2020-01 … " in section
    # a snapshot freezes statuses and evidence, not signals: no timeline there
    assert "Timeline:" not in reports.render_report(model, "markdown")
