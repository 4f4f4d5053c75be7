"""One report model (statement → commitments → status, verdicts, evidence) in every format.

YAML, JSON, CSV and Markdown are all rendered from the same plain-dict model, so the
numbers a colleague sees in a spreadsheet are the ones in the YAML report. The model
holds only plain values (str, int, float, bool, None, lists, dicts): loading its YAML
or JSON back gives exactly the model, and a snapshot is the model frozen as JSON.

The summaries (overall, per statement, per party, per tag) are computed from the
model's own commitments by `select`, so a snapshot filtered today gives the same
figures a live report filtered the same way gave on the day it was frozen.
docs/exports.md describes every field and the CSV columns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlparse

from tracker.review import status as rules
from tracker.review.tabular import to_csv, to_json, to_yaml
from tracker.review.timeline import text_chart
from tracker.textnorm import inert
from tracker.types import (
    PARTIES_SCOPE,
    VERDICT_SCORES,
    Assessment,
    Commitment,
    CommitmentStatus,
    HistoryEntry,
    SourcedEvidence,
    Statement,
    Timeline,
)

REPORT_FORMATS = ("yaml", "json", "csv", "markdown")
#: What `tracker export --what` can export.
EXPORTS = ("commitments", "evidence", "history", "assessments")

#: CSV column orders: documented in docs/exports.md ("CSV columns"); append, never reorder.
COMMITMENT_COLUMNS = (
    "statement",
    "commitment",
    "label",
    "summary",
    "type",
    "parties",
    "tags",
    "deadline",
    "status",
    "origin",
    "since",
    "score",
    "reason",
    "joint",
    "china",
    "russia",
    "unreviewed_signals",
    "evidence",
    "supporting",
    "contradicting",
    "latest_evidence",
    "sources",
)
EVIDENCE_COLUMNS = (
    "statement",
    "commitment",
    "evidence_id",
    "relation",
    "strength",
    "title",
    "date",
    "publisher",
    "url",
    "document",
    "signal",
    "article",
    "note",
    "added",
    "added_by",
    "archive_sha256",
    "archived_at",
    "source_gone_since",
)
HISTORY_COLUMNS = ("statement", "commitment", "at", "status", "origin", "reason", "evidence_ids")
ASSESSMENT_COLUMNS = (
    "statement",
    "commitment",
    "assessment_id",
    "party",
    "status",
    "score",
    "confidence",
    "rationale",
    "evidence_ids",
    "assessor",
    "created",
)
#: Party columns of the commitments CSV, from the party scopes.
PARTY_COLUMNS: tuple[str, ...] = PARTIES_SCOPE

SCALE_NOTE = (
    "Scores use the G7/G20/BRICS Research Group scale: fulfilled +1; partial, in progress and "
    "stalled 0; not fulfilled and reversed −1; not verifiable is left out. Compliance = "
    "(mean + 1) / 2 × 100. Only analyst verdicts are scored; derived statuses are counted, never scored."
)


# ---------------------------------------------------------------- the model


def report_model(
    statements: Sequence[Statement],
    statuses: Mapping[str, CommitmentStatus],
    evidence: Mapping[str, Sequence[SourcedEvidence]],
    *,
    generated: datetime,
    missing: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The whole report: every statement and commitment of the records, with summaries.

    `missing` (a `--partial` report) names the record problems whose commitments the
    report lacks; the key is there only then, so a complete report is unchanged.
    """
    model = {
        "generated": _moment(generated),
        **({"missing": [dict(m) for m in missing]} if missing else {}),
        "snapshot": None,
        "filters": _filters(),
        "compliance": None,
        "by_party": {},
        "by_tag": {},
        "statements": [
            _statement(statement, statuses, evidence) for statement in statements if statement.commitments
        ],
    }
    return select(model)


def _statement(
    statement: Statement,
    statuses: Mapping[str, CommitmentStatus],
    evidence: Mapping[str, Sequence[SourcedEvidence]],
) -> dict[str, Any]:
    primary = next((s for s in statement.sources if s.role == "primary"), None)
    return {
        "id": statement.id,
        "title": statement.display_title(),
        "kind": statement.kind,
        "date": statement.date.isoformat() if statement.date else None,
        "place": statement.place,
        "parties": list(statement.parties),
        "source": None
        if primary is None
        else {
            "document": primary.document,
            "publisher": primary.publisher,
            "url": primary.url,
            "published": primary.published.isoformat() if primary.published else None,
        },
        "compliance": None,
        "commitments": [
            _commitment(c, statuses[c.id], evidence.get(c.id, ()))
            for c in statement.commitments
            if c.id in statuses
        ],
    }


