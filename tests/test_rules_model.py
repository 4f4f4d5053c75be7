"""Rule records: parsing, normalised terms, targets, and one test per class of problem.

The helpers at the top (statements, `rules_dir`, `load`) are shared by the other rule
test modules: small statements with a dated statement, an undated one and a closed
window, so date conditions can be tested against each case.
"""

from __future__ import annotations

import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import REPO, write
from tracker.errors import Problem, RecordError
from tracker.records.statements import load_statements
from tracker.rules import load_rules, load_rules_strict
from tracker.rules.generic import is_generic
from tracker.rules.model import TermError, make_term
from tracker.rules.textprep import normalise
from tracker.types import Rule, Statement

STATEMENTS = {
    "demo": """\
        statement:
          id: demo
          title: {en: Joint Statement on Demo Cooperation}
          kind: joint_statement
          date: 2016-06-25
          place: Beijing
          parties: [china, russia]
          sources: [{document: demo.txt, role: primary, languages: [en]}]
        commitments:
          - id: demo/1
            label: "1"
            type: action
            summary: Cooperate on information security.
            text: {en: The sides will cooperate on information security.}
            tags: [cyber-security]
            parties: [china, russia]
            responsible: not stated
            deadline: not stated
            window: {start: 2016-06-25}
            verifiable: {value: true, reason: Agreements are public.}
          - id: demo/2
            label: "2"
            type: action
            summary: Hold a media year.
            text: {en: The sides will hold a media year.}
            tags: [media-cooperation]
            parties: [china, russia]
            responsible: not stated
            deadline: not stated
            window: {start: 2016-10-29, end: 2017-12-31}
            verifiable: {value: true, reason: Events are public.}
        """,
    "nodate": """\
        statement:
          id: nodate
          title: {en: A webinar with no year}
          kind: meeting_report
          date: not stated
          place: not stated
          parties: [china, russia]
          sources: [{document: webinar.txt, role: primary, languages: [en]}]
        commitments:
          - id: nodate/1
            label: e-commerce
            type: advocacy
            summary: Develop e-commerce together.
            text: {en: We invite you to develop e-commerce together.}
            tags: [digital-economy]
            parties: [china, russia]
            responsible: not stated
            deadline: not stated
            window: not stated
            verifiable: {value: true, reason: Trade is reported.}
          - id: nodate/2
            label: standards
            type: advocacy
            summary: Create standards together.
            text: {en: We propose to create standards together.}
            tags: [standards]
            parties: [china, russia]
            responsible: not stated
            deadline: not stated
            window: {start: 2022-04-01}
            verifiable: {value: true, reason: Standards are published.}
        """,
}

TERMS = """\
    terms:
      china:
        en: [china, chinese, beijing]
        zh: [中国, 中俄]
        ru: [китай*, кнр]
      russia:
        en: [russia, russian, moscow]
        zh: [俄罗斯, 中俄]
        ru: [росси*, москв*]
    """


def make_workspace(root: Path, rules: str, *, terms: str = TERMS) -> Path:
    """A workspace with the test statements, the shared term sets and `rules`."""
    for sid, text in STATEMENTS.items():
        write(root / "commitments" / f"{sid}.yaml", text)
    write(root / "rules" / "terms.yaml", terms)
    write(root / "rules" / "rules.yaml", rules)
    (root / "feeds").mkdir(parents=True, exist_ok=True)
    return root


def statements_of(root: Path) -> list[Statement]:
    statements, problems = load_statements(root / "commitments")
    assert not problems, problems
    return statements


def load(tmp_path: Path, rules: str) -> tuple[list[Rule], list[Problem]]:
    root = make_workspace(tmp_path / "ws", rules)
    return load_rules(root / "rules", statements_of(root))


def problems_of(tmp_path: Path, rules: str) -> list[str]:
    _rules, problems = load(tmp_path, rules)
    return [str(p) for p in problems]


