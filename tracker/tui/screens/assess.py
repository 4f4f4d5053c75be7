"""Record an assessment: the analyst's dated verdict, with rationale and the evidence it rests on.

Assessments are appended, never edited (DESIGN.md), so the form asks for everything
at once and `validate_assessment` refuses a verdict without a rationale: a verdict
nobody can explain later is worth nothing in a compliance report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Label, Select, SelectionList, TextArea

from tracker.core import CONFIDENCE, verdict_problems
from tracker.tui.screens.evidence import select_value
from tracker.tui.screens.form import FormScreen
from tracker.tui.widgets.badge import status_label
from tracker.tui.widgets.safe import safe_content, safe_text, shorten
from tracker.types import PARTIES_SCOPE, VERDICT_SCORES

CONFIDENCES: tuple[str, ...] = CONFIDENCE
#: The form's labels for the fields `verdict_problems` names.
LABELS = {"status": "Verdict", "party": "Party", "rationale": "Rationale", "confidence": "Confidence"}


@dataclass(frozen=True)
class AssessForm:
    status: str
    party: str
    rationale: str
    confidence: str | None
    evidence_ids: tuple[int, ...]
    assessor: str | None

    def as_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of `Tracker.assess`."""
        return {
            "status": self.status,
            "party": self.party,
            "rationale": self.rationale,
            "confidence": self.confidence,
            "evidence_ids": self.evidence_ids,
            "assessor": self.assessor,
        }


def validate_assessment(
    *,
    status: str,
    party: str,
    rationale: str,
    confidence: str,
    evidence_ids: Sequence[int],
    assessor: str,
) -> AssessForm | list[str]:
    """The form, or every problem with it at once (the core's rules: the CLI applies the same)."""
    problems = verdict_problems(
        status=status, party=party, rationale=rationale, confidence=confidence or None
    )
    if problems:
        return [f"{LABELS[field]}: {message}." for field, message in problems]
    rationale = rationale.strip()
    return AssessForm(
        status=status,
        party=party,
        rationale=rationale,
        confidence=confidence or None,
        evidence_ids=tuple(evidence_ids),
        assessor=assessor.strip() or None,
    )


class AssessScreen(FormScreen[AssessForm]):
    """Returns an AssessForm, or None when cancelled. `evidence` is (id, title) to choose from."""

    TITLE_TEXT = "Record an assessment"

    def __init__(self, commitment_id: str, evidence: Sequence[tuple[int, str]]) -> None:
        super().__init__()
        self.commitment_id = commitment_id
        self._evidence = list(evidence)

    def fields(self) -> ComposeResult:
        yield Label(safe_content(f"Assessment of {self.commitment_id}"), classes="form-lead")
        yield Label("Verdict")
        verdicts = [(safe_text(f"{status_label(s)} ({_score(s)})"), s) for s in VERDICT_SCORES]
        yield Select(verdicts, prompt="(choose)", id="status")
        yield Label("Party")
        yield Select.from_values(PARTIES_SCOPE, value="joint", allow_blank=False, id="party")
        yield Label("Rationale")
        yield TextArea(id="rationale", soft_wrap=True)
        yield Label("Confidence")
        yield Select.from_values(CONFIDENCES, prompt="(not set)", id="confidence")
        yield Label("Evidence it rests on")
        yield SelectionList[int](
            *((safe_text(f"#{eid} {shorten(title, 60)}"), eid, True) for eid, title in self._evidence),
            id="evidence",
        )
        yield Label("Assessor")
        yield Input(id="assessor", placeholder="your name or initials")

    def on_mount(self) -> None:
        self.query_one("#status", Select).focus()

    def submit(self) -> AssessForm | list[str]:
        return validate_assessment(
            status=select_value(self.query_one("#status", Select)),
            party=select_value(self.query_one("#party", Select)),
            rationale=self.query_one("#rationale", TextArea).text,
            confidence=select_value(self.query_one("#confidence", Select)),
            evidence_ids=list(self.query_one("#evidence", SelectionList).selected),
            assessor=self.query_one("#assessor", Input).value,
        )


def _score(status: str) -> str:
    score = VERDICT_SCORES[status]
    return "left out of scores" if score is None else f"{score:+d}" if score else "0"
