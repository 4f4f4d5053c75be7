"""Fixtures shared by every test module: small realistic workspaces on disk."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"

MINIMAL_STATEMENT = """\
statement:
  id: demo
  title:
    en: Joint Statement on Demo Cooperation
    zh: 示范合作联合声明
  kind: joint_statement
  date: 2020-01-15
  place: Moscow
  parties: [china, russia]
  sources:
    - document: demo.txt
      role: primary
      languages: [en, zh]
commitments:
  - id: demo/1
    label: "1"
    type: action
    summary: Hold annual consultations on demo matters.
    text:
      en: |-
        The two sides will hold annual consultations on demo matters.
      zh: |-
        双方将就示范事项举行年度磋商。
    tags: [mechanism]
    parties: [china, russia]
    responsible: not stated
    deadline: not stated
    window:
      start: 2020-01-15
    verifiable:
      value: true
      reason: Consultations are announced by both foreign ministries.
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.fixture
def empty_workspace(tmp_path: Path) -> Path:
    """A workspace with the three record folders and nothing in them."""
    root = tmp_path / "ws"
    for name in ("commitments", "rules", "feeds"):
        (root / name).mkdir(parents=True)
    return root


@pytest.fixture
def demo_workspace(empty_workspace: Path) -> Path:
    """A workspace holding one small valid statement."""
    write(empty_workspace / "commitments" / "demo.yaml", MINIMAL_STATEMENT)
    return empty_workspace


@pytest.fixture
def bundled_workspace(tmp_path: Path) -> Path:
    """A copy of the repository's own workspace (records only, no state)."""
    root = tmp_path / "bundled"
    for name in ("commitments", "rules", "feeds"):
        shutil.copytree(REPO / name, root / name)
    if (REPO / "tracker.yaml").exists():
        shutil.copy(REPO / "tracker.yaml", root / "tracker.yaml")
    return root