def _commitment(
    commitment: Commitment, status: CommitmentStatus, evidence: Iterable[SourcedEvidence]
) -> dict[str, Any]:
    shown = status.status
    return {
        "id": commitment.id,
        "label": commitment.label,
        "summary": commitment.summary,
        "type": commitment.type,
        "parties": list(commitment.parties),
        "tags": list(commitment.tags),
        "deadline": commitment.deadline.isoformat() if commitment.deadline else None,
        "status": shown.status,
        "origin": shown.origin,
        "since": _moment(shown.since),
        "score": shown.score,
        "reason": shown.reason,
        "verdicts": {party: _verdict(a) for party, a in status.verdicts.items()},
        "unreviewed_signals": status.unreviewed,
        "evidence": [evidence_item(item) for item in evidence],
    }


def _verdict(assessment: Assessment) -> dict[str, Any]:
    return {
        "status": assessment.status,
        "score": VERDICT_SCORES.get(assessment.status),
        "since": _moment(assessment.created),
        "rationale": assessment.rationale,
        "confidence": assessment.confidence,
        "assessor": assessment.assessor,
        "assessment": assessment.id,
        "evidence": list(assessment.evidence_ids),
    }


def evidence_item(item: SourcedEvidence) -> dict[str, Any]:
    e = item.evidence
    return {
        "id": e.id,
        "relation": e.relation,
        "strength": e.strength,
        "title": e.title,
        "date": e.date.isoformat() if e.date else None,
        "publisher": e.publisher,
        "url": e.url,
        "document": item.document,
        "signal": e.signal_id,
        "article": item.article_id,
        "note": e.note,
        "added": _moment(e.added),
        "added_by": e.added_by,
        # The archived copy (WARC) of the page: its body's SHA-256 and when it was fetched;
        # `source_gone_since` when the live page has answered 404/410 since.
        "archive_sha256": item.archive.sha256 if item.archive else None,
        "archived_at": _moment(item.archive.archived_at) if item.archive else None,
        "source_gone_since": _moment(item.archive.source_gone_since) if item.archive else None,
    }


