"""CSV cells are safe in a spreadsheet; YAML reports load back to the same data."""

from __future__ import annotations

import csv
import io

import pytest
import yaml

from tracker.review.tabular import safe_cell, to_csv, to_yaml


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+7 495 000", "'+7 495 000"),
        ("-cmd", "'-cmd"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("plain", "plain"),
        (-1, "-1"),
        (None, ""),
        (["a", "b"], "a; b"),
        (True, "true"),
    ],
)
def test_formula_injection_is_neutralised(value: object, expected: str) -> None:
    assert safe_cell(value) == expected


def test_csv_round_trips_unicode_and_quotes() -> None:
    rows = [{"id": "x/1", "title": '中俄 "media", новости\nline two'}]
    text = to_csv(rows, ["id", "title"])
    assert list(csv.DictReader(io.StringIO(text))) == rows


def test_yaml_loads_back_equal() -> None:
    data = {"statements": [{"id": "s", "text": "line one\nline two", "score": -1, "date": "2016-06-25"}]}
    assert yaml.safe_load(to_yaml(data)) == data
