"""Tables printed by the CLI: ids stay whole so they can be copied into the next command."""

from __future__ import annotations

import io

from rich.console import Console

from tracker.cli.common import Context

ROWS = [
    {"commitment": f"cn-ru-2016-internet-media-forum/field-joint-production-{n}", "status": "no_evidence"}
    | {"summary": "Media of both countries will cooperate on joint production " * 3}
    for n in range(3)
]


def render(*, terminal: bool, width: int) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=terminal, color_system=None, highlight=False)
    Context(None, console=console).emit(ROWS, "table", columns=["commitment", "status", "summary"])
    return out.getvalue()


def test_piped_tables_keep_ids_whole_and_fold_only_long_text() -> None:
    text = render(terminal=False, width=80)
    for row in ROWS:
        assert row["commitment"] in text
    assert max(len(line) for line in text.splitlines()) <= 160


def test_a_wide_terminal_keeps_ids_whole() -> None:
    text = render(terminal=True, width=140)
    assert all(row["commitment"] in text for row in ROWS)
    assert max(len(line) for line in text.splitlines()) <= 140


def test_a_narrow_terminal_folds_every_column_rather_than_crop_one() -> None:
    text = render(terminal=True, width=60)
    assert max(len(line) for line in text.splitlines()) <= 60
    joined = "".join(line.strip("│ ").split("│")[0].strip() for line in text.splitlines()[3:7])
    assert joined.startswith("cn-ru-2016-internet-media-forum/field-joint"), text
