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


# Lines about the source, not of it: 「出典: …」, "Source: …", "URL: …", 【引用元】, "Retrieved from …", a bare URL, a
# licence or copyright line. They stay in the text (`chunks --text` shows them) but are never a passage, a key term,
# the subject or the title.
_SOURCE_LABEL = re.compile(
    r"^[\[［【(（〈<]?\s*(?:出典|出所|引用元|引用|参照元|参考文献|参考資料|転載元|提供|写真提供|画像提供|元記事|記事元|原文|"
    r"sources?|url|links?|via|credits?|photo(?:graph)?s?|images?|courtesy(?: of)?|citation|cite as|doi|references?|"
    r"originally published|first published|published|reprinted(?: from)?|licen[cs]e[ds]?|copyright|著作権|"
    r"(?:last )?(?:updated|modified|revised)|更新日|掲載日|公開日)"
    r"\s*(?:[\]］】)）〉>]\s*[:：]?|[:：])", re.I)
_SOURCE_PHRASE = re.compile(r"^(?:retrieved|accessed|archived|downloaded|adapted|excerpted)\s+(?:from|on|at|in)\b"
                            r"|^(?:originally|first)\s+(?:published|appeared)\b|^(?:this (?:article|story|page|post) "
                            r"(?:was|is) (?:originally |first )?(?:published|reprinted|adapted))\b"
                            r"|^(?:photo(?:graph)?|image|picture|illustration)s?\s+(?:by|courtesy|credit)\b"
                            r"|^(?:reprinted|republished|reproduced|used)\s+(?:here\s+)?(?:with|by)\s+(?:kind\s+)?permission\b"
                            r"|^(?:last\s+)?(?:updated|modified|revised)\s+(?:on\s+)?\d", re.I)
# 「※下記は自治体通信 Vol.32 から抜粋し、記事は取材時のものです」, 「…より転載」 (a short line)
_SOURCE_PHRASE_JA = re.compile(r"(?:から|より)(?:抜粋|転載)|取材時のもの")
_SOURCE_PHRASE_JA_MAX_CHARS = 80
_LICENCE = re.compile(r"©|\(c\)\s*\d{4}|\bcopyright\b\s*(?:©|\(c\)|\d{4})|\ball rights reserved\b|無断(?:転載|複製|転用|使用)"
                      r"|転載(?:を)?禁|著作権は.{0,30}(?:帰属|有し)", re.I)
# A licence named in a line is the page's own licence when the line is about the text ("This work is licensed under
# …", "Text is available under …", "Content is available under CC BY-SA 4.0") or is little more than the licence;
# "The city should publish its data under a Creative Commons licence" is a claim about licences.
_LICENCE_NAMED = re.compile(r"\bcreative commons\b|クリエイティブ・コモンズ|\bCC[ -]BY\b|\blicen[cs]ed under\b", re.I)
_ABOUT_THE_TEXT = re.compile(r"^(?:this|the|all)?\s*(?:work|text|content|page|article|site|website|material|post|story|"
                             r"document|photo|image|licen[cs]ed|available|except|unless|本|この|当)", re.I)
_LICENCE_LINE_MAX_WORDS = 6
_URL = re.compile(r"(?:https?://|www\.)[^\s<>「」（）()]+", re.I)
_SOURCE_NOTE_MAX_CHARS = 200


def is_source_note(line: str) -> bool:
    """A line about where the document comes from, not what it says: 「出典: 総務省「自治体DX推進計画」」, "Source:
    Star Tribune", "URL: https://…", 【引用元】…, "Retrieved from https://… on 3 May", a bare URL (with at most a word
    or two beside it), "© 2023 Star Tribune. All rights reserved.", 「無断転載を禁じます」."""
    text = unicodedata.normalize("NFKC", line).strip().strip("-–—*•・ ")
    if not text or len(text) > _SOURCE_NOTE_MAX_CHARS:
        return False
    if _SOURCE_LABEL.match(text) or _SOURCE_PHRASE.match(text) or _LICENCE.search(text):
        return True
    if _LICENCE_NAMED.search(text) and (_ABOUT_THE_TEXT.match(text) or _URL.search(text)
                                        or len(text.split()) <= _LICENCE_LINE_MAX_WORDS):
        return True
    if len(text) <= _SOURCE_PHRASE_JA_MAX_CHARS and _SOURCE_PHRASE_JA.search(text):
        return True
    if _URL.search(text):
        rest = _URL.sub(" ", text)
        words = _WORD.findall(rest)
        return len("".join(words)) <= 12 or (rest.isascii() and len(words) <= 3)
    return False


def is_not_content(line: str) -> bool:
    """Navigation or a note about the source: kept in the text, never a passage, the subject, a key term or the title."""
    return is_navigation(line) or is_source_note(line)


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


def _japanese_word_starts(text: str) -> list[int]:
    """Where SudachiPy's words (mode C: compounds whole, 「情報システム」) start in a Japanese text."""
    from .morphology import word_spans

    return [start for start, _ in word_spans(text)]


def on_word_boundaries(text: str, start: int, end: int) -> tuple[int, int]:
    """A stretch of `text` (a quote cut from a sentence) widened so that it starts and ends on word boundaries: an
    English word is never cut ("leveland Ave" → "Cleveland Ave"), and a Japanese stretch that starts inside a word
    starts at the word's start (「ムを標準化」 → 「システムを標準化」). Spaces and commas at its start are left out, and
    spaces at its end; a comma at its end stays, as the end of the clause it closes (「…多いため、」)."""
    start, end = max(0, start), min(len(text), end)
    if 0 < start < len(text) and _JAPANESE_CHAR.match(text[start]):
        starts = _japanese_word_starts(text)
        start = max((at for at in starts if at <= start), default=0)
    while 0 < start < len(text) and text[start - 1].isalnum() and text[start].isalnum() and text[start].isascii():
        start -= 1
    while 0 < end < len(text) and text[end - 1].isalnum() and text[end].isalnum() and text[end - 1].isascii():
        end += 1
    if 0 < end < len(text) and _JAPANESE_CHAR.match(text[end - 1]) and _JAPANESE_CHAR.match(text[end]):
        end = min((at for at in _japanese_word_starts(text) if at >= end), default=len(text))
    while start < end and text[start] in " \t,、，;:":
        start += 1
    while end > start and text[end - 1] in " \t":
        end -= 1
    return start, end

