"""select: which source sentences each angle's statements are written from (the sentence strategy).

For each angle, the sentences that mention it, spread over the documents, and up to half of them
voicing a concern so that the con side has material too. No model is called.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rapidfuzz import fuzz

from ..models import Angle, Chunk, Document
from ..text import normalize_for_matching

# Words that mark a concern or a limit: sentences with them feed the "con" side, which advocacy
# documents tend to under-supply.
_CONCERN_CUES = (
    "課題", "懸念", "困難", "難し", "リスク", "問題", "不足", "負担", "弊害", "しかし", "一方", "ただし", "ない",
    "不安", "反対", "デメリット", "限界", "低下", "遅れ", "指摘",
    "concern", "risk", "difficult", "problem", "however", "but ", "lack", "burden", "not ", "downside",
    "oppos", "fail", "worr",
)


def is_concern(sentence: str) -> bool:
    lowered = sentence.casefold()
    return any(cue in lowered for cue in _CONCERN_CUES)


@dataclass
class Passage:
    sentence: str
    chunk_id: str
    document_id: str
    path: str


def usable_sentence(sentence: str) -> bool:
    """A sentence that can carry a claim: not a heading, table row, or run of numbers."""
    if sentence.startswith("#") or not 15 <= len(sentence) <= 250 or "\t" in sentence or sentence.count("|") >= 3:
        return False
    letters = sum(ch.isalpha() for ch in sentence)
    return letters >= 0.6 * len(sentence.replace(" ", ""))


def select_passages(angle: Angle, chunks: list[Chunk], documents: list[Document],
                    limit: int, char_budget: int) -> list[Passage]:
    """The sentences the model sees for one angle, best first."""
    paths = {document.id: document.path for document in documents}
    keywords = [normalize_for_matching(keyword) for keyword in angle.keywords if keyword.strip()]
    scored: list[tuple[float, int, Passage, bool]] = []
    order = 0
    for chunk in chunks:
        for sentence in chunk.sentences:
            order += 1
            if not usable_sentence(sentence):
                continue
            normalized = normalize_for_matching(sentence)
            hits = sum(1 for keyword in keywords if keyword and keyword in normalized)
            if not hits:
                continue
            passage = Passage(sentence, chunk.id, chunk.document_id, paths.get(chunk.document_id, ""))
            scored.append((hits, -order, passage, is_concern(sentence)))
    scored.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return _spread(scored, limit, char_budget)


def _spread(scored: list[tuple[float, int, Passage, bool]], limit: int, char_budget: int) -> list[Passage]:
    """Best first, at most a fair share per document, half concerns when there are any, no near-repeats."""
    per_document_cap = max(3, math.ceil(limit / max(1, len({p.document_id for _, _, p, _ in scored}))) + 1)
    concern_quota = limit // 2
    picked: list[Passage] = []
    per_document: dict[str, int] = {}
    used_chars = 0
    # First pass fills the concern quota, second pass the rest, both by score.
    for want_concern in (True, False):
        for _, _, passage, concern in scored:
            if len(picked) >= limit or (want_concern and len(picked) >= concern_quota):
                break
            if (want_concern and not concern) or passage in picked:
                continue
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
