"""One report model (statement → commitments → status, score, evidence) in every format.

YAML, JSON, CSV and Markdown are all rendered from the same plain-dict model, so the
numbers a colleague sees in a spreadsheet are the ones in the YAML report. The model
holds only plain values: loading the YAML back gives exactly the model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tracker.overview import Overview, compliance_percent
from tracker.storage.db import Database
from tracker.storage.overview import evidence_for, history_for
from tracker.tabular import to_csv, to_json, to_yaml
from tracker.types import Statement

REPORT_FORMATS = ("yaml", "json", "csv", "markdown")
#: Column order of the CSV exports; documented in the README, never reordered.
COMMITMENT_COLUMNS = (
    "statement",
    "commitment",
    "label",
    "summary",
    "status",
    "origin",
    "since",
    "score",
    "unreviewed_signals",
    "evidence",
    "latest_evidence",
    "tags",
)
EVIDENCE_COLUMNS = (
    "statement",
    "commitment",
    "evidence_id",
    "relation",
    "strength",
    "title",
    "url",
    "publisher",
    "date",
    "note",
)
HISTORY_COLUMNS = ("statement", "commitment", "at", "status", "origin", "reason", "evidence_ids")


def build_report(
    statements: Sequence[Statement],
    overview: Overview,
    db: Database,
    *,
    statement_ids: Sequence[str] = (),
    statuses: Sequence[str] = (),
    tags: Sequence[str] = (),
) -> dict[str, Any]:
    """The report model, filtered; percentages are computed over what the filters keep."""
    rows = {row.commitment_id: row for row in overview.rows}
    out_statements = []
    kept_scores: list[int | None] = []
    for statement in statements:
        if statement_ids and statement.id not in statement_ids:
            continue
        commitments = []
        for commitment in statement.commitments:
            row = rows[commitment.id]
            if statuses and row.status.status not in statuses:
                continue
            if tags and not set(tags) & set(commitment.tags):
                continue
            commitments.append(_commitment(db, row, commitment.summary))
        if not commitments:
            continue
        scores = [c["score"] for c in commitments if c["origin"] == "analyst"]
        kept_scores += scores
        out_statements.append(
            {
                "id": statement.id,
                "title": statement.display_title(),
                "date": statement.date.isoformat() if statement.date else "not stated",
                "kind": statement.kind,
                "compliance_percent": _round(compliance_percent(scores)),
                "assessed": len(scores),
                "commitments": commitments,
            }
        )
    return {
        "generated": overview.generated.isoformat(timespec="seconds"),
        "compliance_percent": _round(compliance_percent(kept_scores)),
        "assessed": len(kept_scores),
        "commitments": sum(len(s["commitments"]) for s in out_statements),
        "statements": out_statements,
    }


def _commitment(db: Database, row: Any, summary: str) -> dict[str, Any]:
    evidence = evidence_for(db, row.commitment_id)
    return {
        "id": row.commitment_id,
        "label": row.label,
        "summary": summary,
        "status": row.status.status,
        "origin": row.status.origin,
        "since": row.status.since.isoformat(timespec="seconds") if row.status.since else None,
        "score": row.status.score,
        "reason": row.status.reason,
        "unreviewed_signals": row.unreviewed,
        "tags": list(row.tags),
        "evidence": [
            {
                "id": e.id,
                "relation": e.relation,
                "strength": e.strength,
                "title": e.title,
                "url": e.url,
                "publisher": e.publisher,
                "date": e.date.isoformat() if e.date else None,
                "note": e.note,
                "signal": e.signal_id,
            }
            for e in evidence
        ],
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def commitment_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "statement": s["id"],
            "commitment": c["id"],
            "label": c["label"],
            "summary": c["summary"],
            "status": c["status"],
            "origin": c["origin"],
            "since": c["since"],
            "score": c["score"],
            "unreviewed_signals": c["unreviewed_signals"],
            "evidence": len(c["evidence"]),
            "latest_evidence": max((e["date"] for e in c["evidence"] if e["date"]), default=None),
            "tags": c["tags"],
        }
        for s in report["statements"]
        for c in s["commitments"]
    ]


def evidence_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "statement": s["id"],
            "commitment": c["id"],
            "evidence_id": e["id"],
            **{k: e[k] for k in EVIDENCE_COLUMNS[3:]},
        }
        for s in report["statements"]
        for c in s["commitments"]
        for e in c["evidence"]
    ]


def history_rows(report: dict[str, Any], db: Database) -> list[dict[str, Any]]:
    return [
        {
            "statement": s["id"],
            "commitment": c["id"],
            "at": h.at.isoformat(timespec="seconds"),
            "status": h.status,
            "origin": h.origin,
            "reason": h.reason,
            "evidence_ids": list(h.evidence_ids),
        }
        for s in report["statements"]
        for c in s["commitments"]
        for h in reversed(history_for(db, c["id"]))
    ]


def render(report: dict[str, Any], fmt: str, *, what: str = "commitments", db: Database | None = None) -> str:
    """The report as text in one of REPORT_FORMATS."""
    if what == "history":
        assert db is not None
        rows = history_rows(report, db)
        return _render_rows(rows, fmt, HISTORY_COLUMNS, "Status history")
    if what == "evidence":
        return _render_rows(evidence_rows(report), fmt, EVIDENCE_COLUMNS, "Evidence")
    if fmt == "yaml":
        return to_yaml(report)
    if fmt == "json":
        return to_json(report)
    if fmt == "csv":
        return to_csv(commitment_rows(report), COMMITMENT_COLUMNS)
    return markdown(report)


def _render_rows(rows: list[dict[str, Any]], fmt: str, columns: Sequence[str], title: str) -> str:
    if fmt == "yaml":
        return to_yaml(rows)
    if fmt == "json":
        return to_json(rows)
    if fmt == "csv":
        return to_csv(rows, columns)
    lines = [f"# {title}", "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_md(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def markdown(report: dict[str, Any]) -> str:
    """A readable report: the overall figure, then a summary table per statement."""
    lines = [
        "# Commitment status report",
        "",
        f"Generated {report['generated']}. {report['commitments']} commitments, "
        f"{report['assessed']} assessed by an analyst; compliance "
        f"{_percent(report['compliance_percent'])} (G7/G20 Research Group scale: (mean + 1) / 2 × 100, "
        "analyst verdicts only).",
    ]
    for statement in report["statements"]:
        lines += [
            "",
            f"## {_md(statement['title'])}",
            "",
            f"{statement['kind'].replace('_', ' ')}, {statement['date']} · compliance "
            f"{_percent(statement['compliance_percent'])} ({statement['assessed']} assessed)",
            "",
            "| commitment | summary | status | since | score | evidence | unreviewed |",
            "|---|---|---|---|---|---|---|",
        ]
        for c in statement["commitments"]:
            status = c["status"] + (" (derived)" if c["origin"] == "derived" else "")
            lines.append(
                f"| {_md(c['id'])} | {_md(c['summary'])} | {status} | {_md((c['since'] or '')[:10])} | "
                f"{_md(c['score'])} | {len(c['evidence'])} | {c['unreviewed_signals']} |"
            )
        for c in statement["commitments"]:
            for e in c["evidence"]:
                source = (
                    f"[{_md(e['title'])}]({e['url'].replace(')', '%29').replace(' ', '%20')})"
                    if e["url"]
                    else _md(e["title"])
                )
                lines.append(f"- {_md(c['id'])}: {e['relation']} — {source} {_md(e['date'] or '')}")
    return "\n".join(lines) + "\n"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} %"


def _md(value: Any) -> str:
    """A table cell: pipes and line breaks would break the table; markup is escaped."""
    if value is None:
        return ""
    text = str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    for char in "[]*_`<>":
        text = text.replace(char, "\\" + char)
    return text
