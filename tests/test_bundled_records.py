"""The bundled commitment records: valid, complete, and quoted verbatim from the seeds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.clirun import run_cli
from tests.conftest import REPO, SHARED
from tracker.records.statements import load_statements

SEEDS = SHARED / "seeds"


@pytest.fixture(scope="module")
def statements():
    statements, problems = load_statements(REPO / "commitments")
    assert problems == []
    return {s.id: s for s in statements}


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_check_exits_zero_on_the_bundled_workspace() -> None:
    result = run_cli("check", workspace=REPO)
    assert result.code == 0, result.err
    assert result.out.startswith("ok: 4 statements")


@pytest.mark.parametrize(
    ("statement_id", "labels"),
    [
        ("cn-ru-2016-information-space", ["1", "2", "3", "4", "5", "6", "7"]),
        ("cn-ru-2016-internet-media-forum", ["1", "2", "3", "4"]),
    ],
)
def test_every_numbered_point_is_a_commitment(statements, statement_id: str, labels: list[str]) -> None:
    found = {c.label for c in statements[statement_id].commitments}
    assert set(labels) <= found


def test_the_information_space_statement_is_bilingual_with_a_variant(statements) -> None:
    statement = statements["cn-ru-2016-information-space"]
    ids = {c.id.split("/")[1] for c in statement.commitments}
    assert {
        "mechanism-representatives",
        "mechanism-roadmaps",
        "preamble-un-norms",
        "preamble-internet-governance",
    } <= ids
    for commitment in statement.commitments:
        assert set(commitment.text) == {"en", "zh"}, commitment.id
        assert commitment.variants and commitment.variants[0].source.startswith("001_"), commitment.id
    assert [s.role for s in statement.sources] == ["primary", "variant"]


def test_kinds_and_uncertain_dates_are_recorded_honestly(statements) -> None:
    assert statements["cn-2021-internet-media-forum"].kind == "forum_report"
    assert statements["cn-2021-internet-media-forum"].parties == ("china",)
    webinar = statements["ru-cn-digital-economy-webinar"]
    assert webinar.date is None and webinar.date_note and "April" in webinar.date_note


@pytest.mark.skipif(
    not SEEDS.is_dir(), reason="../shared/seeds is absent: cannot compare quotes with the sources"
)
def test_every_quote_is_verbatim_from_its_source(statements) -> None:
    seeds = {p.name: _collapse(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")}
    missing = []
    for statement in statements.values():
        primary = next(s.document for s in statement.sources if s.role == "primary")
        for commitment in statement.commitments:
            for lang, text in commitment.text.items():
                if _collapse(text) not in seeds[primary]:
                    missing.append(f"{commitment.id} [{lang}]")
            for variant in commitment.variants:
                if _collapse(variant.text) not in seeds[variant.source]:
                    missing.append(f"{commitment.id} [variant {variant.lang}]")
    assert missing == []


def test_list_shows_every_bundled_commitment(statements) -> None:
    result = run_cli("list", "--format", "csv", workspace=Path(REPO))
    listed = {line.split(",", 2)[1] for line in result.out.splitlines()[1:]}
    assert listed == {c.id for s in statements.values() for c in s.commitments}
    assert len(listed) == 55
