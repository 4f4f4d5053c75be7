"""Suggestions for the fields an analyst would fill in by reading a commitment.

Type, theme tags, responsible bodies, deadline, verifiability and a summary, each
from word lists over the verbatim text in all its languages. They are suggestions in
a draft (`draft: true`): the lists favour an obvious, reviewable guess over cleverness.
"""

from __future__ import annotations

import re
from datetime import date

from tracker.extract.dates import find_dates
from tracker.extract.sentences import is_undertaking, split_sentences, undertaking_sentences

_TYPE_CUES: list[tuple[str, re.Pattern[str]]] = [
    ("advocacy", re.compile(r"(?i)\badvocat|\boppos|\bcall(s|ed)? (for|on)\b|\bresist\b|"
                            r"倡导|主张|倡议|反对|выступа\w* за|призыва")),
    ("principle", re.compile(r"(?i)\bprinciple|\buphold|\babide|\brecogni[sz]e\b|"
                             r"恪守|原则|理应|принцип")),
]  # fmt: skip

# Theme tags: (tag, cue in any language). Order is the order tags are listed in.
_TAGS: list[tuple[str, str]] = [
    ("cyber-sovereignty", r"sovereignty|网络主权|主权|суверенитет"),
    ("non-interference", r"internal affairs|interference|内政|внутренн\w+ дел"),
    ("internet-governance", r"internet governance|governance system|治理体系|互联网治理|"
                            r"управлени\w+ интернет"),
    ("un-norms", r"\bUN\b|United Nations|联合国|\bООН\b"),
    ("cyber-security", r"security|安全|безопасност"),
    ("cybercrime", r"criminal|crime|犯罪|преступ"),
    ("counter-terrorism", r"terroris|恐怖|террор"),
    ("incident-response", r"emergency response|threat|应急|威胁|инцидент"),
    ("research-cooperation", r"research|R&D|scientific|研究开发|科技|исследован"),
    ("talent-exchange", r"talent|training|youth|professionals|人才|培训|кадр"),
    ("economic-cooperation", r"economic|enterprise|industr|e-commerce|经济|产业|экономи"),
    ("digital-divide", r"digital divide|developing countries|数字鸿沟|发展中国家|"
                       r"цифров\w+ неравенств"),
    ("digital-economy", r"digital economy|digitali[sz]ation|数字经济|цифров\w+ экономик"),
    ("emerging-tech", r"big data|cloud|artificial intelligence|virtual reality|Internet of Things|"
                      r"大数据|云计算|人工智能|больш\w+ данн|искусственн"),
    ("standards", r"\bstandards\b|标准|стандарт"),
    ("citizens-rights", r"legitimate rights|lawful rights|合法权利|прав\w+ граждан"),
    ("culture", r"cultural|文化|культур"),
    ("media-cooperation", r"\bmedia\b|news|journalis|媒体|新闻|СМИ"),
    ("information-exchange", r"information exchange|exchange of information|信息交流|"
                             r"обмен\w* информаци"),
    ("consultation-mechanism", r"representatives?|regular(ly)? meet|meet regularly|磋商|会晤|"
                               r"консультаци"),
    ("roadmap", r"road ?map|路线图|дорожн\w+ карт"),
]  # fmt: skip
_TAG_RE = [(tag, re.compile(cue, re.I)) for tag, cue in _TAGS]

_NAME = r"[A-Z][\w’'-]+"
_BODIES = [
    re.compile(
        r"(?i:\b(?:competent authorities|relevant (?:departments|authorities|agencies)|"
        r"(?:senior|high-level) representatives)\b)|"
        r"\b(?:Chinese and Russian |Russian and Chinese |China-Russia )?internet media\b|"
        rf"\b(?:{_NAME} (?:and )?)+"
        r"(?:Administration|Ministry|Chamber|Council|Commission|Agency|Bureau)s?\b"
        rf"(?: of(?: the)?(?: {_NAME})+)*"
    ),
    re.compile(r"国家互联网信息办公室|主管部门|相关部门|有关部门|高级代表"),
    re.compile(r"(?i)\b(?:компетентн|профильн)\w* (?:ведомств|орган)\w*"),
]
_MECHANISM_PARTS = [
    (
        "designated representatives",
        re.compile(r"(?i)designat|assign|representative|指定|代表|назнач"),
    ),
    ("regular meetings", re.compile(r"(?i)regular|定期|регулярн")),
    ("consultations", re.compile(r"(?i)consultation|磋商|консультац")),
    ("a working group", re.compile(r"(?i)working group|工作组|рабоч\w* групп")),
    ("implementation roadmaps", re.compile(r"(?i)road ?map|路线图|дорожн")),
]
_VERIFIABLE = {
    "mechanism": (True, "Meetings of the named representatives and the roadmaps they adopt "
                        "are usually announced publicly."),
    "action": (True, "Joint projects, agreements, exchanges or events of this kind are "
                     "usually reported in the press or by the bodies involved."),
    "advocacy": (True, "Positions taken in official statements and international fora "
                       "can be checked."),
    "principle": (False, "A general principle with no specific act to observe; review "
                         "whether an observable act can be named."),
}  # fmt: skip


