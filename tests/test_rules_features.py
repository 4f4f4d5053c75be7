"""The rule features real text needs: scope, morphology, Chinese scripts, the act's date,
the source meeting, and actors anywhere with the act in scope. English, Russian, Chinese.

Pure: no database (the end-to-end path through `tracker match` and `tracker explain` is in
tests/test_cli_rules_features.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.test_rules_matcher import BASE, article, build, linked
from tracker.rules.model import make_term
from tracker.rules.stems import key_of, stem
from tracker.rules.textprep import normalise


def rule(tmp_path: Path, body: str):
    return build(tmp_path, BASE + body)


# ---------------------------------------------------------------- scope


@pytest.mark.parametrize(
    ("together", "apart"),
    [
        (
            "China and Russia signed a cybersecurity memorandum. Markets rose.",
            "China signed a cybersecurity memorandum with Brazil. Russia, as Moscow said, was not present.",
        ),
        (
            "Россия и Китай подписали меморандум о кибербезопасности. Рынки выросли.",
            "Китай подписал меморандум о кибербезопасности с Бразилией. "
            "Россия, как сказали в Москве, не участвовала.",
        ),
        (
            "中俄签署网络安全备忘录。股市上涨。",
            "中国与巴西签署网络安全备忘录。另据报道，俄罗斯经济增长。",
        ),
    ],
)
def test_sentence_scope_needs_the_actors_and_the_act_in_one_sentence(
    tmp_path: Path, together: str, apart: str
) -> None:
    body = (
        "    scope: sentence\n    all: [$china, $russia]\n"
        "    any: [memorandum, cybersecurity, меморандум, кибербезопасност*, 备忘录, 网络安全]\n"
    )
    m = rule(tmp_path, body)
    assert linked(m, "News", together) == {("r1", "demo/1")}
    assert linked(m, "News", apart) == set()
    # Without a scope, the article as a whole holds every condition.
    loose = build(tmp_path / "loose", BASE + body.replace("    scope: sentence\n", ""))
    assert linked(loose, "News", apart) == {("r1", "demo/1")}


def test_near_counts_words_and_chinese_characters_in_pairs(tmp_path: Path) -> None:
    m = rule(
        tmp_path,
        "    scope: {near: 6}\n    all: [$china, $russia]\n    any: [memorandum, signed, 签署, 备忘录]\n",
    )
    assert linked(m, "China and Russia signed a memorandum") == {("r1", "demo/1")}
    far = "China " + "and then " * 10 + "Russia signed a memorandum"
    assert linked(m, far) == set()
    assert linked(m, "中俄签署备忘录") == {("r1", "demo/1")}
    assert linked(m, "中国" + "经济发展迅速" * 4 + "俄罗斯签署备忘录") == set()


def test_the_explanation_quotes_where_the_scope_held(tmp_path: Path) -> None:
    m = rule(tmp_path, "    scope: sentence\n    all: [$china, $russia]\n    any: [memorandum, signed]\n")
    [explanation] = m.explain(article("Weather. China and Russia signed a memorandum. Sports."))
    scope = next(c for c in explanation.conditions if c.condition == "scope")
    assert scope.held and "china and russia signed a memorandum" in scope.detail


def test_anywhere_groups_are_outside_the_scope(tmp_path: Path) -> None:
    body = (
        "    scope: sentence\n    anywhere: [$china, $russia]\n"
        "    all: [[both sides, 双方, стороны]]\n"
        "    any: [memorandum, signed, 签署, 备忘录, подписали, меморандум]\n"
    )
    m = rule(tmp_path, body)
    assert linked(
        m, "Xi met Putin in Beijing", "Chinese and Russian leaders talked. Both sides signed a memorandum."
    ) == {("r1", "demo/1")}
    assert linked(m, "中国同俄罗斯会谈", "双方签署备忘录。") == {("r1", "demo/1")}
    assert linked(m, "Россия и Китай провели переговоры", "Стороны подписали меморандум.") == {
        ("r1", "demo/1")
    }
    assert linked(m, "Xi met Lula", "Both sides signed a memorandum.") == set()  # Russia nowhere


def test_scope_is_validated(tmp_path: Path) -> None:
    from tests.test_rules_model import make_workspace, statements_of
    from tracker.rules import load_rules

    root = make_workspace(tmp_path / "ws", BASE + "    scope: paragraph\n    phrases: [media forum]\n")
    _rules, problems = load_rules(root / "rules", statements_of(root))
    assert any("scope: expected sentence, article or {near: N}" in str(p) for p in problems)


# ---------------------------------------------------------------- none in the scope


@pytest.mark.parametrize(
    ("kept", "excluded"),
    [
        (
            "China and Russia signed a media memorandum. The ambassador reported on other matters.",
            "China and Russia reported that a media memorandum was signed.",
        ),
        (
            "Россия и Китай подписали меморандум о СМИ. Посол сообщил и о другом.",
            "Россия и Китай сообщили, что подписали меморандум о СМИ.",
        ),
        ("中俄签署媒体备忘录。另据报道,天气晴朗。", "据报道,中俄签署媒体备忘录。"),
    ],
)
def test_none_in_scope_excludes_only_where_the_conditions_meet(
    tmp_path: Path, kept: str, excluded: str
) -> None:
    terms = "[memorandum, signed, меморандум, подписали, 备忘录, 签署]"
    stop = "[reported, сообщили, 据报道]"
    body = f"    scope: sentence\n    all: [$china, $russia]\n    any: {terms}\n    none_in_scope: {stop}\n"
    m = rule(tmp_path, body)
    assert linked(m, "News", kept) == {("r1", "demo/1")}
    assert linked(m, "News", excluded) == set()
    # The same terms under `none` exclude the article wherever they are.
    strict = build(tmp_path / "strict", BASE + body.replace("none_in_scope", "none"))
    assert linked(strict, "News", kept) == set()


def test_none_in_scope_is_explained_and_needs_a_scope(tmp_path: Path) -> None:
    from tests.test_rules_model import make_workspace, statements_of
    from tracker.rules import load_rules

    body = "    scope: sentence\n    all: [$china, $russia]\n    any: [memorandum, signed]\n"
    m = rule(tmp_path, body + "    none_in_scope: [reported]\n")
    [explanation] = m.explain(article("China and Russia reported that a memorandum was signed."))
    scope = next(c for c in explanation.conditions if c.condition == "scope")
    assert not scope.held and "without reported (none_in_scope)" in scope.detail
    assert not explanation.linked
    unscoped = BASE + "    phrases: [media forum]\n    none_in_scope: [reported]\n"
    root = make_workspace(tmp_path / "ws2", unscoped)
    _rules, problems = load_rules(root / "rules", statements_of(root))
    assert any("none_in_scope" in str(p) and "needs a scope" in str(p) for p in problems)


# ---------------------------------------------------------------- gates in the title


@pytest.mark.parametrize(
    ("about", "aside"),
    [
        (
            ("Media Exchange Year closes in Moscow", "China and Russia held 400 joint media events."),
            (
                "Documentary premieres in Moscow",
                "China and Russia held 400 joint media events, a Media Exchange Year project.",
            ),
        ),
        (
            ("Годы обменов СМИ завершены", "Россия и Китай провели 400 совместных мероприятий СМИ."),
            (
                "Премьера фильма в Москве",
                "Россия и Китай провели 400 совместных мероприятий СМИ в рамках Годов обменов СМИ.",
            ),
        ),
        (
            ("中俄媒体交流年圆满落幕", "中俄两国媒体共同举办400项活动。"),
            ("纪录片在莫斯科开播", "中俄两国媒体共同举办400项活动,是媒体交流年项目。"),
        ),
    ],
)
def test_in_title_gates_hold_only_in_the_title(
    tmp_path: Path, about: tuple[str, str], aside: tuple[str, str]
) -> None:
    body = (
        "    all: [$china, $russia]\n"
        "    in_title: [[media exchange year, годы обменов сми, 媒体交流年]]\n"
        "    phrases: [joint media events, совместных мероприятий, 共同举办]\n"
    )
    m = rule(tmp_path, body)
    assert linked(m, *about) == {("r1", "demo/1")}
    assert linked(m, *aside) == set()
    [explanation] = m.explain(article(*aside))
    gate = next(c for c in explanation.conditions if c.condition == "in_title[0]")
    assert not gate.held and "(in the title)" in gate.detail and "none found there" in gate.detail


# ---------------------------------------------------------------- pinyin inserted by mirror sites


def test_pinyin_after_chinese_characters_is_dropped_before_matching(tmp_path: Path) -> None:
    m = rule(tmp_path, "    all: [$china, $russia]\n    phrases: [媒体合作]\n")
    assert linked(m, "中俄媒体(méitǐ)合作(hézuò)迈上新台阶") == {("r1", "demo/1")}
    # Traditional characters, full-width parentheses, capitals, several syllables.
    assert linked(m, "中國(Zhōngguó)與俄羅斯（Éluósī）媒體合作") == {("r1", "demo/1")}
    [explanation] = m.explain(article("中俄媒体(méitǐ)合作(hézuò)迈上新台阶"))
    phrase = next(c for c in explanation.conditions if c.condition == "phrases")
    assert phrase.hits[0].text.startswith("媒体(méitǐ)合作")  # quoted from the original text


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("中国(CGTN)与俄罗斯(2016)", "中国(cgtn)与俄罗斯(2016)"),  # no tone mark: not pinyin
        ("China (Zhōngguó) and Russia", "china (zhōngguó) and russia"),  # after a Latin word
        ("Китай (Zhōngguó) и Россия", "китай (zhōngguó) и россия"),  # after a Cyrillic word
    ],
)
def test_only_pinyin_right_after_chinese_characters_is_dropped(text: str, kept: str) -> None:
    assert normalise(text) == kept


# ---------------------------------------------------------------- morphology


@pytest.mark.parametrize(
    ("term", "text", "expected"),
    [
        ("соглашение", "стороны подписали соглашения", True),
        ("соглашение", "в соглашении сказано", True),
        ("соглашение", "соглашениями", True),
        ("обмен контентом", "об обмене контентом", True),
        ("агентство", "агентствами", True),
        ("media", "the mediation failed", False),  # same key, another stem
        ("journalist", "two journalists", True),
        ("daily", "China Daily's dailies", True),  # Snowball's "daili": found by its key "dail"
        ("хакер", "хакерами", True),
        ("сми", "смирение", False),  # short words stay exact
    ],
)
def test_russian_and_english_terms_match_their_inflected_forms(
    tmp_path: Path, term: str, text: str, expected: bool
) -> None:
    m = rule(tmp_path, f"    any: [{term}]\n    weight: 2\n")
    assert bool(linked(m, text)) is expected


def test_stems_come_from_snowball() -> None:
    assert stem("соглашения") == stem("соглашение") == "соглашен"
    assert stem("agreements") == "agreement"
    assert key_of("daily") == "dail"
    assert make_term("обмен контентом").stems == ("обм", "контент")
    assert make_term("медиафорум*").stems == ()  # a hand-made prefix is not stemmed
    assert make_term("内容交换").stems == ()


# ---------------------------------------------------------------- Chinese scripts


def test_traditional_chinese_matches_rules_in_simplified_and_the_reverse(tmp_path: Path) -> None:
    m = rule(tmp_path, "    phrases: [媒体论坛, 網絡安全合作]\n")
    assert linked(m, "第三屆中俄媒體論壇在莫斯科舉行") == {("r1", "demo/1")}  # traditional text
    assert linked(m, "中俄网络安全合作") == {("r1", "demo/1")}  # traditional term
    assert normalise("新華社") == normalise("新华社")


def test_belarus_does_not_hold_russia(tmp_path: Path) -> None:
    m = rule(tmp_path, "    all: [$russia]\n    phrases: [媒体论坛]\n")
    assert linked(m, "俄罗斯媒体论坛") == {("r1", "demo/1")}
    assert linked(m, "白俄罗斯媒体论坛") == set()
    assert linked(m, "白俄羅斯媒體論壇") == set()
    [explanation] = m.explain(article("白俄罗斯与俄罗斯媒体论坛"))
    assert explanation.linked  # Russia named on its own still counts, and is quoted right
    hit = next(h for c in explanation.conditions if c.condition == "all[0]" for h in c.hits)
    assert hit.text == "俄罗斯"


# ---------------------------------------------------------------- the act's date


@pytest.mark.parametrize(
    ("title", "summary", "published", "expected"),
    [
        # Undated, but the text dates the act before the statement (2016-06-25).
        (
            "China and Russia sign information security agreement",
            "Signed in Moscow on 8 May 2015.",
            None,
            False,
        ),
        (
            "Китай и Россия подписали соглашение об информационной безопасности",
            "Документ подписан в 2015 году.",
            None,
            False,
        ),
        ("中俄签署信息安全协议", "双方于2015年5月8日在莫斯科签署协议。", None, False),
        # Undated; a decade recalled ("in the 1980s", "в 1980-х", "1980年代") dates no act.
        (
            "China and Russia sign information security agreement",
            "Their cooperation began in the 1980s.",
            None,
            True,
        ),
        (
            "Китай и Россия подписали соглашение об информационной безопасности",
            "Сотрудничество началось еще в 1980-х.",
            None,
            True,
        ),
        ("中俄签署信息安全协议", "两国合作始于1980年代。", None, True),
        # Undated, the text dates the act after it.
        (
            "China and Russia sign information security agreement",
            "Signed in Moscow on 4 July 2017.",
            None,
            True,
        ),
        ("中俄签署信息安全协议", "双方于2019年6月5日在莫斯科签署协议。", None, True),
        # Dated after, but the lede dates the act before: an earlier act recalled.
        (
            "China and Russia sign information security agreement",
            "The agreement signed on 8 May 2015 in Moscow was published today.",
            datetime(2019, 3, 1, tzinfo=UTC),
            False,
        ),
        # Dated after; the lede recalls an earlier decision but also names the later years
        # it led to: the act may be one of those years'.
        (
            "China and Russia sign information security agreement",
            "In May 2015 the leaders agreed to hold joint years in 2016 and 2017; the agreement crowns them.",
            datetime(2017, 7, 2, tzinfo=UTC),
            True,
        ),
        (
            "Китай и Россия подписали соглашение об информационной безопасности",
            "В мае 2015 года лидеры решили провести в 2017 году перекрестные годы; соглашение подписано.",
            datetime(2017, 7, 2, tzinfo=UTC),
            True,
        ),
        (
            "中俄签署信息安全协议",
            "2015年5月,两国领导人商定把2016年和2017年定为交流年,双方签署信息安全协议。",
            datetime(2017, 7, 2, tzinfo=UTC),
            True,
        ),
        # Dated after; history further down does not date the act.
        (
            "China and Russia sign information security agreement",
            "The two sides signed it today. " + "Background. " * 40 + "Relations began on 2 October 1949.",
            datetime(2019, 3, 1, tzinfo=UTC),
            True,
        ),
    ],
)
def test_the_act_is_judged_by_its_own_date(
    tmp_path: Path, title: str, summary: str, published: datetime | None, expected: bool
) -> None:
    m = rule(
        tmp_path,
        "    phrases: [information security agreement, соглашение об информационной безопасности,"
        " 信息安全协议]\n"
        "    dates: {window: true}\n",
    )
    assert bool(linked(m, title, summary, published=published)) is expected


def test_the_explanation_says_which_date_counted(tmp_path: Path) -> None:
    m = rule(tmp_path, "    phrases: [information security agreement]\n")
    [explanation] = m.explain(
        article(
            "China and Russia sign information security agreement", "Signed on 8 May 2015.", published=None
        )
    )
    act = next(c for c in explanation.conditions if c.condition == "act")
    assert not act.held and "2015" in act.detail and "before the commitment (2016-06-25)" in act.detail


@pytest.mark.parametrize(
    ("inside", "nothing"),
    [
        ("Joint media year events were held in 2017.", "Joint media year events were held."),
        ("Совместные мероприятия года СМИ прошли в 2017 году.", "Совместные мероприятия года СМИ прошли."),
        ("2017年两国举办媒体年联合活动。", "两国举办媒体年联合活动。"),
    ],
)
def test_a_closed_window_needs_a_date_or_year_from_an_undated_item(
    tmp_path: Path, inside: str, nothing: str
) -> None:
    """demo/2's window closed on 2017-12-31: an undated item that writes a year inside it is
    placed there; one with no date at all cannot be, and is not linked."""
    m = build(
        tmp_path,
        BASE.replace("demo/1]", "demo/2]")
        + "    phrases: [media year, года сми, 媒体年联合]\n    dates: {window: true}\n",
    )
    assert linked(m, "News", inside, published=None) == {("r1", "demo/2")}
    assert linked(m, "News", nothing, published=None) == set()
    [explanation] = m.explain(article("News", nothing, published=None))
    dates = next(c for c in explanation.conditions if c.condition == "dates")
    assert not dates.held and "closed on 2017-12-31" in dates.detail


# ---------------------------------------------------------------- the source meeting


def test_a_report_of_the_meeting_that_made_the_commitment_is_not_its_follow_up(tmp_path: Path) -> None:
    m = rule(tmp_path, "    phrases: [information security agreement]\n")
    during = datetime(2016, 6, 26, tzinfo=UTC)
    assert linked(m, "Leaders adopt information security agreement", published=during) == set()
    weeks_later = datetime(2016, 7, 20, tzinfo=UTC)
    assert (
        linked(
            m, "Information security agreement", "Adopted on 25 June 2016 in Beijing.", published=weeks_later
        )
        == set()
    )
    assert linked(
        m, "Information security agreement implemented", published=datetime(2017, 7, 20, tzinfo=UTC)
    ) == {("r1", "demo/1")}


@pytest.mark.parametrize(
    ("meeting_day", "later_day"),
    [
        ("Adopted in Beijing on 25 June.", "Signed in Moscow on 4 July."),
        ("Принято в Пекине 25 июня.", "Подписано в Москве 4 июля."),
        ("6月25日在北京通过。", "7月4日在莫斯科签署。"),
    ],
)
def test_an_undated_report_naming_the_meetings_day_is_the_meeting(
    tmp_path: Path, meeting_day: str, later_day: str
) -> None:
    """No year anywhere: the statement's own day and month (25 June 2016) make the item a
    report of the meeting; another day leaves it undated, and linked."""
    m = rule(tmp_path, "    phrases: [information security agreement]\n")
    title = "China and Russia information security agreement"
    assert linked(m, title, meeting_day, published=None) == set()
    assert linked(m, title, later_day, published=None) == {("r1", "demo/1")}
    [explanation] = m.explain(article(title, meeting_day, published=None))
    act = next(c for c in explanation.conditions if c.condition == "act")
    assert not act.held and "names the day of the meeting" in act.detail


def test_the_commitments_own_text_is_not_news_about_it() -> None:
    """The bundled record's own wording, republished later, is the commitment, not a follow-up."""
    from tests.conftest import REPO
    from tracker.core import Tracker, Workspace

    tracker = Tracker(Workspace.locate(str(REPO)))
    commitment = tracker.records.commitment("cn-ru-2016-internet-media-forum/2")
    own = article(
        "China-Russia internet media consensus",
        commitment.text["en"],
        published=datetime(2019, 1, 1, tzinfo=UTC),
    )
    explanations = tracker.matcher.explain(own, commitment.id)
    assert explanations and not any(e.linked for e in explanations)
    acts = [c for e in explanations for c in e.conditions if c.condition == "act"]
    assert any("the commitment's own wording" in c.detail for c in acts)
