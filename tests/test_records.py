"""Loading and validation of commitment records: one test per class of error."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.conftest import MINIMAL_STATEMENT, write
from tracker.errors import RecordError
from tracker.records.statements import load_statement_file, load_statements


def problems_for(tmp_path: Path, text: str, name: str = "demo.yaml") -> list[str]:
    path = write(tmp_path / name, text)
    with pytest.raises(RecordError) as info:
        load_statement_file(path)
    return [str(p) for p in info.value.problems]


def test_valid_statement_loads_with_every_field(tmp_path: Path) -> None:
    statement = load_statement_file(write(tmp_path / "demo.yaml", MINIMAL_STATEMENT))
    assert statement.id == "demo"
    assert statement.date == date(2020, 1, 15)
    [commitment] = statement.commitments
    assert commitment.id == "demo/1"
    assert commitment.statement_id == "demo"
    assert commitment.text["zh"] == "双方将就示范事项举行年度磋商。"
    assert commitment.responsible is None  # "not stated"
    assert commitment.deadline is None
    assert commitment.window is not None and commitment.window.start == date(2020, 1, 15)
    assert commitment.origin is not None and commitment.origin.line == 15


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        # unknown key
        (
            "    type: action\n",
            "    type: action\n    colour: red\n",
            "demo.yaml:18: commitments[0].colour: unknown key",
        ),
        # missing field
        (
            "    summary: Hold annual consultations on demo matters.\n",
            "",
            "commitments[0].summary: missing required field",
        ),
        # wrong type
        (
            "    tags: [mechanism]\n",
            "    tags: {a: b}\n",
            "demo.yaml:24: commitments[0].tags: expected a list of text",
        ),
        # bad date (impossible month)
        (
            "  date: 2020-01-15\n",
            "  date: 2020-13-15\n",
            "demo.yaml:7: statement.date: expected a date YYYY-MM-DD",
        ),
        # bad choice
        (
            "    type: action\n",
            "    type: promise\n",
            "demo.yaml:17: commitments[0].type: expected one of action, advocacy",
        ),
        # id not under the statement
        (
            "  - id: demo/1\n",
            "  - id: other/1\n",
            "demo.yaml:15: commitments[0].id: 'other/1' must start with",
        ),
        # malformed id
        ("  - id: demo/1\n", "  - id: Demo 1\n", "demo.yaml:15: commitments[0].id: 'Demo 1' does not match"),
        # verifiable without a reason
        (
            "      reason: Consultations are announced by both foreign ministries.\n",
            "",
            "verifiable.reason: missing",
        ),
        # window end before start
        (
            "      start: 2020-01-15\n",
            "      start: 2020-01-15\n      end: 2019-01-01\n",
            "window.end: 2019-01-01 is before",
        ),
        # a language code that is not one
        (
            "      zh: |-\n",
            "      chinese: |-\n",
            "commitments[0].text.chinese: expected a two-letter language code",
        ),
    ],
    ids=[
        "unknown-key",
        "missing-field",
        "wrong-type",
        "bad-date",
        "bad-choice",
        "id-prefix",
        "id-pattern",
        "verifiable-reason",
        "window-order",
        "language-code",
    ],
)
def test_each_error_names_file_line_and_field(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in MINIMAL_STATEMENT
    messages = problems_for(tmp_path, MINIMAL_STATEMENT.replace(old, new, 1))
    assert any(expected in m for m in messages), messages


def test_duplicate_commitment_id_in_one_file(tmp_path: Path) -> None:
    block = MINIMAL_STATEMENT.split("commitments:\n", 1)[1]
    messages = problems_for(tmp_path, MINIMAL_STATEMENT + block)
    assert any("duplicate id 'demo/1' (first at line 15)" in m for m in messages), messages


def test_duplicate_key_is_an_error_not_a_silent_overwrite(tmp_path: Path) -> None:
    text = MINIMAL_STATEMENT.replace("  place: Moscow\n", "  place: Moscow\n  place: Beijing\n")
    messages = problems_for(tmp_path, text)
    assert messages == [
        f"{tmp_path / 'demo.yaml'}:9: invalid YAML: while constructing a mapping found duplicate key 'place'"
    ]


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    text = MINIMAL_STATEMENT.replace("  place: Moscow\n", "  place: [Moscow\n")
    [message] = problems_for(tmp_path, text)
    assert message.startswith(f"{tmp_path / 'demo.yaml'}:") and "invalid YAML" in message


def test_file_name_must_match_statement_id(tmp_path: Path) -> None:
    messages = problems_for(tmp_path, MINIMAL_STATEMENT, name="other.yaml")
    assert any("statement.id: 'demo' must equal the file name 'other'" in m for m in messages)


def test_all_problems_are_listed_not_just_the_first(tmp_path: Path) -> None:
    text = MINIMAL_STATEMENT.replace("  kind: joint_statement\n", "  kind: treaty\n").replace(
        "    type: action\n", "    type: wish\n"
    )
    messages = problems_for(tmp_path, text)
    assert len(messages) == 2 and "statement.kind" in messages[0] and "commitments[0].type" in messages[1]


def test_not_utf8_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "demo.yaml"
    path.write_bytes("place: Москва".encode("cp1251"))
    with pytest.raises(RecordError, match="not UTF-8"):
        load_statement_file(path)


def test_a_broken_file_never_stops_the_others(tmp_path: Path) -> None:
    write(tmp_path / "demo.yaml", MINIMAL_STATEMENT)
    write(tmp_path / "broken.yaml", "statement: [unclosed\n")
    statements, problems = load_statements(tmp_path)
    assert [s.id for s in statements] == ["demo"]
    assert len(problems) == 1 and "broken.yaml:2" in str(problems[0])


def test_duplicate_commitment_id_across_files(tmp_path: Path) -> None:
    write(tmp_path / "demo.yaml", MINIMAL_STATEMENT)
    write(
        tmp_path / "copy.yaml",
        MINIMAL_STATEMENT.replace("  id: demo\n", "  id: copy\n", 1).replace(
            "  - id: demo/1", "  - id: copy/1"
        ),
    )
    _, problems = load_statements(tmp_path)
    assert problems == []
    write(tmp_path / "copy.yaml", MINIMAL_STATEMENT.replace("  id: demo\n", "  id: copy\n", 1))
    _, problems = load_statements(tmp_path)
    assert any("must start with the statement id 'copy/'" in str(p) for p in problems)
