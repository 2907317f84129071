"""Which way a statement points, so that dedupe never merges a claim with its opposite.

On normalised Japanese text 〜につながる / 〜につながらない score ~90 by rapidfuzz, above most
paraphrases, and embeddings put them even closer, so similarity alone cannot keep them apart. Two
statements may merge only when `may_merge` says so: the same parity of negations, no antonym pair
or pair of subjects on which they take opposite sides, and no 'unrealistic' facing 'realistic'.
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Phrases that look negative but are not (or whose negatives cancel): removed before counting.
_NOT_REALLY_NEGATIVE_JA = (
    "欠かせない", "欠かせず", "不可欠", "なければならない", "なくてはならない", "ねばならない",
    "ざるを得ない", "ざるをえない", "かねない", "かもしれない", "に違いない", "にちがいない",
    "間違いない", "少ない", "少なく", "危ない", "だけでなく", "のみならず", "に過ぎない", "にすぎない",
    "しかない", "ほかない", "限らない",
)
_NEGATION_JA = re.compile(
    r"(ない|なく|なかっ|ません|ず(?:に|、|,|$)|ぬ|不(?=[一-龥ぁ-ん])|非(?=[一-龥])|無(?=[一-龥])|未(?=[一-龥]))"
)
# Kanji words that start with 不/非/無/未 but are not negations of anything.
_NOT_NEGATION_WORDS_JA = ("不安", "不動産", "非常", "無料", "無線", "未来", "無事", "不思議")
_NEGATION_EN = re.compile(r"\b(not|no|never|none|nobody|nothing|cannot|without|neither|nor)\b|n't\b")

# (one side, the other side): a statement on one side never merges with one on the other.
ANTONYM_PAIRS: tuple[tuple[str, str], ...] = (
    ("向上", "低下"), ("増加", "減少"), ("増え", "減"), ("賛成", "反対"), ("必要", "不要"),
    ("メリット", "デメリット"), ("有益", "無益"), ("可能", "不可能"), ("容易", "困難"),
    ("高い", "低い"), ("上が", "下が"), ("強化", "弱体化"), ("促進", "阻害"), ("拡大", "縮小"),
    ("安全", "危険"), ("効率化", "非効率"), ("OSS", "SIer"), ("オープンソース", "ベンダー"),
    ("小規模", "大規模"), ("利点", "欠点"), ("成功", "失敗"), ("職員", "住民"), ("国が", "自治体が"),
    ("increase", "decrease"), ("improve", "worsen"), ("more", "less"), ("higher", "lower"),
    ("benefit", "harm"), ("support", "oppose"), ("easy", "difficult"), ("cheap", "expensive"),
    ("small", "large"), ("open source", "vendor"), ("safe", "risk"), ("necessary", "unnecessary"),
    ("staff", "resident"), ("cheaper", "more expensive"),
)


def negation_count(text: str) -> int:
    text = unicodedata.normalize("NFKC", text).casefold()
    for phrase in _NOT_REALLY_NEGATIVE_JA + _NOT_NEGATION_WORDS_JA:
        text = text.replace(phrase.casefold(), " ")
    return len(_NEGATION_JA.findall(text)) + len(_NEGATION_EN.findall(text))


# One alternation over every antonym word, longest first, so that 不可能 is found as itself and not as 可能.
_ANTONYM_WORDS = sorted({word.casefold() for pair in ANTONYM_PAIRS for word in pair}, key=len, reverse=True)
_ANY_ANTONYM = re.compile("|".join(rf"\b{re.escape(word)}" if word.isascii() else re.escape(word)
                                   for word in _ANTONYM_WORDS))
_SIDES_OF_WORD: dict[str, list[tuple[int, int]]] = {}
for _index, (_first, _second) in enumerate(ANTONYM_PAIRS):
    _SIDES_OF_WORD.setdefault(_first.casefold(), []).append((_index, 1))
    _SIDES_OF_WORD.setdefault(_second.casefold(), []).append((_index, -1))


def antonym_sides(text: str) -> tuple[int, ...]:
    """For each antonym pair: +1 if only the first side occurs, -1 if only the second, else 0."""
    text = unicodedata.normalize("NFKC", text).casefold()
    sides = [0] * len(ANTONYM_PAIRS)
    for word in set(_ANY_ANTONYM.findall(text)):
        for index, side in _SIDES_OF_WORD[word]:
            # Both sides present (増加も減少も) cancel to 0: the statement takes neither side.
            sides[index] += side
    return tuple(sides)


def polarity_signature(text: str) -> tuple[int, tuple[int, ...]]:
    """Negation parity and the side taken on each antonym pair: computed once per statement."""
    return negation_count(text) % 2, antonym_sides(text)


def signatures_compatible(first: tuple[int, tuple[int, ...]], second: tuple[int, tuple[int, ...]]) -> bool:
    """Same negation parity, and no pair where one takes one side and the other the opposite side.
    A statement that names neither side (費用 vs 初期費用がかかる) is not an opposite."""
    if first[0] != second[0]:
        return False
    return not any(a * b < 0 for a, b in zip(first[1], second[1]))


def may_merge(first: str, second: str) -> bool:
    return signatures_compatible(polarity_signature(first), polarity_signature(second)) and not opposed(first, second)



_NEGATING_PREFIX_EN = re.compile(r"\b(un|in|im|il|ir|dis|non-?)([a-z]{4,})\b")


@functools.lru_cache(maxsize=1 << 17)
def _words(text: str) -> frozenset[str]:
    # Cached: dedupe asks about the same representative for many candidates.
    return frozenset(re.findall(r"[a-z]+(?:-[a-z]+)?", unicodedata.normalize("NFKC", text).casefold()))


def opposed(first: str, second: str) -> bool:
    """A pairwise check the signatures cannot make: one says 'unrealistic' where the other says 'realistic'."""
    first_words, second_words = _words(first), _words(second)
    for words, other in ((first_words, second_words), (second_words, first_words)):
        for word in words - other:
            match = _NEGATING_PREFIX_EN.fullmatch(word)
            if match and match.group(2) in other and match.group(2) not in words:
                return True
    return False
