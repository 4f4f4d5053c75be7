"""Dates in English, Chinese and Russian forms, and the statement's date and place."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.extract.boilerplate import Page, cut_page
from tracker.extract.dates import find_dates, parse_date
from tracker.extract.facts import find_date, find_place, find_title
from tracker.extract.text import split_paragraphs

JUNE_25 = date(2016, 6, 25)


@pytest.mark.parametrize(
    ("text", "printed", "lang"),
    [
        # English
        ("Beijing, 25 June 2016", "25 June 2016", "en"),
        ("June 25, 2016", "June 25, 2016", "en"),
        ("signed on 25th June 2016.", "25th June 2016", "en"),
        ("Jun. 25, 2016", "Jun. 25, 2016", "en"),
        ("the 25th of June 2016", "25th of June 2016", "en"),
        ("China.org.cn 2016-06-25", "2016-06-25", "en"),
        # Chinese
        ("2016年6月25日", "2016年6月25日", "zh"),
        ("于2016 年 6 月 25 日在北京", "2016 年 6 月 25 日", "zh"),
        ("二○一六年六月二十五日", "二○一六年六月二十五日", "zh"),
        ("二〇一六年六月二十五日于北京", "二〇一六年六月二十五日", "zh"),
        # Russian
        ("25 июня 2016 г.", "25 июня 2016 г.", "ru"),
        ("Москва, 25 июня 2016 года", "25 июня 2016 года", "ru"),
        ("подписано 25 июня 2016 г в Пекине", "25 июня 2016 г", "ru"),
    ],
)
def test_full_dates(text: str, printed: str, lang: str) -> None:
    (found,) = find_dates(text)
    assert (found.text, found.lang, found.value) == (printed, lang, JUNE_25)


@pytest.mark.parametrize(
    ("text", "printed", "month", "day"),
    [
        ("On April 1, a joint webinar was organized", "April 1", 4, 1),
        ("China Net Guangzhou, November 26, as", "November 26", 11, 26),
        ("8 May the presidents met", "8 May", 5, 8),
        ("6月25日,国家主席习近平在北京", "6月25日", 6, 25),
        ("六月二十五日会谈", "六月二十五日", 6, 25),
        ("1 апреля состоялся вебинар", "1 апреля", 4, 1),
    ],
)
def test_dates_without_a_year_are_not_given_one(text: str, printed: str, month: int, day: int) -> None:
    (found,) = find_dates(text)
    assert (found.text, found.value, found.month, found.day) == (printed, None, month, day)


@pytest.mark.parametrize(
    "text",
    [
        "Year of China-Russia Media Communication 2016-2017",
        "10 fields",
        "8 trillion rubles",
        "May 2015",
    ],
)
def test_no_false_dates(text: str) -> None:
    assert find_dates(text) == []


def test_parse_date_completes_a_partial_date_with_a_given_year() -> None:
    assert parse_date("November 25", "en", year=2021) == date(2021, 11, 25)
    assert parse_date("11月25日", "zh", year=2021) == date(2021, 11, 25)
    assert parse_date("25 ноября", "ru", year=2021) == date(2021, 11, 25)


def _page(text: str) -> Page:
    return cut_page(split_paragraphs(text))


LONG = "The two sides will continue to strengthen their cooperation in every field of common interest."


@pytest.mark.parametrize(
    ("signature", "place"),
    [
        ("June 25, 2016\nBeijing", "Beijing"),
        ("Beijing, 25 June 2016", "Beijing"),
        ("二○一六年六月二十五日\n于北京", "Beijing"),
        ("25 июня 2016 г.\nМосква", "Moscow"),
        ("Москва, 25 июня 2016 г.", "Moscow"),
        ("October 29, 2016\n\nGuangzhou, China", "Guangzhou, China"),
    ],
)
def test_signature_block_gives_date_and_place(signature: str, place: str) -> None:
    page = _page(f"Joint Statement\n\n{LONG}\n\nPresident A\nPresident B\n{signature}\n")
    when = find_date(page, find_title(page))
    assert when.value == (date(2016, 10, 29) if "October" in signature else JUNE_25)
    assert find_place(page, when) == place


def test_event_sentence_date_takes_its_year_from_the_title() -> None:
    page = _page(
        "2021 China Internet Media Forum held\n\n"
        "China Net Guangzhou, November 26, the opening ceremony of the forum will be held in "
        "Guangzhou on November 25. Officials attended.\n"
    )
    when = find_date(page, find_title(page))
    assert when.value == date(2021, 11, 25)
    assert "year 2021 from the title" in " ".join(when.notes)
    assert find_place(page, when) == "Guangzhou"


def test_date_without_year_anywhere_is_not_stated() -> None:
    page = _page(
        "Russia and China: hand in hand\n\n"
        "On April 1, a joint webinar was organized by the Civic Chamber and the Council on the "
        "digital economy.\n"
    )
    when = find_date(page, find_title(page))
    assert when.value is None
    assert "without a year" in " ".join(when.notes)
    assert find_place(page, when) == "online"


def test_no_place_is_guessed_from_an_ordinary_sentence() -> None:
    page = _page(f"Joint Statement\n\n{LONG}\n")
    assert find_place(page, find_date(page, find_title(page))) is None


def test_a_dateline_under_the_title_gives_date_and_place() -> None:
    from tracker.extract import extract_statement

    text = (
        "Joint Statement of Russia and China on Media Cooperation\n\nMoscow, 16 May 2024\n\n"
        "1. The two sides will hold annual consultations of their media regulators.\n"
    )
    statement = extract_statement(text, statement_id="demo")["statement"]
    assert str(statement["date"]) == "2024-05-16"
    assert statement["place"] == "Moscow"
