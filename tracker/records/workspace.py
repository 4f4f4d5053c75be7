"""Where a workspace's records and state live, and how to create a new one.

A workspace is a folder with `commitments/`, `rules/`, `feeds/` (versioned YAML) and
`.tracker/` (the database, logs and lock; never versioned). The repository itself
is the default workspace, so `make run` works on the bundled data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tracker.errors import UsageError

ENV_VAR = "TRACKER_WORKSPACE"
STATE_DIR = ".tracker"


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def commitments_dir(self) -> Path:
        return self.root / "commitments"

    @property
    def rules_dir(self) -> Path:
        return self.root / "rules"

    @property
    def feeds_dir(self) -> Path:
        return self.root / "feeds"

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def db_path(self) -> Path:
        return self.state_dir / "tracker.db"

    @property
    def config_path(self) -> Path:
        return self.root / "tracker.yaml"

    @property
    def record_dirs(self) -> tuple[Path, ...]:
        return (self.commitments_dir, self.rules_dir, self.feeds_dir)

    @classmethod
    def locate(cls, arg: str | None = None) -> Workspace:
        """--workspace, else $TRACKER_WORKSPACE, else the nearest folder up with commitments/."""
        chosen = arg or os.environ.get(ENV_VAR)
        source = "--workspace" if arg else ENV_VAR
        if chosen:
            root = Path(chosen).expanduser()
            if not root.is_dir():
                raise UsageError(f"{source}: {root} is not a folder (create one with `tracker init {root}`)")
            if not (root / "commitments").is_dir():
                raise UsageError(f"{source}: {root} has no commitments/ folder; is it a workspace?")
            return cls(root.resolve())
        here = Path.cwd().resolve()
        for folder in (here, *here.parents):
            if (folder / "commitments").is_dir() and (folder / "rules").is_dir():
                return cls(folder)
        raise UsageError(
            "--workspace: no workspace here or above; pass --workspace DIR, set "
            f"{ENV_VAR}, or create one with `tracker init DIR`"
        )


EXAMPLE_STATEMENT = """\
# One file per statement; the file name must equal statement.id.
# Format: see docs/records.md in the tracker repository. Run `tracker check` after editing.
#
# statement:
#   id: example-joint-statement
#   title:
#     en: Joint Statement on Example Cooperation
#   kind: joint_statement        # joint_statement | forum_consensus | forum_report | meeting_report
#   date: 2024-05-16             # or: not stated
#   place: Beijing               # or: not stated
#   parties: [china, russia]
#   sources:
#     - document: statement.txt
#       role: primary
#       languages: [en]
# commitments:
#   - id: example-joint-statement/1
#     label: "1"
#     type: action               # action | advocacy | principle | mechanism
#     summary: The parties will hold annual consultations on example matters.
#     text:
#       en: |-
#         The two sides will hold annual consultations on example matters.
#     tags: [mechanism]
#     parties: [china, russia]
#     responsible: not stated
#     deadline: not stated
#     window:
#       start: 2024-05-16
#     verifiable:
#       value: true
#       reason: Consultations are usually announced by both foreign ministries.
"""

EXAMPLE_RULES = """\
# Rules link articles to commitments. Format: docs/rules.md. Run `tracker check` after editing.
rules: []
"""

EXAMPLE_FEEDS = """\
# Feeds to watch. Format: docs/feeds.md. `tracker feeds import FILE.opml` adds feeds from OPML.
# feeds:
#   - name: example-news
#     url: https://example.org/rss.xml
#     language: en
#     interval: 1 hour
#     tags: [news]
#     enabled: true
feeds: []
"""

EXAMPLE_CONFIG = """\
# Workspace settings (optional). `tracker check` validates this file; every setting is
# described in docs/deploy.md.
# stale_after: 365 days    # derived status turns `stalled` when the newest supporting
#                          # evidence is older than this (commitments may override it)
# daily_at: "03:30"        # tracker watch: statuses refreshed, database maintained
# reports:                 # tracker watch writes these every day
#   - {name: status, format: markdown, at: "07:00"}    # reports/status-YYYY-MM-DD.md
# on_digest: [sh, -c, 'jq -r .markdown | mail -s "Commitment digest" me@example.org']
# digest_at: "08:00"
"""


def init_workspace(root: Path) -> Workspace:
    """Create an empty workspace with commented examples; refuse to overwrite one."""
    if (root / "commitments").exists():
        raise UsageError(f"DIR: {root} already holds a workspace (commitments/ exists)")
    for name in ("commitments", "rules", "feeds"):
        (root / name).mkdir(parents=True, exist_ok=True)
    (root / "commitments" / "README.example.txt").write_text(EXAMPLE_STATEMENT, encoding="utf-8")
    (root / "rules" / "rules.yaml").write_text(EXAMPLE_RULES, encoding="utf-8")
    (root / "feeds" / "feeds.yaml").write_text(EXAMPLE_FEEDS, encoding="utf-8")
    (root / "tracker.yaml").write_text(EXAMPLE_CONFIG, encoding="utf-8")
    (root / ".gitignore").write_text(f"{STATE_DIR}/\n", encoding="utf-8")
    return Workspace(root.resolve())
