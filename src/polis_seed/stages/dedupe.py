"""dedupe: Statements in, Statements without near-duplicates out, and a record of every merge.

Tiers: exact (equal after normalisation), then fuzzy (rapidfuzz ratio on normalised text). Every
merge must pass the polarity guard, so a statement and its negation or antonym never merge.
Clustering is leader-based: statements are visited best-supported first, and each one joins the
first kept representative it is similar to, or becomes one. A member is therefore always similar
to its own representative, and A~B, B~C never chains A and C together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from ..models import Merge, Statement
from ..polarity import polarity_signature
from ..text import normalize_for_matching

DEFAULT_FUZZY_THRESHOLD = 88.0
BLOCK_ROWS = 2000


@dataclass
class DedupeResult:
    kept: list[Statement]
    merges: list[Merge]


def support_rank(statement: Statement) -> tuple:
    """Better-supported first: a quote, then a traced source, then the shorter (clearer) text."""
    return (statement.quote is None, statement.document_id is None, len(statement.text), statement.text)


def similar_pairs(texts: list[str], threshold: float) -> dict[int, dict[int, float]]:
    """Pairs (i, j), i < j, with ratio ≥ threshold, computed in blocks of the upper triangle."""
    neighbours: dict[int, dict[int, float]] = {}
    for start in range(0, len(texts), BLOCK_ROWS):
        block = texts[start:start + BLOCK_ROWS]
        scores = process.cdist(block, texts[start:], scorer=fuzz.ratio, score_cutoff=threshold,
                               dtype=np.uint8, workers=-1)
        rows, columns = np.nonzero(scores)
        for row, column in zip(rows.tolist(), columns.tolist()):
            i, j = start + row, start + column
            if i < j:
                score = float(scores[row, column])
                neighbours.setdefault(i, {})[j] = score
                neighbours.setdefault(j, {})[i] = score
    return neighbours


def dedupe_statements(statements: list[Statement], fuzzy_threshold: float = DEFAULT_FUZZY_THRESHOLD) -> DedupeResult:
    normalized = [normalize_for_matching(statement.text) for statement in statements]
    signatures = [polarity_signature(statement.text) for statement in statements]
    neighbours = similar_pairs(normalized, fuzzy_threshold)

    order = sorted(range(len(statements)), key=lambda i: support_rank(statements[i]))
    representative_of: dict[int, int] = {}
    leaders_by_text: dict[tuple, int] = {}
    merges: list[Merge] = []
    for i in order:
        key = (normalized[i], signatures[i])
        leader, tier, score = leaders_by_text.get(key), "exact", 100.0
        if leader is None:
            candidates = [
                (score, j) for j, score in neighbours.get(i, {}).items()
                if representative_of.get(j) == j and signatures[j] == signatures[i]
            ]
            if candidates:
                score, leader = max(candidates, key=lambda item: (item[0], -item[1]))
                tier = "fuzzy"
        if leader is None:
            representative_of[i] = i
            leaders_by_text[key] = i
            continue
        representative_of[i] = leader
        merges.append(Merge(kept=statements[leader].text, absorbed=statements[i].text, tier=tier, score=score))

    absorbed: dict[int, list[str]] = {}
    for i, leader in representative_of.items():
        if i != leader:
            absorbed.setdefault(leader, []).append(statements[i].text)
    kept = [
        statements[i].model_copy(update={"merged": statements[i].merged + absorbed.get(i, [])})
        for i in range(len(statements)) if representative_of[i] == i
    ]
    return DedupeResult(kept=kept, merges=merges)
