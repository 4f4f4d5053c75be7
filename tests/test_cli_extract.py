"""`tracker extract` end to end: a statement file in, a draft that `tracker check` accepts."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.clirun import run_cli

STATEMENT = """\
Joint Statement of the Russian Federation and the People's Republic of China on Media Cooperation

Moscow, 16 May 2024

The two sides agreed on the following:

1. The two sides will hold annual consultations of their media regulators.

2. The two sides will support joint film production and the exchange of television programmes.

Share this page | Print | Comments (0)
"""


def test_extract_writes_a_draft_that_passes_check(empty_workspace: Path, tmp_path: Path) -> None:
    source = tmp_path / "statement.txt"
    source.write_text(STATEMENT, encoding="utf-8")
    target = empty_workspace / "commitments" / "ru-cn-2024-media.yaml"
    rules = empty_workspace / "rules" / "ru-cn-2024-media.yaml"
    result = run_cli(
        "extract", source, "--statement-id", "ru-cn-2024-media", "-o", target, "--rules", rules,
        workspace=empty_workspace,
    )  # fmt: skip
    assert result.code == 0, result.err
    record = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert record["statement"]["draft"] is True
    assert str(record["statement"]["date"]) == "2024-05-16"
    assert record["statement"]["place"] == "Moscow"
    texts = [c["text"]["en"] for c in record["commitments"]]
    assert any("annual consultations of their media regulators" in t for t in texts)
    assert not any("Share this page" in t for t in texts)
    drafted = yaml.safe_load(rules.read_text(encoding="utf-8"))["rules"]
    assert {r["targets"]["commitments"][0] for r in drafted} <= {c["id"] for c in record["commitments"]}
    check = run_cli("check", workspace=empty_workspace)
    assert check.code == 0, check.err
    assert f"{len(drafted)} rules" in check.out


def test_extract_errors_name_the_argument(empty_workspace: Path, tmp_path: Path) -> None:
    missing = run_cli("extract", tmp_path / "nope.txt", workspace=empty_workspace)
    assert missing.code == 2 and "FILE:" in missing.err
    bad_id = run_cli("extract", tmp_path, "--statement-id", "Bad Id", workspace=empty_workspace)
    assert bad_id.code == 2 and "--statement-id:" in bad_id.err
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("Déclaration commune".encode("latin-1"))
    not_utf8 = run_cli("extract", latin1, workspace=empty_workspace)
    assert not_utf8.code == 1 and "Traceback" not in not_utf8.err and "latin1.txt" in not_utf8.err


def test_drafted_rules_follow_the_rules_guide(bundled_workspace: Path, tmp_path: Path) -> None:
    """Two profile terms or a phrase, never a generic word; the workspace's $china/$russia gates."""
    source = tmp_path / "statement.txt"
    source.write_text(
        STATEMENT + "\n3. The sides will promote cooperation between citizens.\n", encoding="utf-8"
    )
    target = bundled_workspace / "commitments" / "ru-cn-2024-media.yaml"
    rules = bundled_workspace / "rules" / "ru-cn-2024-media.yaml"
    result = run_cli(
        "extract", source, "--statement-id", "ru-cn-2024-media", "-o", target, "--rules", rules,
        workspace=bundled_workspace,
    )  # fmt: skip
    assert result.code == 0, result.err
    record = yaml.safe_load(target.read_text(encoding="utf-8"))
    drafted = yaml.safe_load(rules.read_text(encoding="utf-8"))["rules"]
    assert drafted, "the media commitments have precise keywords"
    for rule in drafted:
        assert sorted(rule["all"]) == ["$china", "$russia"]
        assert rule.get("phrases") or len(rule.get("any", [])) >= 2, rule
        assert not {"promotion", "promote", "citizens", "cooperation"} & set(rule.get("any", [])), rule
    promoted = [c["id"] for c in record["commitments"] if "promote cooperation" in c["text"]["en"]]
    assert promoted and promoted[0] not in {r["targets"]["commitments"][0] for r in drafted}
    check = run_cli("check", workspace=bundled_workspace)
    assert check.code == 0, check.err
