"""Regenerate the README's screenshots: `.venv/bin/python docs/make_screenshots.py`.

Writes docs/screenshots/commitments.svg and commitment.svg from the test fixture
(tests/fixtures_tui.py), at a fixed clock, so they change only when the look does.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fixtures_tui import save_screenshots  # noqa: E402

if __name__ == "__main__":
    for path in save_screenshots(ROOT / "docs" / "screenshots"):
        print(path.relative_to(ROOT))
