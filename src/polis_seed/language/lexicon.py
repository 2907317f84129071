"""What is known to be equivalent or opposite, beyond spelling: the knowledge dedupe's comparison draws on.

- Japanese synonyms: SudachiDict's synonym groups, which the core dictionary carries on every word it has in
  its synonym dictionary (費用/コスト, 削減/減らす, 重要/大切). Two words that share a group are synonyms; two
  words that both have groups and share none are known to be different concepts.
- Evaluative predicates by family and side (difficulty, necessity, possibility, ...): their members stand for
  each other (困難/難しい, necessary/essential), their sides are opposites (困難/容易, safe/dangerous), and for
  the families whose sides are contradictories a negated side is the other side (容易ではない = 困難,
  not fair = unfair); where the sides have a middle, only the good side's negation is (困難ではない is not 容易). Scale words (増える/減る, more/fewer, high/low) have sides too, but "not more" is not
  "fewer": no negation is absorbed there.
- Opposing characters of Japanese compounds (増/減, 上/下, 難/易, 大/小): a word with one against a word with
  the other is an antonym, whatever the compound (増加/減少, 上昇/下降, 小規模/大規模).
- Hedges that do not change the side: 〜場合が多い, 〜ことが多い, 〜傾向がある, "often", "tends to".
Every list here is a closed class (a family of predicates, a set of opposing characters), not a pair of
statements: a word is added to a family only when every member can replace every other in a claim.
"""

from __future__ import annotations

import functools
from typing import NamedTuple


class Family(NamedTuple):
    name: str
    # Whether a negated side is the other side ("not easy" = "difficult"). False for scales: "not more" ≠ "fewer".
    contradictory: bool
    positive: frozenset[str]
    negative: frozenset[str]
    # For sides with a middle between them (difficult / easy, safe / dangerous), only the negation of the side
    # that is good to be is the other side ("not easy" = "difficult", "not safe" = "dangerous"), never the
    # reverse ("not difficult" is not "easy": it may be neither). None: both negations flip.
    good: bool | None = None


def _family(name: str, contradictory: bool, positive: str, negative: str, good: bool | None = None) -> Family:
    return Family(name, contradictory, frozenset(positive.split()), frozenset(negative.split()), good)


# Keys as compare.tokenize makes them: SudachiPy normalised forms (Japanese, a compound joined: 現実的), lemmas
# (English, lower case).
FAMILIES = (
    _family("difficult", True, "困難 難しい 至難 難儀 difficult hard tough", "容易 簡単 易しい たやすい 平易 easy simple",
            good=False),
    _family("necessary", True, "必要 必須 不可欠 要る necessary essential indispensable vital required needed",
            "欠かす 不要 unnecessary needless dispensable"),
    _family("important", True, "重要 大切 大事 肝心 肝要 important crucial significant", "unimportant insignificant",
            good=True),
    _family("possible", True, "可能 出来る できる possible feasible achievable doable", "impossible"),
    _family("realistic", True, "現実的 realistic", "unrealistic"),
    _family("fair", True, "公平 公正 fair just equitable", "unfair unjust inequitable", good=True),
    _family("safe", True, "安全 safe secure", "危険 危ない 危うい dangerous unsafe insecure risky", good=True),
    _family("effective", True, "有効 効果的 役立つ effective useful helpful", "無効 無駄 ineffective useless", good=True),
    _family("convenient", True, "便利 convenient handy", "不便 inconvenient", good=True),
    _family("enough", True, "十分 充分 足りる sufficient enough adequate", "不足 不十分 insufficient inadequate"),
    _family("mandatory", True, "義務的 強制的 mandatory compulsory obligatory", "任意 voluntary optional"),
    _family("allowed", True, "許可 許す 認める allow permit", "禁止 禁じる ban prohibit forbid"),
    _family("support", False, "賛成 支持 support favour favor endorse back", "反対 oppose reject"),
    _family("affordable", True, "affordable", "unaffordable"),
    _family("expensive", False, "高価 expensive costly pricey", "安価 安い cheap inexpensive"),
    _family("increase", False, "増える 増加 増す 増大 増やす 上がる 上げる 上昇 高まる 高める 伸びる 拡大 increase rise grow "
            "raise boost expand", "減る 減少 減らす 減じる 下がる 下げる 低下 下落 縮小 削減 抑える decrease reduce cut lower fall "
            "drop decline shrink lessen"),
    _family("improve", False, "向上 改善 improve enhance", "悪化 worsen deteriorate"),
    _family("heavy", False, "重い heavy", "軽い light"),
    _family("big", False, "大きい 多大 big large", "小さい small little"),
    _family("many", False, "多い 多数 many more", "少ない 少数 few fewer less"),
    _family("high", False, "高い high", "低い low"),
    _family("long", False, "長い long", "短い short"),
    _family("fast", False, "速い 早い 迅速 fast quick rapid", "遅い slow"),
    _family("near", False, "近い near close", "遠い far distant"),
    _family("up", False, "up upward upwards above", "down downward downwards below"),  # driving up / down rents
    _family("good", False, "good beneficial help benefit", "bad harmful harm hurt damage"),
    _family("heed", True, "listen heed", "ignore disregard"),
    _family("attract", False, "attract", "deter repel"),
)