def _moment(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds") if moment else None


def _filters(
    statement_ids: Sequence[str] = (),
    statuses: Sequence[str] = (),
    parties: Sequence[str] = (),
    tags: Sequence[str] = (),
) -> dict[str, list[str]]:
    return {
        "statement": list(statement_ids),
        "status": list(statuses),
        "party": list(parties),
        "tag": list(tags),
    }


# ---------------------------------------------------------------- filters and summaries


def select(
    model: Mapping[str, Any],
    *,
    statement_ids: Sequence[str] = (),
    statuses: Sequence[str] = (),
    parties: Sequence[str] = (),
    tags: Sequence[str] = (),
) -> dict[str, Any]:
    """The commitments that pass every filter given, with the summaries computed over them.

    Filters of one kind combine with "or", kinds with "and"; `statuses` match the
    shown status. A statement left without commitments is left out.
    """
    kept = []
    for statement in model["statements"]:
        if statement_ids and statement["id"] not in statement_ids:
            continue
        commitments = [
            c
            for c in statement["commitments"]
            if (not statuses or c["status"] in statuses)
            and (not parties or set(parties) & set(c["parties"]))
            and (not tags or set(tags) & set(c["tags"]))
        ]
        if commitments:
            kept.append(statement | {"compliance": _summary(commitments), "commitments": commitments})
    everything = [c for s in kept for c in s["commitments"]]
    return {
        "generated": model["generated"],
        **({"missing": model["missing"]} if model.get("missing") else {}),
        "snapshot": model.get("snapshot"),
        "filters": _filters(statement_ids, statuses, parties, tags),
        "compliance": _summary(everything),
        "by_party": {p: _party_summary(p, everything) for p in _parties(everything, parties)},
        "by_tag": {t: _summary([c for c in everything if t in c["tags"]]) for t in _tags(everything, tags)},
        "statements": kept,
    }


def _summary(commitments: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    return _plain_compliance(rules.compliance((c["status"], c["origin"], c["score"]) for c in commitments))


def _party_summary(party: str, commitments: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    triples = (
        rules.party_view(
            party, (c["status"], c["origin"], c["score"]), {p: v["status"] for p, v in c["verdicts"].items()}
        )
        for c in commitments
        if party in c["parties"]
    )
    return _plain_compliance(rules.compliance(triples))


def _plain_compliance(value: Any) -> dict[str, Any]:
    return {
        "commitments": value.commitments,
        "assessed": value.assessed,
        "scored": value.scored,
        "mean": value.mean,
        "percent": value.percent,
        "verdicts": dict(value.verdicts),
        "derived": dict(value.derived),
    }


def _parties(commitments: list[Mapping[str, Any]], only: Sequence[str]) -> list[str]:
    """Parties in a stable order: the assessed parties first, then others by name."""
    present = {p for c in commitments for p in c["parties"]}
    if only:
        present &= set(only)
    return [p for p in rules.PARTIES if p in present] + sorted(present - set(rules.PARTIES))


def _tags(commitments: list[Mapping[str, Any]], only: Sequence[str]) -> list[str]:
    present = {t for c in commitments for t in c["tags"]}
    return sorted(present & set(only) if only else present)


def commitment_ids(model: Mapping[str, Any]) -> list[str]:
    return [c["id"] for s in model["statements"] for c in s["commitments"]]


# ---------------------------------------------------------------- rows for CSV and tables


def commitment_rows(model: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per commitment, keyed by COMMITMENT_COLUMNS."""
    return [_commitment_row(s["id"], c) for s in model["statements"] for c in s["commitments"]]


def _commitment_row(statement_id: str, c: Mapping[str, Any]) -> dict[str, Any]:
    evidence = c["evidence"]
    return {
        "statement": statement_id,
        "commitment": c["id"],
        "label": c["label"],
        "summary": c["summary"],
        "type": c["type"],
        "parties": c["parties"],
        "tags": c["tags"],
        "deadline": c["deadline"],
        "status": c["status"],
        "origin": c["origin"],
        "since": c["since"],
        "score": c["score"],
        "reason": c["reason"],
        **{p: (c["verdicts"].get(p) or {}).get("status") for p in PARTY_COLUMNS},
        "unreviewed_signals": c["unreviewed_signals"],
        "evidence": len(evidence),
        "supporting": sum(1 for e in evidence if e["relation"] == "supports"),
        "contradicting": sum(1 for e in evidence if e["relation"] == "contradicts"),
        "latest_evidence": max((e["date"] for e in evidence if e["date"]), default=None),
        "sources": [e["url"] or e["document"] for e in evidence if e["url"] or e["document"]],
    }


def evidence_rows(model: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per evidence item, keyed by EVIDENCE_COLUMNS."""
    return [
        {"statement": s["id"], "commitment": c["id"], "evidence_id": e["id"]}
        | {k: e.get(k) for k in EVIDENCE_COLUMNS[3:]}  # snapshots older than a column lack it
        for s in model["statements"]
        for c in s["commitments"]
        for e in c["evidence"]
    ]


def history_rows(model: Mapping[str, Any], entries: Iterable[HistoryEntry]) -> list[dict[str, Any]]:
    """Status changes of the model's commitments, in report order, each oldest first."""
    by_commitment: dict[str, list[HistoryEntry]] = {}
    for entry in entries:
        by_commitment.setdefault(entry.commitment_id, []).append(entry)
    return [
        {
            "statement": s["id"],
            "commitment": c["id"],
            "at": _moment(h.at),
            "status": h.status,
            "origin": h.origin,
            "reason": h.reason,
            "evidence_ids": list(h.evidence_ids),
        }
        for s in model["statements"]
        for c in s["commitments"]
        for h in by_commitment.get(c["id"], ())
    ]


def assessment_rows(model: Mapping[str, Any], assessments: Iterable[Assessment]) -> list[dict[str, Any]]:
    """Every verdict recorded on the model's commitments (all parties), each oldest first."""
    by_commitment: dict[str, list[Assessment]] = {}
    for assessment in assessments:
        by_commitment.setdefault(assessment.commitment_id, []).append(assessment)
    return [
        {
            "statement": s["id"],
            "commitment": c["id"],
            "assessment_id": a.id,
            "party": a.party,
            "status": a.status,
            "score": VERDICT_SCORES.get(a.status),
            "confidence": a.confidence,
            "rationale": a.rationale,
            "evidence_ids": list(a.evidence_ids),
            "assessor": a.assessor,
            "created": _moment(a.created),
        }
        for s in model["statements"]
        for c in s["commitments"]
        for a in by_commitment.get(c["id"], ())
    ]


# ---------------------------------------------------------------- rendering


def render_report(
    model: Mapping[str, Any], fmt: str, *, timelines: Mapping[str, Timeline] | None = None
) -> str:
    """The commitments report in one of REPORT_FORMATS; Markdown draws `timelines` when given."""
    if fmt == "yaml":
        return to_yaml(model)
    if fmt == "json":
        return to_json(model)
    if fmt == "csv":
        return to_csv(commitment_rows(model), COMMITMENT_COLUMNS)
    if fmt == "markdown":
        return markdown(model, timelines)
    raise ValueError(f"unknown report format {fmt!r}")


def render_rows(rows: Sequence[Mapping[str, Any]], fmt: str, columns: Sequence[str], title: str) -> str:
    """Evidence, history or assessment rows: a list in YAML/JSON, a table in CSV and Markdown."""
    if fmt == "yaml":
        return to_yaml(list(rows))
    if fmt == "json":
        return to_json(list(rows))
    if fmt == "csv":
        return to_csv(rows, columns)
    lines = [f"# {title}", "", _md_row(columns), _md_rule(len(columns))]
    lines += [_md_row([_md(_cell(row.get(c))) for c in columns]) for row in rows]
    return "\n".join(lines) + "\n"


def markdown(model: Mapping[str, Any], timelines: Mapping[str, Timeline] | None = None) -> str:
    """A readable report: the figures, then per statement a summary, its commitments and their
    evidence, and each commitment's timeline (signals and evidence from its statement to now)."""
    lines = ["# Commitment status report", ""]
    if model.get("missing"):
        lines += [_missing_paragraph(model["missing"]), ""]
    lines += [_md(_header(model)), "", _md(SCALE_NOTE), "", "## Summary", ""]
    lines += _summary_table(
        [("all commitments", model["compliance"])]
        + [(f"party: {p}", v) for p, v in model["by_party"].items()]
        + [(f"tag: {t}", v) for t, v in model["by_tag"].items()]
    )
    for statement in model["statements"]:
        lines += ["", f"## {_md(statement['title'])}", "", _md(_statement_line(statement)), ""]
        lines += _summary_table([("this statement", statement["compliance"])])
        lines += ["", "### Commitments", "", *_commitments_table(statement["commitments"])]
        for commitment in statement["commitments"]:
            lines += ["", *_commitment_detail(commitment)]
            timeline = (timelines or {}).get(commitment["id"])
            if timeline is not None:
                lines += ["", "Timeline:", "", *(f"    {line}" for line in text_chart(timeline))]
    # Every field passed `_md`; this is the one sanitiser over all of them, so no control,
    # escape sequence, bidi override or zero-width character reaches the document.
    return inert("\n".join(lines) + "\n", multiline=True)


def _missing_paragraph(missing: Sequence[Mapping[str, Any]]) -> str:
    """A partial report says so first: which record files it lacks, and why."""
    files = sorted({m["file"] for m in missing})
    problems = "; ".join(
        f"{m['file']}:{m['line']}: {m['field']}: {m['problem']}"
        if m.get("line")
        else f"{m['file']}: {m['problem']}"
        for m in missing
    )
    return "**Incomplete report**: " + _md(
        f"the commitments of {', '.join(files)} are missing, because "
        f"{'that file does' if len(files) == 1 else 'those files do'} not load ({problems})."
    )


def _header(model: Mapping[str, Any]) -> str:
    parts = [f"Generated {model['generated']}."]
    if model.get("snapshot"):
        parts.append(f"Snapshot {model['snapshot']['name']}, frozen {model['snapshot']['created']}.")
    chosen = [f"{k} {', '.join(v)}" for k, v in model["filters"].items() if v]
    if chosen:
        parts.append(f"Filtered by {'; '.join(chosen)}.")
    return " ".join(parts)


def _statement_line(statement: Mapping[str, Any]) -> str:
    bits = [statement["id"], statement["kind"].replace("_", " "), statement["date"] or "date not stated"]
    if statement.get("place"):
        bits.append(statement["place"])
    source = statement.get("source") or {}
    if source.get("publisher"):
        bits.append(f"source: {source['publisher']}")
    return " · ".join(bits)


def _summary_table(rows: list[tuple[str, Mapping[str, Any]]]) -> list[str]:
    columns = ["scope", "commitments", "assessed", "scored", "mean", "compliance", "derived statuses"]
    lines = [_md_row(columns), _md_rule(len(columns))]
    for scope, c in rows:
        derived = ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in c["derived"].items())
        cells = [
            scope,
            c["commitments"],
            c["assessed"],
            c["scored"],
            _signed(c["mean"]),
            _percent(c["percent"]),
        ]
        lines.append(_md_row([_md(_cell(v)) for v in [*cells, derived]]))
    return lines


def _commitments_table(commitments: list[Mapping[str, Any]]) -> list[str]:
    columns = ["commitment", "summary", "status", "since", "score", "china", "russia", "evidence", "waiting"]
    lines = [_md_row(columns), _md_rule(len(columns))]
    for c in commitments:
        status = c["status"].replace("_", " ") + (" (derived)" if c["origin"] == "derived" else "")
        party = [
            (c["verdicts"].get(p) or {}).get("status", "").replace("_", " ") for p in ("china", "russia")
        ]
        cells = [c["id"], c["summary"], status, (c["since"] or "")[:10], _signed(c["score"]), *party]
        lines.append(
            _md_row([_md(_cell(v)) for v in cells] + [str(len(c["evidence"])), str(c["unreviewed_signals"])])
        )
    return lines


def _commitment_detail(c: Mapping[str, Any]) -> list[str]:
    origin = "analyst verdict" if c["origin"] == "analyst" else "derived"
    since = f", since {c['since'][:10]}" if c["since"] else ""
    lines = [
        f"#### {_md(c['id'])}: {_md(c['status'].replace('_', ' '))} ({origin}{since})",
        "",
        _md(c["reason"]),
    ]
    for party, verdict in c["verdicts"].items():
        lines.append(
            f"- {party} verdict: {_md(verdict['status'].replace('_', ' '))} ({_signed(verdict['score'])}), "
            f"{verdict['since'][:10]}: {_md(verdict['rationale'])}"
        )
    if c["evidence"]:
        lines += ["", "Evidence:", ""]
        lines += [f"- {_evidence_line(e)}" for e in c["evidence"]]
    return lines


def _evidence_line(e: Mapping[str, Any]) -> str:
    kind = e["relation"] + (f", {e['strength'].replace('_', ' ')}" if e["strength"] else "")
    title = _link(e["title"], e["url"])
    source = ", ".join(_md(x) for x in (e["publisher"], e["document"] and f"document {e['document']}") if x)
    when = e["date"] or "undated"
    line = f"{when} · {kind} · {title}" + (f" · {source}" if source else "")
    if e.get("archived_at"):
        line += f" · archived {e['archived_at'][:10]}"
    if e.get("source_gone_since"):
        line += f" · **source gone since {e['source_gone_since'][:10]}**"
    return line


#: Characters a URL keeps as they are; spaces, `<`, `>` and other text are percent-encoded.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"


def _link(text: str, url: str | None) -> str:
    """A Markdown link for http(s) URLs only: a `javascript:` link must never become clickable."""
    if not url or urlparse(url).scheme not in ("http", "https"):
        return _md(text)
    return f"[{_md(text)}](<{quote(url, safe=_URL_SAFE)}>)"


def _md_row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _md_rule(count: int) -> str:
    return "|" + "---|" * count


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _signed(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:+g}" if value else "0"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} %"


def _md(value: Any) -> str:
    """Text from records and articles as Markdown text: markup characters escaped, one line."""
    if value is None:
        return ""
    text = " ".join(str(value).split())
    text = text.replace("\\", "\\\\")
    for char in "|[]*_`<>#":
        text = text.replace(char, "\\" + char)
    return text
