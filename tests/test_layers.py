"""The layers stay apart: the core never loads Textual; SQL stays in storage/."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tracker"
CORE_MODULES = ["tracker.core", "tracker.cli", "tracker.records.statements", "tracker.storage"]


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_core_imports_without_textual() -> None:
    code = (
        "import sys, "
        + ", ".join(CORE_MODULES)
        + "; print(sorted(m for m in sys.modules if m.startswith('textual')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_only_the_tui_imports_textual() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "tui" not in path.relative_to(PACKAGE).parts[:1]
        and any(name == "textual" or name.startswith(("textual.", "tracker.tui")) for name in _imports(path))
    ]
    assert offenders == []


def test_sqlite_is_used_only_in_storage() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.relative_to(PACKAGE).parts[0] != "storage" and "sqlite3" in _imports(path)
    ]
    assert offenders == []


# ---------------------------------------------------------------- import contracts (make lint)

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the `tracker` package found under `root`, with the project's contracts."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_import_contracts_hold() -> None:
    if not LINT_IMPORTS.exists():
        pytest.skip("import-linter is not installed (it comes with the test extras)")
    result = _lint_imports(PACKAGE.parent)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def test_a_face_importing_storage_breaks_the_contracts(tmp_path: Path) -> None:
    """The contracts can fail: a copy of the package where the CLI reaches past the core."""
    if not LINT_IMPORTS.exists():
        pytest.skip("import-linter is not installed (it comes with the test extras)")
    shutil.copytree(PACKAGE, tmp_path / "tracker", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(PACKAGE.parent / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "tracker" / "cli" / "cmd_sneaky.py").write_text(
        "from tracker.storage import open_database\n", encoding="utf-8"
    )
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "tracker.cli.cmd_sneaky -> tracker.storage" in result.stdout
