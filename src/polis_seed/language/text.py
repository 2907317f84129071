"""Text helpers shared by every stage: one normaliser, one language guess, one question test."""

from __future__ import annotations

import functools
import re
import unicodedata

from ..models import Language

_KANA = re.compile(r"[\u3040-\u30ff\uff66-\uff9f]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_HANGUL = re.compile(r"[\uac00-\ud7af]")
_JAPANESE_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
# The long-vowel mark is dropped so コンピューター and コンピュータ compare equal.
_LONG_VOWEL = re.compile(r"[ーｰ‐―〜~]")


# A sign on a number (+1, -5 %) and an emoji (👍 / 👎) carry meaning: they survive normalisation.
_SIGNED_NUMBER = re.compile(r"(?<![\w.])([+\-−])(?=\d)")
_SIGN_WORDS = {"+": "plus", "-": "minus", "−": "minus"}


def _is_emoji(ch: str) -> bool:
    return ord(ch) >= 0x1F000 or 0x2600 <= ord(ch) <= 0x27BF


def normalize_for_matching(text: str) -> str:
    """NFKC, case-folded, without punctuation, symbols, whitespace or long-vowel marks; signs on
    numbers and emoji are kept, so '+1' / '-1' and 👍 / 👎 stay different."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    folded = _SIGNED_NUMBER.sub(lambda match: _SIGN_WORDS[match.group(1)], folded)
    return "".join(ch for ch in _LONG_VOWEL.sub("", folded)
                   if unicodedata.category(ch)[0] not in "PSZC" or _is_emoji(ch))


def clean_statement(text: str) -> str:
    """The displayable form of a statement: the text as written, trimmed and single-spaced."""
    return re.sub(r"\s+", " ", text).strip()


def detect_language(text: str) -> Language:
    """The language to write statements in for a document set: 'ja' when Japanese characters make
    up a noticeable share of the letters, else 'en'."""
    sample = text[:200_000]
    japanese = len(_JAPANESE_CHAR.findall(sample))
    latin = len(_LATIN_LETTER.findall(sample))
    # Japanese text carries Latin acronyms (DX, OSS); English text rarely carries kana.
    return "ja" if japanese and japanese * 3 >= latin else "en"


# The commonest function words of the Latin-script languages Polis conversations come in: enough to
# tell English from the others in one short statement.
_FUNCTION_WORDS = {
    "en": set("""the a an and or but of to in on at for with from by is are was were be been being will would should
              can could must may might not no it its this that these those there their they we our us you your i my he
              she his her have has had do does did more most less than very all any some who which what people need
              needs want if so as about into because""".split()),
    "de": set("""der die das den dem des ein eine einen einem einer und oder aber nicht ist sind war waren wird werden
              soll sollen sollte muss müssen kann können mit für von zu im in auf bei als auch sich es wir ich sie
              man mehr noch nur wie dass""".split()),
    "fr": set("""le la les un une des et ou mais ne pas est sont être sera doit devrait peut avec pour de du dans sur
              au aux en il elle nous vous ils que qui plus""".split()),
    "es": set("""el la los las un una unos y o pero no es son ser será debe debería puede con para de del en por al
              se que lo más muy""".split()),
    "nl": set("""de het een en of maar niet is zijn was wordt worden moet kan met voor van op te dat die er we wij
              meer ook""".split()),
    "it": set("""il lo la i gli le un una e o ma non è sono essere deve dovrebbe può con per di del della in su che
              più anche""".split()),
    "pt": set("""o a os as um uma e ou mas não é são ser deve pode com para de do da em no na por que mais""".split()),
}


def statement_language(text: str) -> str:
    """The language of one statement: 'ja', 'en', 'zh', 'ko', another ISO code guessed from function
    words (de, fr, es, nl, it, pt), or 'other'. Rules that know only Japanese and English ask this
    and stay silent (saying so) for the rest."""
    if _KANA.search(text):
        return "ja"
    if _HANGUL.search(text):
        return "ko"
    if _HAN.search(text):
        return "zh"
    words = [word.casefold() for word in _WORD.findall(unicodedata.normalize("NFKC", text))]
    if not words:
        return "other"
    scores = {language: sum(word in vocabulary for word in words) for language, vocabulary in _FUNCTION_WORDS.items()}
    ranked = sorted(scores, key=lambda language: scores[language], reverse=True)
    if scores[ranked[0]] > scores[ranked[1]]:
        return ranked[0]
    # No function word decides ("Familienbeihilfe abschaffen", "Tax carbon"): ask simplemma's word lists.
    return _language_by_vocabulary(" ".join(words))


@functools.lru_cache(maxsize=4096)
def _language_by_vocabulary(text: str) -> str:
    from simplemma import langdetect

    best, share = langdetect(text, lang=tuple(_FUNCTION_WORDS))[0]
    return best if best != "unk" and share >= 0.5 else "other"


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
    if _KANA.search(stripped) and stripped.endswith(_QUESTION_ENDINGS_JA):
        # 「…ではないか」「…だろうか」 are questions; a bare noun like 「…の可否か」 is rare in a claim.
        return True
    lowered = stripped.casefold()
    return lowered.startswith(_QUESTION_OPENERS_EN) and "?" in text


# Navigation is short: a longer line that mentions watching or reading is a sentence of the document.
_NAVIGATION_MAX_CHARS_JA = 30
_NAVIGATION_MAX_WORDS_EN = 6
_BRACKETED_NOTE = re.compile(r"[（(\[［【〔][^（()）\[\]［］【】〔〕]*[）)\]］】〕]")
_EDGE_SYMBOLS = " \t>›»≫〉→▶▷►▸・…‥.:|-–—"
_BREADCRUMB_SEPARATOR = re.compile(r"\s*[>›»≫〉]\s*")
_BREADCRUMB_SEGMENT_MAX_CHARS = 20
# Verbs a page's controls start with ("Read more", "Watch the video", "Download the PDF", "See the minutes").
_PAGE_ACTIONS_EN = frozenset("read watch view download click tap see".split())
_MOVES_EN = frozenset("back return skip jump go".split())  # "Back to top", "Skip to content", "Go to page 2"
_EN_WORDS = re.compile(r"[a-z][a-z']*")


def without_bracketed_notes(text: str) -> str:
    """The text without the notes a link carries: 「（PDF：256KB）」, "(45 min)", 【動画】, ［外部リンク］."""
    return _BRACKETED_NOTE.sub("", text)


def is_navigation(line: str) -> bool:
    """A line that works the page instead of saying something: a breadcrumb (「ホーム > 市政情報 > 会議録」,
    "Home › News › 2022") or a short control ("Read more", "Watch the video", "Back to top", 「会議録を見る（PDF）」,
    「詳しくはこちら」, 「ページの先頭へ」). Such a line is never a passage and never counts toward the subject; the text
    keeps it. (A line that was only a link in Markdown or HTML is left out when the file is read.)"""
    text = unicodedata.normalize("NFKC", line).strip().strip(_EDGE_SYMBOLS)
    if not text:
        return False
    segments = _BREADCRUMB_SEPARATOR.split(text)
    if len(segments) >= 3 and all(0 < len(segment) <= _BREADCRUMB_SEGMENT_MAX_CHARS and "。" not in segment
                                  for segment in segments):
        return True
    core = without_bracketed_notes(text).strip().strip(_EDGE_SYMBOLS)
    if not core or "," in core or "、" in core or core.endswith("?"):
        return False
    if _JAPANESE_CHAR.search(core):
        if len(core) > _NAVIGATION_MAX_CHARS_JA or "。" in core:
            return False
        from .morphology import is_page_control

        return is_page_control(core)
    words = _EN_WORDS.findall(core.casefold())
    if not 0 < len(words) <= _NAVIGATION_MAX_WORDS_EN:
        return False
    return (words[-1] in ("here", "more") or words[0] in _PAGE_ACTIONS_EN
            or (words[0] in _MOVES_EN and len(words) > 1 and words[1] == "to"))
