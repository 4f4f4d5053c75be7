"""Suggested rule keywords: the distinctive noun phrases of each commitment.

A news article about point 3 of a cyberspace statement will not say "strengthen
cooperation"; it will say "talent training" or "ICTs". So candidate phrases are the
runs of words left when generic verbs, function words and party names are taken out
(RAKE-style), and a phrase that appears in most commitments of the same statement
("information space") is ranked down: it cannot tell them apart. Chinese has no
spaces, so its candidates are the clauses between punctuation, trimmed of generic
verbs and split at particles such as 的 and 与.
"""

from __future__ import annotations

import re


def _wordlist(text: str) -> frozenset[str]:
    """Word lists are kept as plain text, one space apart, to stay easy to extend."""
    return frozenset(text.split())


_EN_STOP = _wordlist("""
a about above across after all also among an and any are as at be been being both but by
can could do does each either etc for from further had has have having her his how i if in
including into is it its itself less made make making many may more most much must no nor
not of on once one only or other our ours out over own same shall should so some such than
that the their them themselves then there these they this those through to too two under
until up upon us very via was we were what when where which while who whom why will with
within would you your
advance advocate agree agreed bring build building carry carrying continue create deepen
develop developing enhance enhancing ensure establish expand explore further give help
highlight hold implement improve increase jointly join keep maintain make meet offer
oppose play promote promoting protect provide push put realize recognize resist respect
safeguard seek set share step stick strengthen strengthening support take uphold work
actively closely comprehensively effectively fully jointly mutually solidly
between among against around toward towards based currently given forward pushing push
common important great various relevant existing every full latest closer well
acknowledge draw identify reinforce formulate engage launch stimulate devote faced mentioned
said say says noted pointed expressed stated invited underlined added told first
basis benefit countries country cooperation collaboration efforts field fields framework
issues level means order sides side way ways world area areas aspect aspects
china chinese russia russian russian-chinese sino-russian china-russia federation
people's republic prc rf two-country bilateral both sides
""")
_RU_STOP = _wordlist("""
а без более бы был была были было в во все всех вы для до его ее если есть же за и из или
им их к как ко которые который ли на над не нет ни но о об от по под при с со так также то
того только у уже что чтобы это этой этом эти этих я мы они она он
будем будут будет будут продолжат развивать укреплять расширять содействовать обеспечивать
поддерживать выступают договорились совместно сотрудничество сотрудничества области сфере
россия россии китай китая российской китайской федерации стороны сторон двух
российская федерация китайская народная народной республика республики сторонами
года году конца рамках следующем далее именуемые
""")
# Chinese has no spaces: terms are what is left between punctuation, particles and the
# generic verbs of diplomatic prose. Words that merely contain a particle or a verb
# (和平 "peace", 参与 "take part", 联合国 "United Nations") are shielded first.
_ZH_SPLIT = re.compile(
    "|".join(
        sorted(
            _wordlist("""
    的 与 及 并 和 等 在 对 向 为 将 愿 由 于 以 从 同 把 被 让 使 之间 方面 以下 上述 各自
    进一步 共同 联合 切实 积极 继续 加强 加大 推动 推进 促进 开展 维护 支持 倡导 倡议 主张
    反对 尊重 构建 建立 提供 实现 致力于 深化 扩大 保障 提高 发挥 探索 研究 制定 包括 指出
    认为 拥有 进行 利用 通过 根据 随着 负责 确定 提出 统筹 协调 落实 作为 指定 有权 都 均
    正 了 着 是 有 更好地 更加 十分 日益 一贯 恪守 达成 忆及 签署 双方 两国 各国 我们 中俄
    中方 俄方 他国
    """),
            key=len,
            reverse=True,
        )
    )
)
_ZH_SHIELD = [
    "中华人民共和国",
    "共和国",
    "负责任",
    "和平",
    "参与",
    "联合国",
    "以及",
    "平等",
    "对话",
    "对口",
    "行为",
    "为了",
    "在内",
    "存在",
    "等等",
    "均衡",
    "有效",
    "共有",
    "所有",
    "有关",
]
_ZH_STOP_TERMS = frozenset(
    [
        "合作",
        "工作力度",
        "工作",
        "问题",
        "领域",
        "作用",
        "框架",
        "框架下",
        "框架内",
        "基础",
        "基础上",
        "任务",
        "行为",
        "以及",
        "需要",
    ]
)
_EN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|&|\d+[A-Za-z]*")
_RU_WORD = re.compile(r"[А-Яа-яЁё][А-Яа-яЁё-]*")