@functools.lru_cache(maxsize=1)
def _sides() -> dict[str, tuple[tuple[str, bool, bool], ...]]:
    sides: dict[str, list[tuple[str, bool, bool]]] = {}
    for family in FAMILIES:
        for side, words in ((True, family.positive), (False, family.negative)):
            flips = family.contradictory and family.good in (None, side)
            for word in words:
                sides.setdefault(word, []).append((family.name, side, flips))
    return {word: tuple(entries) for word, entries in sides.items()}


def family_sides(key: str) -> tuple[tuple[str, bool, bool], ...]:
    """(family, positive side, whether its negation is the other side) for each family the word belongs to;
    a key that starts with ¬
    (a negated predicate, see compare.py) is on the other side of its contradictory families only."""
    if key.startswith("¬"):
        return tuple((name, not side, True) for name, side, contradictory in _sides().get(key[1:], ()) if contradictory)
    return _sides().get(key, ())


def same_side(first: str, second: str) -> bool:
    """Both words are members of one family, on the same side."""
    return any((name, side) in {(n, s) for n, s, _ in family_sides(second)} for name, side, _ in family_sides(first))


def opposite_sides(first: str, second: str) -> bool:
    """The two words are on opposite sides of one family."""
    return any((name, not side) in {(n, s) for n, s, _ in family_sides(second)} for name, side, _ in family_sides(first))


# Opposing characters: a Japanese word with one of a pair against a word with the other is an antonym.
_OPPOSING_CHARACTERS = ("増減 上下 高低 大小 長短 多少 強弱 軽重 難易 遅速 遅早 前後 新旧 明暗 賛反 賛否 得損 得失 利損 利害 勝敗 勝負 "
                        "善悪 良悪 好悪 安危 有無 可否 是非 正誤 真偽 入出 開閉 始終 内外 公私 官民 男女 老若 拡縮 促抑 加減 送受 "
                        "売買 貸借 寒暖 広狭 深浅 濃淡 厚薄 昇降 昇落 上降 上落 増削 増縮 向低 遠近 早晩 黒赤 黒白 主副 優劣 攻守 "
                        "集散 緩厳 緩急 表裏 往復 先後 都地 父母 夫妻 兄弟 姉妹 南北 東西 左右 朝夕 昼夜 夏冬 春秋").split()


@functools.lru_cache(maxsize=1)
def _opposing() -> dict[str, frozenset[str]]:
    opposing: dict[str, set[str]] = {}
    for first, second in _OPPOSING_CHARACTERS:
        opposing.setdefault(first, set()).add(second)
        opposing.setdefault(second, set()).add(first)
    return {character: frozenset(others) for character, others in opposing.items()}


def opposing_characters(first: str, second: str) -> tuple[str, str] | None:
    """A character of `first` and its opposite in `second`, when one is only on its side (増加 / 減少 → 増, 減)."""
    opposing = _opposing()
    for character in first:
        for other in opposing.get(character, ()):
            if other in second and other not in first and character not in second:
                return character, other
    return None


def shares_synonym_group(first: tuple[int, ...], second: tuple[int, ...]) -> bool:
    return bool(first and second and set(first) & set(second))


def known_different_concepts(first: tuple[int, ...], second: tuple[int, ...]) -> bool:
    """Both words are in SudachiDict's synonym dictionary, in no group together: different concepts."""
    return bool(first and second and not set(first) & set(second))


# Hedges that say how often or how surely, not which side: 〜場合が多い, 〜ことが多い, 〜傾向がある/にある, and English
# adverbs and "tend to". "〜ことがある" (sometimes) and "〜可能性がある" (may) weaken the claim: not hedges here.
HEDGE_NOUNS_JA = frozenset({"場合", "こと", "事", "傾向"})
HEDGE_ENDINGS_JA = frozenset({"多い", "有る", "ある"})
HEDGE_WORDS_EN = frozenset({"often", "usually", "generally", "typically", "mostly", "tend", "tends", "tended",
                            "probably"})
