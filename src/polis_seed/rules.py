"""What makes a seed statement acceptable. Each problem is worded so a model (or a person) can fix it.

The same rules check model output in `generate` and, later, any list a facilitator brings.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

from .models import Language
from .text import is_question, normalize_for_matching

# Japanese prose always carries kana; a statement without any is Chinese or English.
_KANA = re.compile(r"[\u3040-\u30ff]")

# A statement this close to its source sentence (rapidfuzz ratio on normalised text) is a copy,
# not a claim written for voting.
NEAR_COPY_RATIO = 85.0


def near_copy_score(statement: str, source_sentence: str) -> float:
    return fuzz.ratio(normalize_for_matching(statement), normalize_for_matching(source_sentence))


# Share of a statement's content units (Japanese: bigrams with a kanji, katakana or Latin letter;
# English: word stems) that must also occur in its source sentence.
MIN_SOURCE_OVERLAP = 0.25
_CONTENT_CHAR = re.compile(r"[\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fffa-z0-9]")
# English function words carry no subject: they would let any sentence "overlap" any other.
_STOPWORDS_EN = frozenset("""the and for are was were will would could should can may might must not but with from
that this these those than then there their they them its his her our your you has have had been being into onto
about over under more most less such also only very just some any all each other which what who whom whose when
where why how does did doing because while both either neither change""".split())


def _content_units(text: str) -> set[str]:
    normalized = normalize_for_matching(text)
    # English words are read from the spaced text (normalising removes the spaces between them).
    spaced = unicodedata.normalize("NFKC", text).casefold()
    words = {word[:5] for word in re.findall(r"[a-z0-9]{3,}", spaced) if word not in _STOPWORDS_EN}
    bigrams = {
        normalized[i:i + 2] for i in range(len(normalized) - 1)
        if _CONTENT_CHAR.search(normalized[i:i + 2]) and not normalized[i:i + 2].isascii()
    }
    return words | bigrams


def source_overlap(statement: str, source_sentence: str) -> float:
    """How much of the statement's content comes from the source sentence (0..1)."""
    units = _content_units(statement)
    if not units:
        return 0.0
    return len(units & _content_units(source_sentence)) / len(units)


def quote_is_in(quote: str, source_text: str) -> bool:
    """A quote is grounded when its normalised form occurs in the normalised source."""
    needle = normalize_for_matching(quote)
    return bool(needle) and needle in normalize_for_matching(source_text)


_COMPOUND_JA = re.compile(r"(?:[^、。]{2,}(?:し|であり|ており|ていて|くて|だし)、[^、。]{2,})|、(?:また|さらに|かつ|しかも)")
_COMPOUND_EN = re.compile(r";\s+\w|,\s+and\s+\w+\s+\w+|\band\s+also\b|\bbut\s+also\b|\bas\s+well\s+as\b", re.I)
_NUMBER = re.compile(r"\d")
OPINION_MARKERS = (
    "べき", "必要", "重要", "大切", "良い", "よい", "悪い", "望ましい", "できる", "できない", "につながる", "向上",
    "改善", "悪化", "問題", "リスク", "効果", "メリット", "デメリット", "負担", "難しい", "容易", "賛成", "反対",
    "should", "must", "need", "better", "worse", "risk", "benefit", "good", "bad", "can", "cannot", "will",
    "worth", "too", "important", "harm", "help", "fair", "unfair",
)
# Words that push a voter instead of stating a claim (Polis asks for neutral wording).
LOADED_WORDS = (
    "絶対", "最悪", "最高の", "素晴らしい", "愚か", "馬鹿", "ひどい", "酷い", "論外", "当然", "明らかに", "言うまでもなく",
    "absurd", "obviously", "clearly", "stupid", "terrible", "disastrous", "ridiculous", "idiotic", "amazing",
)


def is_compound(text: str) -> bool:
    """More than one claim joined in one statement (〜し、 / 〜であり、 / また、 / '; ' / ', and …')."""
    return bool(_COMPOUND_JA.search(text) or _COMPOUND_EN.search(text))


def is_bare_fact(text: str) -> bool:
    """A number or a reported fact with nothing to agree or disagree with."""
    stripped = normalize_for_matching(text)
    if stripped and sum(ch.isdigit() for ch in stripped) >= 0.5 * len(stripped):
        return True
    lowered = text.casefold()
    return bool(_NUMBER.search(text)) and not any(marker in lowered for marker in OPINION_MARKERS)


def loaded_words(text: str) -> list[str]:
    lowered = text.casefold()
    return [word for word in LOADED_WORDS if word in lowered]


def statement_problems(
    text: str,
    max_chars: int,
    language: Language | None = None,
    source_sentence: str | None = None,
    min_chars: int = 0,
) -> list[str]:
    """Problems with one statement, each as 'rule: what to do'. Empty when it is fine."""
    problems: list[str] = []
    stripped = text.strip()
    if not stripped:
        return ["empty: write one short claim"]
    if language == "ja" and not _KANA.search(stripped):
        problems.append("language: write the statement in Japanese")
    if len(stripped) < min_chars:
        problems.append(f"too-short: it is {len(stripped)} characters; write a full claim of at least {min_chars}")
    if len(stripped) > max_chars:
        problems.append(f"too-long: it is {len(stripped)} characters; the limit is {max_chars}, so shorten it")
    if is_question(stripped):
        problems.append("question: write a claim people can agree or disagree with, not a question")
    if is_compound(stripped):
        problems.append("compound: it holds more than one claim; keep only the main one")
    if loaded := loaded_words(stripped):
        problems.append(f"loaded: avoid loaded words ({', '.join(loaded)}); state the claim neutrally")
    if is_bare_fact(stripped):
        problems.append("bare-fact: it only reports a fact or number; state a view people can agree or disagree with")
    if source_sentence is not None:
        if near_copy_score(stripped, source_sentence) >= NEAR_COPY_RATIO:
            problems.append("near-copy: it copies the source sentence; state the claim in your own shorter words")
        elif source_overlap(stripped, source_sentence) < MIN_SOURCE_OVERLAP:
            problems.append("off-source: it is not about the source sentence; use its subject and key words")
    return problems
