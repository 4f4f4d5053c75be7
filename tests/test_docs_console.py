"""The README's walkthrough and every console block of docs/ are run, and their output compared.

The blocks run in order, on one copy of the bundled workspace, with the real 2022
archive of ../shared/corpus (the README's walkthrough first, then docs/ in file order:
docs/rules.md explains the articles the walkthrough ingested). A block is a fenced block
whose first line is `$ tracker …`; each `$` line is run by the shell (pipes to `jq`
included), and the lines after it are its expected output, stdout and stderr together
as a terminal shows them.

Comparison: times (ISO timestamps) are the only thing allowed to differ; ids, counts and
text must match. Documents may abridge: the expected lines must appear in order, and a
line ending in `…` or `...` matches any line that starts like it. The README's exit-status
table is run too: each example must exit with its row's status.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, SHARED

ARCHIVE = SHARED / "corpus" / "news-2022" / "2022_china_and_russia_entries.jsonl"
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:\+00:00|Z)")
FENCE = re.compile(r"^(<!-- not run: [^>]+ -->\n)?```[a-z]*\n(\$ tracker .*?)^```", re.MULTILINE | re.DOTALL)
#: At most this many blocks may be marked `<!-- not run: why -->` (an illustration from
#: another workspace, checked by its own test): the rule is that documents are run.
MAX_NOT_RUN = 2

pytestmark = pytest.mark.skipif(not ARCHIVE.exists(), reason=f"the 2022 archive is not at {ARCHIVE}")


def console_blocks(path: Path, *, not_run: bool = False) -> list[list[tuple[str, list[str]]]]:
    """Each block as [(command, expected lines)]; with `not_run`, the blocks marked not to run."""
    blocks = []
    for match in FENCE.finditer(path.read_text(encoding="utf-8")):
        if bool(match.group(1)) != not_run:
            continue
        steps: list[tuple[str, list[str]]] = []
        for line in match.group(2).splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps:
                steps[-1][1].append(line)
        blocks.append(steps)
    return blocks


def _normal(line: str) -> str:
    return TIMESTAMP.sub("<time>", line.rstrip())


def _matches(expected: str, actual: str) -> bool:
    for ellipsis in ("…", "..."):
        if expected.endswith(ellipsis) and expected != ellipsis:
            return actual.startswith(expected[: -len(ellipsis)].rstrip())
    return expected == actual


def missing_lines(expected: list[str], actual: list[str]) -> list[str]:
    """The expected lines not found, in order, among the actual ones (blank lines ignored)."""
    want = [_normal(line) for line in expected if line.strip()]
    have = iter(_normal(line) for line in actual if line.strip())
    missing = []
    for line in want:
        if not any(_matches(line, got) for got in have):
            missing.append(line)
            break  # the rest cannot be in order any more
    return missing


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("docs") / "bundled"
    for name in ("commitments", "rules", "feeds"):
        shutil.copytree(REPO / name, root / name)
    (root / ARCHIVE.name).symlink_to(ARCHIVE)
    return root


def _env(workspace: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "COLUMNS": "160",
        "NO_COLOR": "1",
        "PYTHONIOENCODING": "utf-8",
        "TRACKER_USER": "ana",
    }
    env["TRACKER_WORKSPACE"] = str(workspace)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env


def run(command: str, workspace: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        cwd=workspace,
        env=_env(workspace),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_console_block_runs_as_documented(workspace: Path) -> None:
    blocks = [(path, block) for path in DOCS for block in console_blocks(path)]
    assert len(blocks) >= 5  # the README's walkthrough and jq example, docs/rules.md's three
    for path, block in blocks:
        for command, expected in block:
            if "| jq" in command and not shutil.which("jq"):
                continue
            result = run(command, workspace)
            assert result.returncode == 0, f"{path.name}: $ {command}\n{result.stderr}"
            actual = (result.stdout + result.stderr).splitlines()
            missing = missing_lines(expected, actual)
            assert not missing, (
                f"{path.name}: $ {command}\nexpected line not found (in order): {missing[0]!r}\n"
                "actual output:\n" + "\n".join(actual)
            )


def test_few_blocks_are_exempt() -> None:
    exempt = [path.name for path in DOCS for _ in console_blocks(path, not_run=True)]
    assert len(exempt) <= MAX_NOT_RUN, exempt


def exit_status_examples() -> list[tuple[int, str]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\d) \| [^|]+ \| `(tracker [^`]+)` \|$", text, re.MULTILINE)
    return [(int(code), command) for code, command in rows]


def test_the_exit_status_table_is_true(tmp_path: Path) -> None:
    examples = exit_status_examples()
    assert [code for code, _ in examples] == [0, 1, 2, 3]
    root = tmp_path / "bundled"
    for name in ("commitments", "rules", "feeds"):
        shutil.copytree(REPO / name, root / name)
    for code, command in examples:
        if code == 3:  # a --partial report needs a commitment file that does not load
            (root / "commitments" / "broken.yaml").write_text("statement: [\n", encoding="utf-8")
        result = run(command, root)
        assert result.returncode == code, f"$ {command}\n{result.stderr}"
        assert "Traceback" not in result.stderr


def test_the_comparison_can_fail() -> None:
    assert missing_lines(["signal 1 confirmed as evidence 1"], ["signal 1 confirmed as evidence 2"])
    assert missing_lines(["a", "b"], ["b", "a"])  # order matters
    assert not missing_lines(
        ["at 2026-11-23T01:41:59+00:00", "x …"], ["at 2027-01-01T00:00:00+00:00", "x y z"]
    )
