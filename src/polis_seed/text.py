"""Text helpers shared by every stage: one normaliser, one language guess, one question test."""

from __future__ import annotations

import re
import unicodedata

from .models import Language

_JAPANESE_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
# The long-vowel mark is dropped so コンピューター and コンピュータ compare equal.
_LONG_VOWEL = re.compile(r"[ーｰ‐―〜~]")


def normalize_for_matching(text: str) -> str:
    """NFKC, case-folded, without punctuation, symbols, whitespace or long-vowel marks."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _LONG_VOWEL.sub("", text)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] not in "PSZC")


def clean_statement(text: str) -> str:
    """The displayable form of a statement: the text as written, trimmed and single-spaced."""
    return re.sub(r"\s+", " ", text).strip()


def detect_language(text: str) -> Language:
    """'ja' when Japanese characters make up a noticeable share of the letters, else 'en'."""
    sample = text[:200_000]
    japanese = len(_JAPANESE_CHAR.findall(sample))
    latin = len(_LATIN_LETTER.findall(sample))
    # Japanese text carries Latin acronyms (DX, OSS); English text rarely carries kana.
    return "ja" if japanese and japanese * 3 >= latin else "en"


_QUESTION_ENDINGS_JA = ("か", "かな", "でしょうか", "ですか", "ますか", "のか", "だろうか")
_QUESTION_OPENERS_EN = (
    "who ", "what ", "when ", "where ", "why ", "how ", "which ", "should ", "is ", "are ",
    "do ", "does ", "can ", "could ", "would ", "will ",
)


def is_question(text: str) -> bool:
    stripped = unicodedata.normalize("NFKC", text).strip().rstrip("。.!！ ")
    if not stripped:
        return False
    if stripped.endswith("?"):
        return True
    if stripped.endswith(_QUESTION_ENDINGS_JA):
        # 「…ではないか」「…だろうか」 are questions; a bare noun like 「…の可否か」 is rare in a claim.
        return True
    lowered = stripped.casefold()
    return lowered.startswith(_QUESTION_OPENERS_EN) and "?" in text