VALID = """\
    rules:
      - id: infosec
        description: Information security cooperation.
        targets: {commitments: [demo/1], tags: [media-cooperation]}
        fields: [title, summary]
        all: [$china, $russia]
        any:
          en: [cybersecurity, cyber security, cooperation]
          ru: [кибербезопасност*]
        phrases:
          en: [information security cooperation]
          zh: [信息安全合作]
        none: [hacker*, 黑客]
        dates: {window: true, after: 1 March 2017, within: 2 years, mentioned: true}
        weight: 1.5
        relation: context
        min_score: 3
    """


# ---------------------------------------------------------------- a valid rule


def test_valid_rule_loads_every_field(tmp_path: Path) -> None:
    rules, problems = load(tmp_path, VALID)
    assert problems == []
    [rule] = rules
    assert rule.id == "infosec"
    assert rule.targets == ("demo/1", "demo/2")  # commitments, then tags
    assert rule.fields == ("title", "summary")
    assert [g.name for g in rule.all] == ["china", "russia"]
    assert {t.norm for t in rule.all[1].terms} == {
        "russia",
        "russian",
        "moscow",
        "俄罗斯",
        "中俄",
        "росси",
        "москв",
    }
    assert rule.any is not None and rule.phrases is not None and rule.none is not None
    [ru_term] = [t for t in rule.any.terms if t.lang == "ru"]
    assert ru_term.prefix and ru_term.norm == "кибербезопасност"
    assert [t for t in rule.any.terms if t.generic] == [t for t in rule.any.terms if t.norm == "cooperation"]
    assert all(t.phrase for t in rule.phrases.terms)
    assert rule.dates is not None
    assert rule.dates.window and rule.dates.mentioned
    assert rule.dates.after == date(2017, 3, 1)
    assert rule.dates.within == timedelta(days=730)
    assert (rule.weight, rule.relation, rule.min_score) == (1.5, "context", 3.0)
    assert rule.origin is not None and rule.origin.line == 2


def test_statement_target_expands_to_its_commitments(tmp_path: Path) -> None:
    rules, problems = load(
        tmp_path,
        """\
        rules:
          - id: all-demo
            targets: {statements: [demo]}
            all: [$china, $russia]
            phrases: [media year]
        """,
    )
    assert problems == []
    assert rules[0].targets == ("demo/1", "demo/2")


@pytest.mark.parametrize(
    ("written", "norm", "prefix", "cjk"),
    [
        ("Российск*", "российск", True, False),
        ("cyber-security", "cyber security", False, False),
        ("ЁЛКА", "елка", False, False),
        ("ＣＨＩＮＡ", "china", False, False),
        ("  information   security ", "information security", False, False),
        ("信息安全", "信息安全", False, True),
        ("Straße", "strasse", False, False),
        ("виртуальн* реальност*", "виртуальн* реальност", True, False),
    ],
)
def test_terms_are_normalised_like_articles(written: str, norm: str, prefix: bool, cjk: bool) -> None:
    term = make_term(written)
    assert (term.norm, term.prefix, term.cjk) == (norm, prefix, cjk)
    if "*" not in written:
        assert normalise(written).strip() == norm


@pytest.mark.parametrize(
    ("norm", "prefix", "generic"),
    [
        ("cooperation", False, True),
        ("co operation", False, True),  # co-operation, normalised
        ("strengthen", False, True),
        ("ensure", False, True),
        ("promote", False, True),
        ("information security cooperation", False, False),
        ("сотрудничества", False, True),  # an inflected form of a listed stem
        ("укрепля", True, True),  # a prefix inside a listed stem
        ("сотруд", True, True),
        ("кибербезопасност", True, False),
        ("加强", False, True),
        ("信息安全", False, False),
        ("russia", False, False),
    ],
)
def test_stop_list(norm: str, prefix: bool, generic: bool) -> None:
    assert is_generic(norm, prefix=prefix) is generic


# ---------------------------------------------------------------- problems, each with file:line and field


