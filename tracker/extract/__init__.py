"""Draft a commitment record from a statement's text, rule-based (no network, no model).

The public face of `tracker extract`: the CLI reads a file with `read_document`, drafts
the record with `extract_statement`, writes it with `render_yaml`, and with `--rules`
also drafts a rules file with `draft_rules`. Everything else in this package is an
implementation detail with one job per module:

text (files, HTML, paragraphs, languages) → boilerplate (page furniture) → numbering
(numbered points) → pairing (language versions) → sentences (undertakings) →
commitments (what is a commitment) → facts, dates, classify, keywords (fields) →
draft (record and YAML) → rules (rules file); coverage measures a draft against a
curated record.
"""

from tracker.extract.draft import extract_statement, render_yaml
from tracker.extract.rules import draft_rules
from tracker.extract.text import DocumentError, read_document

__all__ = ["DocumentError", "draft_rules", "extract_statement", "read_document", "render_yaml"]
