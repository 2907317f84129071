"""chunk: Documents in, Chunks of whole sentences out, with o200k_base token counts."""

from __future__ import annotations

import re

from ..io.markup import clean_markup
from ..models import Chunk, Document, Language
from ..language.text import detect_language
from ..language.tokens import count_tokens

DEFAULT_CHUNK_TOKENS = 400
MAX_SENTENCE_CHARS = 300

_BULLET = re.compile(r"^\s*(?:[-*+・•●○■□◆◇▪※>#]|\d+[.)．、]|[（(]\d+[)）]|[①-⑳])")
_TERMINAL_JA = "。！？!?．"
# A Japanese line ending in a comma or a case particle stops mid-sentence: the page was full.
_CONTINUES_JA = ("、", "，", ",", "に", "を", "が", "は", "へ", "や", "て", "と", "の", "で", "から", "より", "ので")
_OPENERS = "「『（(【〔“"
_CLOSERS = "」』）)】〕”"
# Where an English sentence may end: . ! or ? (and closing quotes or brackets), then a space.
_EN_SENTENCE_MARK = re.compile(r"[.!?][\"'”’)\]]*\s+")
# Words a period follows without ending the sentence: titles, street and company words, Latin, numbering.
# Words of English itself are not on it ("no", "art", "am"): "The answer was no. Then …" ends there; "No. 5" does not,
# as a number follows.
EN_ABBREVIATIONS = frozenset("""mr mrs ms mx dr prof rev hon sen rep gov gen col capt lt sgt st ave blvd rd ln hwy mt ft
sq co inc ltd corp llc jr sr vol vols fig figs pp approx vs cf etc e.g i.e eg ie viz a.m p.m u.s u.k u.n e.u d.c
jan feb apr jun jul aug sep sept oct nov dec dept govt univ assn bros""".split())
# An initial ("J. Smith") or letters with periods ("U.S.", "a.m.", "e.g."): not the end of a sentence.
_DOTTED = re.compile(r"(?:^|[\s(\[\"'“])(?:[A-Za-z]\.)*[A-Za-z]\.$")


def _looks_wrapped(previous: str, fixed_width: int | None, language: Language) -> bool:
    """Did this line end because the page was full rather than because the sentence ended?

    English lines in one paragraph are wrapped prose. Japanese lines without 。 are just as often
    list items, headings or table rows, so a Japanese line counts as hard-wrapped only when the
    paragraph is set at a fixed width and this line runs to it.
    """
    if previous.endswith(tuple(_TERMINAL_JA + ".:：" + _CLOSERS)) or "\t" in previous:
        return False
    if language == "en" or previous.endswith(_CONTINUES_JA):
        return True
    return fixed_width is not None and len(previous) >= fixed_width - 2


def _fixed_width(lines: list[str]) -> int | None:
    """The wrap width when most lines of a paragraph stop at (nearly) the same column."""
    if len(lines) < 2:
        return None
    widest = max(len(line) for line in lines)
    full = sum(1 for line in lines if len(line) >= widest - 2)
    return widest if widest >= 15 and full >= max(2, 0.4 * len(lines)) else None


def _join_wrapped_lines(lines: list[str], language: Language) -> list[str]:
    """Rejoin lines hard-wrapped mid-sentence; bullets and finished sentences start new lines."""
    stripped = [line.strip() for line in lines if line.strip()]
    fixed_width = _fixed_width(stripped)
    logical: list[str] = []
    for line in stripped:
        if logical and _BULLET.match(line) is None and _looks_wrapped(logical[-1], fixed_width, language):
            previous = logical[-1]
            needs_space = language == "en" or (previous[-1].isascii() and line[0].isascii())
            logical[-1] = previous + (" " if needs_space else "") + line
        else:
            logical.append(line)
    return logical


def _split_overlong(sentence: str, limit: int = MAX_SENTENCE_CHARS) -> list[str]:
    """Cut a run-on line (a flattened table, a list with no punctuation) at commas or spaces."""
    pieces: list[str] = []
    while len(sentence) > limit:
        window = sentence[:limit]
        cut = max(window.rfind(mark) for mark in ("、", ",", " ", "\t"))
        cut = cut + 1 if cut > limit // 3 else limit
        pieces.append(sentence[:cut].strip())
        sentence = sentence[cut:]
    pieces.append(sentence.strip())
    return [piece for piece in pieces if piece]


def _split_japanese(line: str) -> list[str]:
    """Split at 。！？ that are not inside 「」, 『』 or parentheses."""
    sentences, current, depth = [], [], 0
    for ch in line:
        current.append(ch)
        if ch in _OPENERS:
            depth += 1
        elif ch in _CLOSERS:
            depth = max(0, depth - 1)
        elif ch in _TERMINAL_JA and depth == 0:
            sentences.append("".join(current))
            current = []
    if current:
        sentences.append("".join(current))
    return sentences


def ends_english_sentence(before: str, after: str) -> bool:
    """Whether a mark at the end of `before` ends a sentence, `after` being the text that follows the space: not
    when a lower-case word or a number follows ("Co. and Widget Inc. sued", "No. 5"), and not after an abbreviation
    ("St. Paul", "Dr. Smith", "vs. Ramsey", "Cleveland Ave. Traffic"), an initial ("J. Smith") or letters with
    periods ("the U.S. Senate", "5 p.m. Friday")."""
    following = after.lstrip("\"'“‘([")
    if not following or following[0].islower() or following[0].isdigit():
        return False
    stripped = before.rstrip("\"'”’)]")
    if not stripped.endswith("."):
        return True
    word = re.split(r"[\s(\[\"'“]", stripped)[-1]
    return word[:-1].casefold() not in EN_ABBREVIATIONS and not _DOTTED.search(stripped)


def _split_english(line: str) -> list[str]:
    sentences: list[str] = []
    start = 0
    for mark in _EN_SENTENCE_MARK.finditer(line):
        if ends_english_sentence(line[start:mark.end()].rstrip(), line[mark.end():]):
            sentences.append(line[start:mark.end()].strip())
            start = mark.end()
    sentences.append(line[start:].strip())
    return [sentence for sentence in sentences if sentence]


def split_sentences(text: str, language: Language | None = None) -> list[str]:
    """Sentences of a document, with markup removed and hard-wrapped lines rejoined."""
    text = clean_markup(text)
    language = language or detect_language(text)
    sentences: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        for line in _join_wrapped_lines(paragraph.split("\n"), language):
            # Mixed documents exist: split each line by its own script.
            splitter = _split_japanese if detect_language(line) == "ja" else _split_english
            for sentence in splitter(line):
                sentences.extend(_split_overlong(sentence.strip()))
    return sentences


def chunk_document(document: Document, max_tokens: int = DEFAULT_CHUNK_TOKENS) -> list[Chunk]:
    chunks: list[Chunk] = []
    current: list[str] = []
    current_tokens = 0

    def flush() -> None:
        nonlocal current, current_tokens
        if current:
            index = len(chunks)
            chunks.append(
                Chunk(
                    id=f"{document.id}:{index}",
                    document_id=document.id,
                    index=index,
                    sentences=current,
                    token_count=current_tokens,
                )
            )
        current, current_tokens = [], 0

    for sentence in split_sentences(document.text):
        tokens = count_tokens(sentence)
        if current and current_tokens + tokens > max_tokens:
            flush()
        current.append(sentence)
        current_tokens += tokens
    flush()
    return chunks


def chunk_documents(documents: list[Document], max_tokens: int = DEFAULT_CHUNK_TOKENS) -> list[Chunk]:
    return [chunk for document in documents for chunk in chunk_document(document, max_tokens)]