def candidate_phrases(text: str, lang: str) -> list[str]:
    """Candidate keyword phrases of one text, in reading order, without duplicates."""
    if lang == "zh":
        phrases = _zh_candidates(text)
    else:
        phrases = _word_candidates(
            text, _RU_WORD if lang == "ru" else _EN_WORD, _RU_STOP if lang == "ru" else _EN_STOP
        )
    return list(dict.fromkeys(phrases))


def _word_candidates(text: str, word: re.Pattern[str], stop: frozenset[str]) -> list[str]:
    phrases: list[str] = []
    for chunk in re.split(r"[,.;:!?()\"“”«»\[\]/]|\s-\s|—", text):
        tokens = word.findall(chunk)
        run: list[str] = []
        for i, token in enumerate([*tokens, ""]):
            if _is_content(token, stop):
                run.append(_case(token))
                continue
            # "research & development", "scientific and technological": one phrase.
            joinable = len(run) == 1 and not run[0].endswith("ly")
            joinable = joinable and token.lower() in {"and", "&", "и"}
            if joinable and _is_content(_at(tokens, i + 1), stop):
                run.append(token.lower())
                continue
            if run:
                phrases.append(" ".join(run[:4]).removesuffix(" and"))
            run = []
    return phrases


def _is_content(token: str, stop: frozenset[str]) -> bool:
    return len(token) > 1 and token.lower().strip("'’") not in stop


def _at(tokens: list[str], index: int) -> str:
    return tokens[index] if index < len(tokens) else ""


def _case(token: str) -> str:
    # Acronyms (UN, ICTs) keep their capitals; other words are matched case-insensitively.
    return token if sum(ch.isupper() for ch in token) >= 2 else token.lower()


def _zh_candidates(text: str) -> list[str]:
    for n, word in enumerate(_ZH_SHIELD):
        text = text.replace(word, chr(0xE000 + n))
    terms: list[str] = []
    for clause in re.split(r"[,，。；;：:、！？!?（）()《》“”\s]", text):
        for part in _ZH_SPLIT.split(clause):
            term = re.sub("[\ue000-\ue0ff]", lambda m: _ZH_SHIELD[ord(m.group(0)) - 0xE000], part)
            if 2 <= len(term) <= 14 and term not in _ZH_STOP_TERMS:
                terms.append(term)
    return terms


def suggest_keywords(all_texts: list[dict[str, str]], limit: int = 4) -> list[dict[str, list[str]]]:
    """Keywords per commitment and language, ranked by how few commitments share them.

    `all_texts` holds every commitment of one statement, so that phrases common to the
    whole statement are recognised as not distinctive.
    """
    candidates = [{lang: candidate_phrases(t, lang) for lang, t in texts.items()} for texts in all_texts]
    result: list[dict[str, list[str]]] = []
    for texts, phrases in zip(all_texts, candidates, strict=True):
        chosen: dict[str, list[str]] = {}
        for lang in texts:
            ranked = _rank(phrases[lang], [c.get(lang, []) for c in candidates], lang)
            if ranked:
                chosen[lang] = ranked[:limit]
        result.append(chosen)
    return result


def _rank(phrases: list[str], everyone: list[list[str]], lang: str) -> list[str]:
    """Fewest commitments sharing it first, then longer phrases, then reading order."""

    def shared(phrase: str) -> int:
        return sum(1 for other in everyone if any(phrase in p for p in other))

    def size(phrase: str) -> int:
        return len(phrase) if lang == "zh" else len(phrase.split())

    scored = sorted(enumerate(phrases), key=lambda ip: (shared(ip[1]), -min(size(ip[1]), 3), ip[0]))
    chosen: list[str] = []
    for _, phrase in scored:
        if size(phrase) < (2 if lang == "zh" else 1) or any(phrase in c or c in phrase for c in chosen):
            continue
        chosen.append(phrase)
    return chosen
