"""Column widths that fit the terminal: fixed columns keep their width, one column flexes.

DataTable sizes columns to their content, so a long article title would push every
other column off an 80-column screen. Each table declares one flexible column
(width 0) that takes what the fixed ones leave.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from textual.widgets import DataTable

#: DataTable pads each cell by one on both sides; the vertical scrollbar takes one more.
CELL_PADDING = 2
SCROLLBAR = 2


def fit(
    width: int, columns: Sequence[tuple[str, str, int]], *, minimum: int = 16
) -> list[tuple[str, str, int]]:
    """(key, label, width) with every 0 width replaced by the room left in `width` cells."""
    fixed = sum(w + CELL_PADDING for _, _, w in columns if w)
    flexible = sum(1 for _, _, w in columns if not w) or 1
    room = max(minimum, (width - fixed - SCROLLBAR) // flexible - CELL_PADDING)
    return [(key, label, w or room) for key, label, w in columns]


def set_columns(table: DataTable[Any], width: int, columns: Sequence[tuple[str, str, int]]) -> None:
    """Replace the table's columns (and rows) with `columns` fitted to `width`."""
    table.clear(columns=True)
    for key, label, w in fit(width, columns):
        table.add_column(label, key=key, width=w)


def choose(
    width: int, columns: Sequence[tuple[str, str, int]], droppable: Sequence[str], *, flexible_min: int = 24
) -> list[tuple[str, str, int]]:
    """Drop columns in `droppable` order until the flexible one gets `flexible_min` cells."""
    chosen = list(columns)
    for key in droppable:
        if fit(width, chosen, minimum=0)[_flexible(chosen)][2] >= flexible_min:
            break
        chosen = [c for c in chosen if c[0] != key]
    return fit(width, chosen)


def _flexible(columns: Sequence[tuple[str, str, int]]) -> int:
    return next(i for i, (_, _, w) in enumerate(columns) if not w)