def commitment_type(texts: dict[str, str], *, mechanism: bool = False) -> str:
    """mechanism, advocacy, principle, or action (the default for an undertaking)."""
    if mechanism:
        return "mechanism"
    joined = "\n".join(texts.values())
    for kind, cue in _TYPE_CUES:
        if cue.search(joined):
            return kind
    return "action"


def theme_tags(texts: dict[str, str], limit: int = 4) -> list[str]:
    """Up to `limit` theme tags in a fixed order; `cooperation` when nothing fits."""
    joined = "\n".join(texts.values())
    tags = [tag for tag, cue in _TAG_RE if cue.search(joined)]
    return tags[:limit] or ["cooperation"]


def responsible_bodies(texts: dict[str, str], limit: int = 3) -> list[str]:
    """Bodies the text names as acting, English names first; empty when none is named."""
    found: list[str] = []
    for lang in ("en", "zh", "ru"):
        for pattern in _BODIES:
            for match in pattern.finditer(texts.get(lang, "")):
                name = match.group(0).strip()
                if not any(name.lower() in other.lower() for other in found):
                    found = [f for f in found if f.lower() not in name.lower()] + [name]
        if found:
            break
    return found[:limit]


def find_deadline(texts: dict[str, str]) -> date | None:
    """A date or year the text sets as a limit ("by the end of 2017", "2017年底前")."""
    for text in texts.values():
        for match in re.finditer(
            r"(?i)\b(?:by|before|until|no later than)\s+(?:the end of\s+)?(.{4,20})|"
            r"((?:19|20)\d{2})\s*年\s*(?:年?底)?\s*(?:前|之前)|\bдо\s+(?:конца\s+)?(.{4,20})",
            text,
        ):
            limit = next(g for g in match.groups() if g)
            dates = [d.value for d in find_dates(limit) if d.value and d.start == 0]
            if dates:
                return dates[0]
            year = re.match(r"((?:19|20)\d{2})\b", limit)
            if year:
                return date(int(year.group(1)), 12, 31)
    return None


def verifiable(kind: str) -> dict[str, object]:
    value, reason = _VERIFIABLE.get(kind, _VERIFIABLE["action"])
    return {"value": value, "reason": reason}


def summarise(texts: dict[str, str], heading: str | None = None, *, mechanism: bool = False) -> str:
    """One sentence: the point's heading, the mechanism's parts, or its undertaking clause."""
    if heading:
        return _end(heading, "en")
    if mechanism:
        return _mechanism_summary(texts)
    for lang in ("en", "ru", "zh"):
        lines = texts.get(lang, "").splitlines()
        sentences = [s for line in lines for s in split_sentences(line, lang)]
        chosen = [s for s in sentences if is_undertaking(s, lang)] or sentences
        if chosen:
            return _shorten(_undertaking_clause(chosen[0], lang), lang)
    return "Commitment (summary to be written)."


def _mechanism_summary(texts: dict[str, str]) -> str:
    joined = "\n".join(texts.values())
    parts = [name for name, cue in _MECHANISM_PARTS if cue.search(joined)]
    if not parts:
        return "Implementation mechanism."
    listed = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    return f"Implementation mechanism: {listed}."


def _undertaking_clause(sentence: str, lang: str) -> str:
    """The clause (between semicolons) that holds the undertaking, without "that ..."."""
    clauses = [c.strip() for c in re.split(r"[;；]", sentence.splitlines()[0]) if c.strip()]
    clause = next((c for c in clauses if undertaking_sentences(c, lang)), clauses[0] if clauses else "")
    clause = re.sub(r"^(?:and|that|but)\s+", "", clause.strip('"“”«» '), flags=re.I)
    return re.sub(r",?[\"”»]?,?\s*(?:he|she|they) (?:said|added|noted)\.?$", "", clause).strip('"“”')


def _shorten(clause: str, lang: str) -> str:
    """At most 25 words (60 characters in Chinese); a cut is marked with an ellipsis."""
    if lang == "zh":
        return _end(clause if len(clause) <= 60 else clause[:60].rstrip(",，、;；") + "…", lang)
    words = clause.split()
    if len(words) > 25:
        clause = " ".join(words[:25]).rstrip(",;:") + "…"
    return _end(clause, lang)


def _end(text: str, lang: str) -> str:
    text = text.strip().rstrip(",;:，；：、 ")
    if text and text[-1] not in '.。!?！？"”…':
        text += "。" if lang == "zh" else "."
    return text[:1].upper() + text[1:]
