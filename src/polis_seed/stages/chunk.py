"""chunk: Documents in, Chunks of whole sentences out, with o200k_base token counts."""

from __future__ import annotations

import re

from ..io.markup import clean_markup
from ..models import Chunk, Document, Language
from ..language.text import detect_language
from ..language.tokens import count_tokens

DEFAULT_CHUNK_TOKENS = 400
# The longest a sentence may be and stay whole (select.usable_sentence takes up to this many characters). A longer
# one (a transcript with no sentence ends, a page flattened into one line, a table) is cut into pieces of up to
# RUN_ON_PIECE_CHARS, about two sentences, so that every piece can be a source sentence.
MAX_SENTENCE_CHARS = 250
RUN_ON_PIECE_CHARS = 160

_JAPANESE_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
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


# English words a new clause starts with, in a text with no sentence ends: a cut goes before them.
_EN_CLAUSE_WORD = re.compile(r"\s(?=(?:and|but|so|because|which|while|although|though|whereas|then|or|since|if|when|"
                             r"unless|until|where|who|that)\s)", re.I)
_CLAUSE_MARK = re.compile(r"[、，,;；:：\t]")


def _cut(piece: str, limit: int) -> int:
    """Where to cut a piece longer than `limit`: the best boundary in the last two thirds of the first `limit`
    characters: a comma or other clause mark, or a Japanese sentence-final form (3), a conjunctive particle or before
    an English conjunction (2), a space or after a Japanese particle (1), between two words (0), never inside one."""
    window = piece[:limit + 1]
    points = [(m.end(), 3) for m in _CLAUSE_MARK.finditer(window)]
    if _JAPANESE_CHAR.search(window):
        from ..language.morphology import cut_points

        points += cut_points(window)
    points += [(m.end(), 2) for m in _EN_CLAUSE_WORD.finditer(window)]
    points += [(m.end(), 1) for m in re.finditer(r"\s+", window)]
    usable = [(strength, at) for at, strength in points if limit // 3 < at <= limit]
    return max(usable)[1] if usable else limit


def _split_overlong(sentence: str, limit: int = RUN_ON_PIECE_CHARS) -> list[str]:
    """Cut a run-on line (a transcript, a flattened table, a list with no punctuation) longer than
    MAX_SENTENCE_CHARS into pieces of at most `limit` characters, at the best boundary each time (`_cut`)."""
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return [sentence] if sentence else []
    if _JAPANESE_CHAR.search(sentence):
        # Japanese run together without 。 still ends its sentences in their final forms: cut there first.
        from ..language.morphology import cut_points

        ends = [at for at, strength in cut_points(sentence) if strength == 3]
        starts = [0] + [at for previous, at in zip([0] + ends, ends) if at - previous >= 15]
        if len(starts) > 1:
            return [piece for start, end in zip(starts, starts[1:] + [len(sentence)])
                    for piece in _split_within(sentence[start:end].strip(), limit)]
    return _split_within(sentence, limit)


def _split_within(sentence: str, limit: int) -> list[str]:
    pieces: list[str] = []
    while len(sentence) > limit:
        cut = _cut(sentence, limit)
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
