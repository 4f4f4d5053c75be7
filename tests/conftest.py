"""Fixtures shared by every test module: small realistic workspaces on disk."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pgcluster import PgCluster, start_cluster

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


# ---------------------------------------------------------------- PostgreSQL (issue #17)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    """A PostgreSQL server for the whole session, started from the pgserver package."""
    yield from start_cluster()


@pytest.fixture
def pg_url(pg_cluster: PgCluster) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database of this test's own."""
    url = pg_cluster.fresh()
    yield url
    pg_cluster.drop(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Parametrises a suite over both storage backends."""
    return str(request.param)


@pytest.fixture
def state_target(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """Where a test's state lives on the chosen backend: a SQLite file, or a database URL."""
    if backend == "sqlite":
        return tmp_path / "state.db"
    return str(request.getfixturevalue("pg_url"))