def rule_with(extra: str, *, targets: str = "{commitments: [demo/1]}", evidence: str = "") -> str:
    evidence = evidence or "    phrases: [information security cooperation]\n"
    return "rules:\n  - id: r1\n    targets: " + targets + "\n    all: [$china, $russia]\n" + evidence + extra


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (rule_with("    colour: red\n"), "rules.yaml:6: rules[0].colour: unknown key"),
        (
            "rules:\n  - id: r1\n    phrases: [a b]\n",
            "rules.yaml:2: rules[0].targets: missing required field",
        ),
        (
            rule_with("", targets="{commitments: [demo/9]}"),
            "rules.yaml:3: rules[0].targets.commitments: unknown commitment 'demo/9'",
        ),
        (
            rule_with("", targets="{statements: [nope]}"),
            "rules.yaml:3: rules[0].targets.statements: unknown statement 'nope'",
        ),
        (
            rule_with("", targets="{tags: [no-such-tag]}"),
            "rules.yaml:3: rules[0].targets.tags: no commitment has the tag 'no-such-tag'",
        ),
        (
            rule_with("", targets="{}"),
            "rules[0].targets: expected at least one of: commitments, statements, tags",
        ),
        (
            "rules:\n  - id: r1\n    targets: {commitments: [demo/1]}\n    all: [$china, $russia]\n",
            "rules.yaml:2: rules[0].any: a rule needs evidence",
        ),
        (
            rule_with("", evidence="    any: [cooperation]\n"),
            "rules.yaml:5: rules[0].any: only generic words (cooperation): they never count alone",
        ),
        (
            rule_with("", evidence="    any:\n      en: [strengthen, ensure]\n      ru: [сотрудничеств*]\n"),
            "rules.yaml:5: rules[0].any: only generic words (strengthen, ensure, сотрудничеств*)",
        ),
        (
            rule_with("", evidence="    phrases: [security]\n"),
            "rules.yaml:5: rules[0].phrases[0]: 'security': a phrase has at least two words",
        ),
        (
            rule_with("", evidence="    any: [cyber*security, internet]\n"),
            "rules.yaml:5: rules[0].any[0]: 'cyber*security': a * may only end a word",
        ),
        (
            rule_with("", evidence="    any: [信息*, internet]\n"),
            "rules[0].any[0]: '信息*': Chinese and Japanese terms match as substrings already; drop the *",
        ),
        (
            rule_with("", evidence="    any: [ab*, internet]\n"),
            "rules[0].any[0]: 'ab*': at least 3 characters before each *",
        ),
        (
            rule_with("", evidence="    any: [internet]\n"),
            "rules.yaml:2: rules[0].min_score: can never link: all its evidence together scores 1, below",
        ),
        (
            rule_with("    relation: causes\n"),
            "rules.yaml:6: rules[0].relation: expected one of supports, contradicts, context",
        ),
        (rule_with("    weight: 0\n"), "rules.yaml:6: rules[0].weight: expected a number above 0, got 0"),
        (rule_with("    fields: [body]\n"), "rules.yaml:6: rules[0].fields: unknown field 'body'"),
        (
            rule_with("    dates: {after: '2017'}\n"),
            "rules[0].dates.after: expected a date such as 2017-03-01",
        ),
        (
            rule_with("    dates: {after: 2 years ago}\n"),
            "rules[0].dates.after: '2 years ago' is relative or incomplete",
        ),
        (
            rule_with("    dates: {after: 2018-01-01, before: 2017-01-01}\n"),
            "rules[0].dates.before: 2017-01-01 is before `after` 2018-01-01",
        ),
        (
            rule_with("    dates: {mentioned: true}\n"),
            "rules.yaml:6: rules[0].dates: expected at least one bound",
        ),
        (
            rule_with("    dates: {within: 2 years}\n", targets="{commitments: [nodate/1]}"),
            "rules.yaml:6: rules[0].dates: nodate/1: the statement date is `not stated`",
        ),
        (
            rule_with("    dates: {window: true}\n", targets="{commitments: [nodate/1]}"),
            "rules.yaml:6: rules[0].dates: nodate/1 has no monitoring window",
        ),
        (
            rule_with("    dates: {within: soon}\n"),
            "rules.yaml:6: rules[0].dates.within: expected a duration",
        ),
        (
            rule_with("", evidence="    any: [$nope, internet]\n"),
            "rules.yaml:5: rules[0].any[0]: unknown term set '$nope'",
        ),
        (
            rule_with("", evidence="    any: {english: [a b]}\n"),
            "rules[0].any.english: expected a two-letter language code",
        ),
        (
            "rules:\n  - id: Bad_Id\n    targets: {commitments: [demo/1]}\n    phrases: [a b]\n",
            "rules[0].id: 'Bad_Id' does not match",
        ),
    ],
)
def test_each_problem_names_file_line_and_field(tmp_path: Path, text: str, expected: str) -> None:
    problems = problems_of(tmp_path, text)
    assert any(expected in p for p in problems), problems


