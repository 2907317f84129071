"""select: which source sentences each angle's statements are written from (the sentence strategy).

Sentences are chosen by meaning, not by a keyword list written for one topic: every usable sentence of the
documents is compared (multilingual-e5-small embeddings) with each angle's name and sides, with the
angle's keywords, if any, as a small boost. Each angle takes its closest sentences, spread over the
documents, and each side its own: a sentence closer to the con side's description (or voicing a concern)
goes to the con side first. Headings, table rows, questions and instructions (「…議論せよ」) are never used:
a request to a reader or a chatbot is not a claim anyone holds. No model is called.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from ..models import Angle, Chunk, Document
from ..language.text import is_not_content, is_question, normalize_for_matching
from .chunk import MAX_SENTENCE_CHARS

# Words that mark a concern or a limit: a nudge toward the con side, which advocacy documents under-supply.
_CONCERN_CUES = (
    "課題", "懸念", "困難", "難し", "リスク", "問題", "不足", "負担", "弊害", "しかし", "一方", "ただし", "ない",
    "不安", "反対", "デメリット", "限界", "低下", "遅れ", "指摘",
    "concern", "risk", "difficult", "problem", "however", "but ", "lack", "burden", "not ", "downside",
    "oppos", "fail", "worr",
)
KEYWORD_BOOST = 0.01
# A sentence that holds a judgement (べき, 難しい, risk, should, …) gives a statement to vote on; one that only
# describes gives a fact: the first is preferred, by about as much as one angle differs from the next.
VIEW_BOOST = 0.02
# Below this many sentences every one is a candidate; above, only the better half by meaning.
MIN_SENTENCES_FOR_A_FLOOR = 10
Embedder = Callable[[list[str]], np.ndarray]


def voices_view(sentence: str) -> bool:
    from ..rules import OPINION_MARKERS

    lowered = sentence.casefold()
    return is_concern(sentence) or any(marker in lowered for marker in OPINION_MARKERS)


def is_concern(sentence: str) -> bool:
    lowered = sentence.casefold()
    return any(cue in lowered for cue in _CONCERN_CUES)


@dataclass
class Passage:
    sentence: str
    chunk_id: str
    document_id: str
    path: str
    relevance: float = 0.0
    leans_con: float = 0.0  # cos to the con side − cos to the pro side (+ a concern cue)


# List marks and numbering before a sentence (「- 」, 「・」, 「1. 」, 「(2)」, 「①」).
_LIST_MARK = re.compile(r"^(?:[-–・●○◆◇■□▪▶•*＊]+\s*|[(（]?\d{1,2}[)）.．、]\s*|[①-⑳]\s*)+")
# A short label before a colon (「コスト削減: 各自治体が…」, "Cost: the city …"): the claim follows it.
_LABEL = re.compile(r"^([^:：。、.!?「」()（）]{2,16})[:：]\s*(?=\S)")
# A connective that ties a sentence to the one before (「一方で、」, "However,"): it points at a context the
# voter never sees, and a small model copies it into the statement.
_CONNECTIVE = re.compile(r"^(?:一方で?|しかし(?:ながら)?|ただし|また|なお|さらに|そのため|そこで|その上|加えて|つまり|例えば|"
                         r"ところが|だが|でも)[、,]\s*|^(?:However|Also|Moreover|In addition|Furthermore|But|So|Still|"
                         r"Yet|For example|Therefore),\s+", re.I)
# Marks that fill a table's cells (「対応 ● ● ● ●」).
_CELL_MARKS = re.compile(r"[●○◎△×✓✔]")
# A sentence that announces what follows (「以下の切り口から議論します」): about the document, not the topic.
_ANNOUNCES = re.compile(r"(?:以下|下記|次の)[^。]*(?:議論|説明|紹介|整理|検討|報告|述べ)(?:します|する|いたします)。?$")


def claim_part(sentence: str) -> str:
    """The part of a sentence that carries its claim: without list marks, a leading label and a leading
    connective. Always a verbatim stretch of the sentence, so a quote taken from it is in the document."""
    text = sentence.strip()
    for pattern in (_LIST_MARK, _LABEL, _CONNECTIVE):
        stripped = pattern.sub("", text, count=1).strip()
        if len(stripped) >= 10:
            text = stripped
    return text


def usable_sentence(sentence: str) -> bool:
    """A sentence that can carry a claim: not a heading, table row, run of numbers, question, instruction or
    navigation (「会議録を見る（PDF）」, "Watch the video")."""
    if sentence.startswith("#") or not 15 <= len(sentence) <= MAX_SENTENCE_CHARS or "\t" in sentence \
            or sentence.count("|") >= 3:
        return False
    if is_not_content(sentence) or len(_CELL_MARKS.findall(sentence)) >= 2 or _ANNOUNCES.search(sentence):
        return False
    letters = sum(ch.isalpha() for ch in sentence)
    if letters < 0.6 * len(sentence.replace(" ", "")) or is_question(sentence):
        return False
    if any("\u3040" <= ch <= "\u30ff" for ch in sentence):
        from ..language.morphology import is_instruction, reads_as_heading

        return not is_instruction(sentence) and not reads_as_heading(sentence)
    return True


@dataclass
class SentencePool:
    """The usable sentences of a document set and their embeddings, computed once per run."""

    passages: list[Passage]
    vectors: np.ndarray
    sentences_read: int = 0  # every sentence of the chunks, usable or not (a note says how many when none is)

    @classmethod
    def build(cls, chunks: list[Chunk], documents: list[Document], embed: Embedder) -> SentencePool:
        paths = {document.id: document.path for document in documents}
        # A Markdown or HTML heading has lost its `#` in the text; it is still a heading.
        headings = {document.id: {normalize_for_matching(heading) for heading in document.headings}
                    for document in documents}
        seen: set[str] = set()
        passages = []
        for chunk in chunks:
            for sentence in map(claim_part, chunk.sentences):
                key = normalize_for_matching(sentence)
                if key in seen or key in headings.get(chunk.document_id, ()) or not usable_sentence(sentence):
                    continue
                seen.add(key)
                passages.append(Passage(sentence, chunk.id, chunk.document_id, paths.get(chunk.document_id, "")))
        vectors = embed([p.sentence for p in passages]) if passages else np.zeros((0, 384), dtype=np.float32)
        return cls(passages, vectors, sum(len(chunk.sentences) for chunk in chunks))


def select_passages(angle: Angle, pool: SentencePool, embed: Embedder, language: str, topic: str | None,
                    limit: int, char_budget: int) -> list[Passage]:
    """The sentences one angle's statements are written from, best first. An angle whose keywords (when it
    has any) occur nowhere in the documents is not about them: no sentence is chosen for it. Embeddings
    rank sentences well but cannot say that none is relevant (their cosines sit in a narrow band that
    differs by language), so only the better half of the sentences, by meaning, are candidates."""
    if not pool.passages:
        return []
    keywords = [normalize_for_matching(keyword) for keyword in angle.keywords if keyword.strip()]
    hits = [sum(1 for keyword in keywords if keyword and keyword in normalize_for_matching(p.sentence))
            for p in pool.passages]
    if keywords and not any(hits):
        return []
    name, pro, con = (angle.text(part, language, topic) for part in ("name", "pro", "con"))
    queries = embed([f"{name}: {pro} / {con}", pro, con])
    views = np.array([voices_view(p.sentence) for p in pool.passages], dtype=np.float32)
    relevance = pool.vectors @ queries[0] + KEYWORD_BOOST * np.minimum(np.array(hits), 3) + VIEW_BOOST * views
    leaning = pool.vectors @ queries[2] - pool.vectors @ queries[1]
    floor = float(np.median(relevance))
    scored = []
    for index, passage in enumerate(pool.passages):
        score = float(relevance[index])
        if score < floor and len(pool.passages) >= MIN_SENTENCES_FOR_A_FLOOR:
            continue
        scored.append(Passage(passage.sentence, passage.chunk_id, passage.document_id, passage.path, score,
                              float(leaning[index]) + (0.01 if is_concern(passage.sentence) else 0.0)))
    scored.sort(key=lambda p: p.relevance, reverse=True)
    return _spread(scored, limit, char_budget)


def _spread(scored: list[Passage], limit: int, char_budget: int) -> list[Passage]:
    """Best first, at most a fair share per document, no near-repeats, within the character budget."""
    per_document_cap = max(3, math.ceil(limit / max(1, len({p.document_id for p in scored}))) + 1)
    picked: list[Passage] = []
    per_document: dict[str, int] = {}
    used_chars = 0
    for passage in scored:
        if len(picked) >= limit:
            break
        if per_document.get(passage.document_id, 0) >= per_document_cap:
            continue
        if used_chars + len(passage.sentence) > char_budget:
            continue
        if any(fuzz.ratio(passage.sentence, other.sentence) >= 90 for other in picked):
            continue
        picked.append(passage)
        per_document[passage.document_id] = per_document.get(passage.document_id, 0) + 1
        used_chars += len(passage.sentence)
    return picked
