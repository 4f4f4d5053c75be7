"""Rule records: `rules/*.yaml` into validated `Rule`s, every problem with file:line.

The format is documented in docs/rules.md. In short, a file holds named `terms:` (term
sets shared by every rules file, e.g. the names of the parties in three languages) and
`rules:`. A rule names its targets (commitment ids, statement ids, tags), its keyword
conditions (`all` groups, `any`, `phrases`, `none`), the fields it reads, optional
`dates:`, and `weight`, `relation`, `min_score`.

Loading never stops at the first problem: a broken file is skipped with its problems,
a broken rule is left out with its problems, and every other rule loads, so that the
watcher keeps linking while an analyst is halfway through an edit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from tracker.errors import Problem, RecordError
from tracker.records.statements import commitment_index
from tracker.records.validate import SLUG, Checker
from tracker.records.yamlio import LineList, LineMap, load_file
from tracker.rules.datecond import parse_rule_date, unanchored_reason
from tracker.rules.generic import is_generic
from tracker.rules.stems import stem, stemmable
from tracker.rules.textprep import has_cjk, normalise
from tracker.types import (
    FIELDS,
    RELATIONS,
    DateCondition,
    Origin,
    Rule,
    Statement,
    Term,
    TermGroup,
)

RULE_KEYS = (
    "description",
    "targets",
    "fields",
    "all",
    "any",
    "phrases",
    "none",
    "dates",
    "weight",
    "relation",
    "min_score",
    "scope",
    "anywhere",
    "none_in_scope",
    "in_title",
)
TARGET_KEYS = ("commitments", "statements", "tags")
DATE_KEYS = ("window", "after", "before", "within", "mentioned")
#: Points a matched term adds to a rule's score; see docs/rules.md "Score".
TERM_POINTS, PHRASE_POINTS, GENERIC_POINTS = 1, 2, 0
DEFAULT_MIN_SCORE = 2.0
#: Where a rule's conditions must hold together (`scope:`); `{near: N}` is the third form.
SCOPES = ("article", "sentence")
MAX_NEAR = 200
MIN_PREFIX_STEM = 3


class TermError(ValueError):
    """A term as written cannot be used; the message says what to write instead."""


def make_term(text: object, lang: str = "", line: int | None = None, *, phrase: bool = False) -> Term:
    """Validate and normalise one term as written in a rule (raises TermError)."""
    if isinstance(text, bool) or not isinstance(text, str | int | float):
        raise TermError(f"expected a term (text), got {type(text).__name__}")
    raw, norm, prefix, cjk, generic, stems = _read_term(str(text), phrase)
    return Term(
        text=raw,
        norm=norm,
        lang=lang,
        prefix=prefix,
        phrase=phrase,
        generic=generic,
        cjk=cjk,
        line=line,
        stems=stems,
    )


@lru_cache(maxsize=16_384)
def _read_term(text: str, phrase: bool) -> tuple[str, str, bool, bool, bool, tuple[str, ...]]:
    """What `make_term` makes of a text, whatever its line: (raw, norm, prefix, cjk,
    generic, stems). Cached: the bundled rules name 2,700 distinct terms 9,400 times
    (shared term sets), and normalising and stemming them was 40 % of loading the rules.
    A TermError is raised again each time (lru_cache keeps no exceptions)."""
    raw = " ".join(text.split())
    prefix = raw.endswith("*")
    stem = raw[:-1].rstrip() if prefix else raw
    norm = normalise(stem).strip()
    if not norm or norm == "*":
        raise TermError(f"{raw!r}: empty term")
    cjk = has_cjk(norm)
    starred = [w for w in (norm + ("*" if prefix else "")).split(" ") if "*" in w]
    if starred and cjk:
        raise TermError(f"{raw!r}: Chinese and Japanese terms match as substrings already; drop the *")
    for word in starred:
        if "*" in word[:-1]:
            raise TermError(f"{raw!r}: a * may only end a word (a prefix wildcard)")
        if len(word) - 1 < MIN_PREFIX_STEM:
            raise TermError(
                f"{raw!r}: at least {MIN_PREFIX_STEM} characters before each * (it would match too much)"
            )
    if len(norm) < 2:
        raise TermError(f"{raw!r}: a one-character term matches almost anything")
    # A phrase may end in * like any term ("информационной безопасност*"); it needs two words.
    if phrase and " " not in norm and not (cjk and len(norm) >= 4):
        raise TermError(
            f"{raw!r}: a phrase has at least two words (or four Chinese characters); "
            "put single words under `any`"
        )
    generic = is_generic(norm, prefix=prefix)
    return raw, norm, prefix, cjk, generic, () if cjk else _stems(norm, prefix)


def _stems(norm: str, prefix: bool) -> tuple[str, ...]:
    """Per word, the stem it is matched by, or "" (see tracker.rules.stems); () if none is."""
    words = norm.split(" ")
    stems = tuple(
        stem(word) if stemmable(word) and not (prefix and i == len(words) - 1) else ""
        for i, word in enumerate(words)
    )
    return stems if any(stems) else ()


def term_points(term: Term) -> int:
    if term.generic:
        return GENERIC_POINTS
    return PHRASE_POINTS if term.phrase else TERM_POINTS


# ---------------------------------------------------------------- term sets


@dataclass(frozen=True)
class RawTerm:
    text: object
    lang: str
    line: int | None
    field: str


@dataclass
class TermSets:
    """Named term sets from every rules file; a rule refers to one as `$name`."""

    sets: dict[str, tuple[RawTerm, ...]] = field(default_factory=dict)
    origins: dict[str, Origin] = field(default_factory=dict)


def _raw_terms(check: Checker, value: Any, field: str, line: int | None, lang: str = "") -> list[Any]:
    """Flatten a term list (or one term, or a language map) into RawTerms and `$refs`."""
    if isinstance(value, str):
        return [RawTerm(value, lang, line, field)]
    if isinstance(value, LineList):
        out: list[Any] = []
        for index, item in enumerate(value):
            item_field, item_line = f"{field}[{index}]", value.line_of(index)
            if isinstance(item, LineList | LineMap):
                check.add(item_line, item_field, "expected a term (text), got a nested list or mapping")
                continue
            out.append(RawTerm(item, lang, item_line, item_field))
        return out
    if isinstance(value, LineMap) and not lang:
        out = []
        for key in value:
            if len(key) != 2 or not key.isalpha() or not key.islower():
                check.add(
                    value.line_of(key), f"{field}.{key}", "expected a two-letter language code (en, zh, ru)"
                )
                continue
            out.extend(_raw_terms(check, value[key], f"{field}.{key}", value.line_of(key), key))
        return out
    check.add(line, field, "expected a term, a list of terms, or a mapping language: [terms]")
    return []


def read_term_sets(check: Checker, node: Any, line: int | None, sets: TermSets) -> None:
    """The `terms:` section of one file, added to the shared `sets`."""
    mapping = check.mapping(node, "terms", line)
    if mapping is None:
        return
    for name in mapping:
        name_line = mapping.line_of(name)
        if not SLUG.match(name):
            check.add(name_line, f"terms.{name}", "term set names are lower-case letters, digits and '-'")
            continue
        if name in sets.sets:
            check.add(
                name_line, f"terms.{name}", f"term set {name!r} is already defined at {sets.origins[name]}"
            )
            continue
        raws = _raw_terms(check, mapping[name], f"terms.{name}", name_line)
        for raw in raws:
            if isinstance(raw.text, str) and raw.text.strip().startswith("$"):
                check.add(raw.line, raw.field, "a term set cannot refer to another term set")
        sets.sets[name] = tuple(r for r in raws if not str(r.text).strip().startswith("$"))
        sets.origins[name] = Origin(check.path, name_line)


# ---------------------------------------------------------------- rules


class _RuleReader:
    """Reads the rules of one file; knows the term sets and the loaded statements."""

    def __init__(self, check: Checker, sets: TermSets, statements: list[Statement]) -> None:
        self.check = check
        self.sets = sets
        self.statements = {s.id: s for s in statements}
        self.commitments = commitment_index(statements)

    def read(self, node: LineMap, field: str) -> Rule | None:
        check = self.check
        before = len(check.problems)
        check.keys(node, field, ("id", "targets"), RULE_KEYS)
        rule_id = check.string(node, "id", field, pattern=SLUG)
        targets = self._targets(node, field)
        fields = self._fields(node, field)
        all_groups = self._all(node, field)
        anywhere = self._all(node, field, "anywhere")
        in_title = self._all(node, field, "in_title")
        any_group = self._group(node, "any", field)
        phrases = self._group(node, "phrases", field, phrase=True)
        none_group = self._group(node, "none", field)
        none_in_scope = self._group(node, "none_in_scope", field)
        dates = self._dates(node, field, targets)
        weight = check.number(node, "weight", field, default=1.0)
        min_score = check.number(node, "min_score", field, default=DEFAULT_MIN_SCORE)
        relation = check.choice(node, "relation", field, RELATIONS, default="supports") or "supports"
        scope, near = self._scope(node, field)
        if none_in_scope is not None and scope == "article":
            # Without a scope there is no stretch to keep the terms out of: that is `none`.
            check.add(
                node.line_of("none_in_scope"),
                f"{field}.none_in_scope",
                "needs a scope (sentence or {near: N}); without one, write the terms under `none`",
            )
        if in_title and fields is not None and "title" not in fields:
            check.add(
                node.line_of("in_title"), f"{field}.in_title", "the rule does not read the title (fields)"
            )
        for key, value in (("weight", weight), ("min_score", min_score)):
            if key in node and value <= 0:
                check.add(node.line_of(key), f"{field}.{key}", f"expected a number above 0, got {value:g}")
        self._evidence(node, field, any_group, phrases, weight, min_score)
        if len(check.problems) > before or rule_id is None:
            return None
        return Rule(
            id=rule_id,
            targets=targets,
            all=all_groups,
            any=any_group,
            phrases=phrases,
            none=none_group,
            fields=fields,
            dates=dates,
            weight=weight,
            relation=relation,
            min_score=min_score,
            description=check.string(node, "description", field, required=False),
            origin=Origin(check.path, node.line),
            scope=scope,
            near=near,
            anywhere=anywhere,
            none_in_scope=none_in_scope,
            in_title=in_title,
        )

    def _scope(self, node: LineMap, field: str) -> tuple[str, int | None]:
        """`scope: sentence`, `scope: article` (the default) or `scope: {near: N}` (words)."""
        if "scope" not in node:
            return "article", None
        value = node["scope"]
        line = node.line_of("scope")
        if value in SCOPES:
            return str(value), None
        if isinstance(value, dict) and set(value) == {"near"}:
            near = value["near"]
            if isinstance(near, int) and not isinstance(near, bool) and 2 <= near <= MAX_NEAR:
                return "near", near
        self.check.add(
            line,
            f"{field}.scope",
            f"expected sentence, article or {{near: N}} with N from 2 to {MAX_NEAR} words, got {value!r}",
        )
        return "article", None

    # -- targets

    def _targets(self, node: LineMap, field: str) -> tuple[str, ...]:
        """`targets: {commitments: [...], statements: [...], tags: [...]}`, resolved to ids."""
        check = self.check
        if "targets" not in node:
            return ()  # check.keys reports it
        tfield = f"{field}.targets"
        sub = check.mapping(node["targets"], tfield, node.line_of("targets"))
        if sub is None:
            return ()
        check.keys(sub, tfield, (), TARGET_KEYS)
        if not any(key in sub for key in TARGET_KEYS):
            check.add(sub.line, tfield, "expected at least one of: commitments, statements, tags")
        found: dict[str, None] = {}
        for cid in check.string_list(sub, "commitments", tfield) or ():
            if cid in self.commitments:
                found[cid] = None
            else:
                check.add(sub.line_of("commitments"), f"{tfield}.commitments", f"unknown commitment {cid!r}")
        for sid in check.string_list(sub, "statements", tfield) or ():
            statement = self.statements.get(sid)
            if statement is None:
                check.add(sub.line_of("statements"), f"{tfield}.statements", f"unknown statement {sid!r}")
                continue
            found.update(dict.fromkeys(c.id for c in statement.commitments))
        for tag in check.string_list(sub, "tags", tfield) or ():
            tagged = [c.id for c in self.commitments.values() if tag in c.tags]
            if not tagged:
                check.add(sub.line_of("tags"), f"{tfield}.tags", f"no commitment has the tag {tag!r}")
            found.update(dict.fromkeys(tagged))
        return tuple(found)

    def _fields(self, node: LineMap, field: str) -> tuple[str, ...]:
        names = self.check.string_list(node, "fields", field) or ()
        bad = [n for n in names if n not in FIELDS]
        if bad:
            self.check.add(
                node.line_of("fields"),
                f"{field}.fields",
                f"unknown field {bad[0]!r}; expected {', '.join(FIELDS)}",
            )
        chosen = tuple(f for f in FIELDS if f in names)
        return chosen or FIELDS

    # -- keyword conditions

    def _all(self, node: LineMap, field: str, key: str = "all") -> tuple[TermGroup, ...]:
        if key not in node:
            return ()
        value = node[key]
        if not isinstance(value, LineList):
            self.check.add(
                node.line_of(key), f"{field}.{key}", "expected a list of groups (each: terms or $set)"
            )
            return ()
        groups = []
        for index, item in enumerate(value):
            group = self._make_group(item, f"{field}.{key}[{index}]", value.line_of(index))
            if group is not None:
                groups.append(group)
        return tuple(groups)

    def _group(self, node: LineMap, key: str, field: str, *, phrase: bool = False) -> TermGroup | None:
        if key not in node:
            return None
        return self._make_group(node[key], f"{field}.{key}", node.line_of(key), phrase=phrase)

    def _make_group(
        self, value: Any, field: str, line: int | None, *, phrase: bool = False
    ) -> TermGroup | None:
        check = self.check
        name: str | None = None
        terms: dict[tuple[str, bool], Term] = {}
        items = _raw_terms(check, value, field, line)
        for raw in items:
            text = str(raw.text).strip() if isinstance(raw.text, str) else raw.text
            if isinstance(text, str) and text.startswith("$"):
                ref = text[1:]
                if ref not in self.sets.sets:
                    check.add(raw.line, raw.field, f"unknown term set {text!r} (define it under `terms:`)")
                    continue
                name = ref if len(items) == 1 else None
                expanded = [
                    RawTerm(r.text, r.lang, raw.line, f"{raw.field} ({text})") for r in self.sets.sets[ref]
                ]
            else:
                expanded = [raw]
            for one in expanded:
                try:
                    term = make_term(one.text, one.lang, one.line, phrase=phrase)
                except TermError as exc:
                    check.add(one.line, one.field, str(exc))
                    continue
                terms.setdefault((term.norm, term.prefix), term)
        if not terms:
            if items:
                return None
            check.add(line, field, "expected at least one term")
            return None
        return TermGroup(tuple(terms.values()), name, line)

    def _evidence(
        self,
        node: LineMap,
        field: str,
        any_group: TermGroup | None,
        phrases: TermGroup | None,
        weight: float,
        min_score: float,
    ) -> None:
        """Two profile terms or one exact phrase; never a generic word alone."""
        check = self.check
        evidence = [t for g in (any_group, phrases) if g for t in g.terms]
        if not evidence:
            if "any" not in node and "phrases" not in node:
                check.add(
                    node.line,
                    f"{field}.any",
                    "a rule needs evidence: `any` (profile terms) or `phrases`; "
                    "`all` groups only give context",
                )
            return
        if all(t.generic for t in evidence):
            words = ", ".join(t.text for t in evidence[:4])
            key = "any" if "any" in node else "phrases"
            check.add(
                node.line_of(key),
                f"{field}.{key}",
                f"only generic words ({words}): they never count alone; add profile terms or an exact phrase",
            )
            return
        best = weight * sum(term_points(t) for t in _distinct_concepts(evidence))
        if weight > 0 and best < min_score:
            check.add(
                node.line_of("min_score") if "min_score" in node else node.line,
                f"{field}.min_score",
                f"can never link: all its evidence together scores {best:g}, below min_score {min_score:g}",
            )

    # -- dates

    def _dates(self, node: LineMap, field: str, targets: tuple[str, ...]) -> DateCondition | None:
        if "dates" not in node:
            return None
        check = self.check
        sub = check.mapping(node["dates"], f"{field}.dates", node.line_of("dates"))
        if sub is None:
            return None
        dfield = f"{field}.dates"
        check.keys(sub, dfield, (), DATE_KEYS)
        after = self._rule_date(sub, "after", dfield)
        before = self._rule_date(sub, "before", dfield)
        if after and before and before < after:
            check.add(sub.line_of("before"), f"{dfield}.before", f"{before} is before `after` {after}")
        cond = DateCondition(
            window=check.boolean(sub, "window", dfield),
            after=after,
            before=before,
            within=check.duration(sub, "within", dfield),
            mentioned=check.boolean(sub, "mentioned", dfield),
            line=sub.line,
        )
        if not (cond.window or cond.after or cond.before or cond.within):
            check.add(sub.line, dfield, "expected at least one bound: window, after, before or within")
            return None
        for cid in targets:
            commitment = self.commitments[cid]
            reason = unanchored_reason(cond, commitment, self.statements.get(commitment.statement_id))
            if reason:
                check.add(sub.line, dfield, reason)
        return cond

    def _rule_date(self, node: LineMap, key: str, field: str) -> Any:
        if key not in node:
            return None
        try:
            return parse_rule_date(node[key])
        except ValueError as exc:
            self.check.add(node.line_of(key), f"{field}.{key}", str(exc))
            return None


def _distinct_concepts(terms: Iterable[Term]) -> list[Term]:
    """Terms that differ only by spaces ("cybersecurity", "cyber security") count once."""
    seen: dict[str, Term] = {}
    for term in terms:
        key = concept_key(term)
        if key not in seen or term_points(term) > term_points(seen[key]):
            seen[key] = term
    return list(seen.values())


def concept_key(term: Term) -> str:
    """Terms with the same concept key count once: spaces and wildcards do not matter."""
    return term.norm.replace(" ", "").replace("*", "")


# ---------------------------------------------------------------- files


def load_rules(rules_dir: Path, statements: list[Statement]) -> tuple[list[Rule], list[Problem]]:
    """Every valid rule in `rules_dir/*.yaml`, and every problem (with file:line and field).

    Term sets are shared across files; rule ids must be unique across files.
    """
    paths = sorted(rules_dir.glob("*.y*ml")) if rules_dir.is_dir() else []
    problems: list[Problem] = []
    roots: list[tuple[Checker, LineMap]] = []
    for path in paths:
        try:
            data = load_file(path)
        except RecordError as exc:
            problems.extend(exc.problems)
            continue
        check = Checker(path)
        if data is None:
            continue  # an empty file is allowed (e.g. everything commented out)
        root = check.mapping(data, "", 1)
        if root is not None:
            check.keys(root, "", (), ("terms", "rules"))
            roots.append((check, root))
        else:
            problems.extend(check.problems)
    sets = TermSets()
    for check, root in roots:
        if "terms" in root:
            read_term_sets(check, root["terms"], root.line_of("terms"), sets)
    rules: list[Rule] = []
    seen: dict[str, Origin | None] = {}
    for check, root in roots:
        reader = _RuleReader(check, sets, statements)
        for item, field_name, line in check.items(root.get("rules"), "rules", root.line_of("rules")):
            node = check.mapping(item, field_name, line)
            rule = reader.read(node, field_name) if node is not None else None
            if rule is None:
                continue
            if rule.id in seen:
                check.add(
                    node.line_of("id") if node else line,
                    f"{field_name}.id",
                    f"duplicate rule id {rule.id!r} (also at {seen[rule.id]})",
                )
                continue
            seen[rule.id] = rule.origin
            rules.append(rule)
        problems.extend(check.problems)
    return rules, problems


def load_rules_strict(rules_dir: Path, statements: list[Statement]) -> list[Rule]:
    """All rules, or RecordError listing every problem (for tests and `tracker check`)."""
    rules, problems = load_rules(rules_dir, statements)
    if problems:
        raise RecordError(problems)
    return rules
