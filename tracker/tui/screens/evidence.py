"""Add evidence by hand: a source the rules did not find (a ministry page, a treaty text).

`validate_evidence` is the form's rules as a pure function: a title is required, so
is a source (an http(s) link, or a document reference such as a note verbale's number,
so a published figure stays traceable), and a date must be a real ISO date and not in
the future.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlparse

from textual.app import ComposeResult
from textual.widgets import Input, Label, Select

from tracker.tui.screens.form import FormScreen
from tracker.tui.widgets.safe import safe_content
from tracker.types import RELATIONS, STRENGTHS


@dataclass(frozen=True)
class EvidenceForm:
    title: str
    url: str | None
    document: str | None
    publisher: str | None
    day: date | None
    relation: str
    strength: str | None
    note: str | None

    def as_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of `Tracker.add_evidence`."""
        return {
            "title": self.title,
            "url": self.url,
            "document": self.document,
            "publisher": self.publisher,
            "date": self.day,
            "relation": self.relation,
            "strength": self.strength,
            "note": self.note,
        }


def _optional(value: str) -> str | None:
    value = value.strip()
    return value or None


def check_url(value: str) -> str | None:
    """None if `value` is empty or an http(s) URL with a host, else the problem."""
    if not value:
        return None
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return "Link: expected an http(s) address such as https://example.org/page."
    return None


def check_day(value: str, today: date) -> tuple[date | None, str | None]:
    if not value:
        return None, None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None, f"Date: expected YYYY-MM-DD, got {value!r}."
    if day > today:
        return None, "Date: evidence cannot be dated in the future."
    return day, None


def validate_evidence(values: dict[str, str], *, today: date) -> EvidenceForm | list[str]:
    """The form, or every problem with it at once."""
    errors: list[str] = []
    title = values.get("title", "").strip()
    if not title:
        errors.append("Title: required.")
    url = values.get("url", "").strip()
    document = _optional(values.get("document", ""))
    if problem := check_url(url):
        errors.append(problem)
    elif not url and document is None:
        errors.append("Source: give a link or a document reference.")
    day, problem = check_day(values.get("date", "").strip(), today)
    if problem:
        errors.append(problem)
    relation = values.get("relation") or "supports"
    if relation not in RELATIONS:
        errors.append(f"Relation: one of {', '.join(RELATIONS)}.")
    strength = _optional(values.get("strength", ""))
    if strength is not None and strength not in STRENGTHS:
        errors.append(f"Strength: one of {', '.join(STRENGTHS)}.")
    if errors:
        return errors
    return EvidenceForm(
        title=title,
        url=url or None,
        document=document,
        publisher=_optional(values.get("publisher", "")),
        day=day,
        relation=relation,
        strength=strength,
        note=_optional(values.get("note", "")),
    )


def select_value(select: Select[str]) -> str:
    return "" if select.value is Select.NULL else str(select.value)


class EvidenceScreen(FormScreen[EvidenceForm]):
    """Returns an EvidenceForm, or None when cancelled."""

    TITLE_TEXT = "Add evidence"

    def __init__(self, commitment_id: str, *, today: date | None = None) -> None:
        super().__init__()
        self.commitment_id = commitment_id
        self._today = today

    def fields(self) -> ComposeResult:
        yield Label(safe_content(f"Evidence for {self.commitment_id}"), classes="form-lead")
        yield Label("Title")
        yield Input(id="title", placeholder="What the source says happened")
        yield Label("Link")
        yield Input(id="url", placeholder="https://…")
        yield Label("or Document")
        yield Input(id="document", placeholder="when there is no link, e.g. MFA note 2017/12")
        yield Label("Publisher")
        yield Input(id="publisher", placeholder="e.g. Ministry of Foreign Affairs")
        yield Label("Date")
        yield Input(id="date", placeholder="YYYY-MM-DD")
        yield Label("Relation")
        yield Select.from_values(RELATIONS, value="supports", allow_blank=False, id="relation")
        yield Label("Strength")
        yield Select.from_values(STRENGTHS, prompt="(not set)", id="strength")
        yield Label("Note")
        yield Input(id="note")

    def submit(self) -> EvidenceForm | list[str]:
        values = {
            name: self.query_one(f"#{name}", Input).value
            for name in ("title", "url", "document", "publisher", "date", "note")
        }
        values["relation"] = select_value(self.query_one("#relation", Select))
        values["strength"] = select_value(self.query_one("#strength", Select))
        today = self._today or self.app.now().date()  # type: ignore[attr-defined]
        return validate_evidence(values, today=today)
