"""The stop-list: generic words that never count as evidence on their own.

Joint statements are written in the vocabulary of diplomacy: "strengthen", "ensure",
"cooperation", "promote". Every news story about two governments uses the same words,
so a rule that fires on them links everything. Human-rights trackers learned to
require two profile terms or one exact phrase and never a single generic word; here
a generic term scores 0 points, and a rule whose evidence is only generic words is a
validation problem (see `tracker.rules.model`).

Entries are normalised (as `textprep.normalise` would) and compared with a term's
normalised text; for a prefix term (`укреп*`) the stem is compared. A multi-word term
("information security cooperation") is never generic: the other words make it specific.
"""

from __future__ import annotations

from functools import lru_cache

from tracker.rules.textprep import normalise

_ENGLISH = """
strengthen strengthened strengthening strengthens ensure ensured ensures ensuring
cooperation cooperate cooperated cooperates cooperating cooperative
collaboration collaborate collaborative coordination coordinate interaction
promote promoted promotes promoting promotion support supported supports supporting
develop developed developing develops development enhance enhanced enhancing
deepen deepened deepening expand expanded expanding expansion advance advancing
boost boosted improve improved improving further jointly joint together mutual
partnership partner partners relations relationship ties bilateral multilateral
agreement agree agreed agrees consensus dialogue exchange exchanges exchanged
important importance new work working efforts effort field fields area areas
sides side parties party both two countries country nations international global
friendship friendly strategic comprehensive practical common shared
"""

_CHINESE = """
加强 强化 合作 协作 推动 推进 促进 确保 保障 深化 发展 支持 共同 双方 两国 进一步
关系 伙伴关系 交流 对话 协调 领域 方面 全面 战略 务实 友好 互利 共赢 积极 重要
"""

_RUSSIAN = """
укреп укрепление укреплять обеспеч обеспечение обеспечивать сотрудничеств
сотрудничество сотрудничать развит развитие развивать содейств содействие
продвиж продвижение поддерж поддержка поддерживать углубл углубление
партнерств партнерство отношени отношения взаимодейств взаимодействие
совместн совместный совместно обмен диалог стороны стороной двусторонн
многосторонн стратегическ всеобъемлющ дружб важн област сфер
"""

#: Normalised generic words and stems, by language (for docs and error messages).
GENERIC_TERMS: dict[str, frozenset[str]] = {
    "en": frozenset(normalise(w) for w in _ENGLISH.split()),
    "zh": frozenset(normalise(w) for w in _CHINESE.split()),
    "ru": frozenset(normalise(w) for w in _RUSSIAN.split()),
}
_ALL: frozenset[str] = frozenset().union(*GENERIC_TERMS.values())
_RUSSIAN_STEMS: tuple[str, ...] = tuple(sorted(w for w in GENERIC_TERMS["ru"] if len(w) >= 4))
#: The stems an inflected form is recognised by (`str.startswith` takes them all at once).
_RUSSIAN_LONG_STEMS: tuple[str, ...] = tuple(stem for stem in _RUSSIAN_STEMS if len(stem) >= 5)


@lru_cache(maxsize=65_536)  # the same terms recur in every rule that names a party
def is_generic(norm: str, *, prefix: bool = False) -> bool:
    """True if a normalised term (or prefix stem) is a generic word.

    A prefix term is generic when its stem is on the list or is the start of a listed
    Russian word or stem (`сотруд*` is as generic as `сотрудничество`), or a listed stem
    starts it (`укрепля*`).
    """
    if " " in norm:
        # "co-operation" normalises to "co operation"; other phrases are specific.
        return norm.replace(" ", "") in _ALL
    if norm in _ALL:
        return True
    if prefix:
        if norm.startswith(_RUSSIAN_STEMS) or any(stem.startswith(norm) for stem in _RUSSIAN_STEMS):
            return True
        return len(norm) >= 4 and any(word.startswith(norm) for word in GENERIC_TERMS["en"])
    # An inflected Russian form of a listed stem: "сотрудничества", "укрепления".
    return norm.startswith(_RUSSIAN_LONG_STEMS)