def test_human_dates_in_three_languages(tmp_path: Path) -> None:
    for written in ("1 March 2017", "1 марта 2017", "2017年3月1日", "2017-03-01"):
        rules, problems = load(
            tmp_path / written.replace(" ", "_"), rule_with(f"    dates: {{after: '{written}'}}\n")
        )
        assert problems == [] and rules[0].dates is not None
        assert rules[0].dates.after == date(2017, 3, 1), written


def test_a_broken_rule_does_not_stop_the_others(tmp_path: Path) -> None:
    text = rule_with("    colour: red\n") + (
        "  - id: r2\n    targets: {commitments: [demo/1]}\n    all: [$china]\n    phrases: [media year]\n"
    )
    rules, problems = load(tmp_path, text)
    assert [r.id for r in rules] == ["r2"]
    assert len(problems) == 1


def test_a_broken_file_does_not_stop_the_other_files(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", rule_with(""))
    write(root / "rules" / "broken.yaml", "rules: [\n  - id: x\n")
    rules, problems = load_rules(root / "rules", statements_of(root))
    assert [r.id for r in rules] == ["r1"]
    assert [p.file.name for p in problems] == ["broken.yaml"]
    assert "invalid YAML" in str(problems[0])


def test_ids_and_term_sets_are_unique_across_files(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", rule_with(""))
    more = textwrap.dedent(TERMS).replace("china:", "china2:") + rule_with("")
    write(root / "rules" / "zz-more.yaml", more)
    lines = more.splitlines()
    russia_line = lines.index("  russia:") + 1
    id_line = lines.index("  - id: r1") + 1
    rules, problems = load_rules(root / "rules", statements_of(root))
    text = "\n".join(map(str, problems))
    assert f"zz-more.yaml:{russia_line}: terms.russia: term set 'russia' is already defined at" in text
    assert f"zz-more.yaml:{id_line}: rules[0].id: duplicate rule id 'r1' (also at" in text
    assert [r.id for r in rules] == ["r1"]


def test_strict_loading_raises_with_every_problem(tmp_path: Path) -> None:
    root = make_workspace(tmp_path / "ws", rule_with("    colour: red\n    weight: -1\n"))
    with pytest.raises(RecordError) as info:
        load_rules_strict(root / "rules", statements_of(root))
    assert len(info.value.problems) == 2


def test_term_errors_say_what_to_write() -> None:
    with pytest.raises(TermError, match="put single words under `any`"):
        make_term("security", phrase=True)
    assert make_term("информационной безопасност*", phrase=True).prefix


# ---------------------------------------------------------------- the bundled rules


def test_bundled_rules_load_and_cover_every_seed_commitment() -> None:
    statements, _ = load_statements(REPO / "commitments")
    if not statements:
        pytest.skip("no commitments in the repository yet")
    rules, problems = load_rules(REPO / "rules", statements)
    assert problems == [], "\n".join(map(str, problems))
    targeted = {cid for rule in rules for cid in rule.targets}
    every = {c.id for s in statements for c in s.commitments}
    assert every - targeted == set(), "commitments without a rule"


def test_bundled_rules_never_rest_on_a_single_generic_word() -> None:
    statements, _ = load_statements(REPO / "commitments")
    rules, _ = load_rules(REPO / "rules", statements)
    for rule in rules:
        evidence = [t for g in (rule.any, rule.phrases) if g for t in g.terms]
        assert any(not t.generic for t in evidence), rule.id
        assert rule.min_score >= 2, f"{rule.id}: two profile terms or one exact phrase"
