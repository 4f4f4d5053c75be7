"""Sentences, and which of them promise something.

A commitment outside a numbered list is recognised by its verb: the undertaking
("will", "shall", "agree to", "将", "愿", "будем", "договорились") or the stated
position ("advocate", "support", "主张", "выступают за"). Word lists, not a parser:
the drafts are reviewed by an analyst, so missing a promise costs more than proposing
one too many.
"""

from __future__ import annotations

import re

# English undertakings and positions, including the past tense used in translations
# ("supported", "advocated") and the soft obligations of forum reports ("should").
_EN_UNDERTAKING = re.compile(
    r"\b(will|shall|agree[sd]? (to|on|that)|agreed|advocat(e|es|ed|ing)|support(s|ed|ing)?|"
    r"should|must|ought to|(is|are) supposed to|commit(s|ted)? to|pledge[sd]?|undertake[sd]?|"
    r"intend(s|ed)? to|wish(es)? to|(hope|hopes|hoped) to|(are|is|be) ready to|"
    r"(are|is) determined to|decided to|continue to|call(s|ed)? (for|on)|propose[sd]?|"
    r"offer(s|ed)?|invite[sd]?|count on|let us|let's|stand(s)? for|oppose[sd]?|uphold(s)?|"
    r"strive|(need|needs) to|(is|are) necessary to|jointly)\b",
    re.I,
)
_ZH_UNDERTAKING = re.compile(
    r"将(?!来)|愿(?!景)|同意|主张|倡导|倡议|支持|反对|致力于|承诺|决定|商定|应当|理应|必须|继续|恪守|共同"
)
_RU_UNDERTAKING = re.compile(
    r"(?i)\b(буд(ем|ут|ет)|договорил(ись|и)|выступа(ют|ем) за|поддержива(ют|ем|ть)|"
    r"намерен[ыа]?|готов[ыа]?|согласил(ись|и)|обязу(ются|емся)|продолж(ат|им)|"
    r"долж(ны|на|ен)|призыва(ют|ем)|предлага(ют|ем)|подтвержда(ют|ем))\b"
)
_UNDERTAKING = {"en": _EN_UNDERTAKING, "zh": _ZH_UNDERTAKING, "ru": _RU_UNDERTAKING}

# How statements set up follow-up: named representatives, regular meetings, roadmaps.
_MECHANISM = {
    "en": re.compile(
        r"\b(designat\w*|assign\w*|(senior|high-level|special) representatives?|"
        r"meet regularly|regular(ly)? meetings?|hold(ing)? regular|road ?maps?|"
        r"working group|joint commission|coordinat\w+ mechanism|consultations?|"
        r"(long-term|regular|permanent) mechanism|on a regular basis)\b",
        re.I,
    ),
    "zh": re.compile(r"指定|高级代表|特别代表|定期举行|定期会晤|会晤|路线图|工作组|联委会|磋商"),
    "ru": re.compile(
        r"(?i)\b(назнач\w*|представител\w*|регулярн\w* встреч\w*|дорожн\w* карт\w*|"
        r"рабоч\w* групп\w*|консультаци\w*)\b"
    ),
}
_STRONG_MECHANISM = re.compile(r"(?i)designat|assign|road ?map|路线图|指定|назнач|дорожн")

_ABBREVIATIONS = re.compile(r"(?i)\b(mr|mrs|ms|dr|st|no|vs|etc|e\.g|i\.e|jan|feb|mar|apr|jun|jul|"
                            r"aug|sep|sept|oct|nov|dec|u\.s|u\.n|г|гг|т\.е|т\.д)\.$")  # fmt: skip


def split_sentences(text: str, lang: str) -> list[str]:
    """Sentences with their punctuation; joining them with spaces gives the text back.

    Chinese sentences end at 。！？ (a ； stays inside, as in point lists); others at
    . ! ? followed by a space and a capital letter or an opening quote.
    """
    if lang == "zh":
        parts = re.split(r"(?<=[。！？!?])", text)
        return [p.strip() for p in parts if p.strip()]
    pieces = re.split(r"(?<=[.!?])\s+(?=[\"“«(A-ZА-ЯЁ])", text)
    sentences: list[str] = []
    for piece in pieces:
        if sentences and _ABBREVIATIONS.search(sentences[-1]):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return [s.strip() for s in sentences if s.strip()]


def is_undertaking(sentence: str, lang: str) -> bool:
    """True when the sentence promises, agrees to or advocates something.

    A short sentence that only announces a list ("The sides agreed as follows:") is not
    a promise itself: the numbered points after it are.
    """
    size = len(sentence) * (3 if lang == "zh" else 1)  # one Chinese character ~ a short word
    if re.search(r"[:：]\s*$", sentence) and size < 120:
        return False
    pattern = _UNDERTAKING.get(lang, _EN_UNDERTAKING)
    return bool(pattern.search(sentence))


def undertaking_sentences(text: str, lang: str) -> list[str]:
    return [s for s in split_sentences(text, lang) if is_undertaking(s, lang)]


def is_mechanism(text: str, lang: str) -> bool:
    """True when the text sets up implementation: two mechanism cues, or one strong one."""
    pattern = _MECHANISM.get(lang, _MECHANISM["en"])
    cues = {m.group(0).lower() for m in pattern.finditer(text)}
    return len(cues) >= 2 or bool(_STRONG_MECHANISM.search(text))
