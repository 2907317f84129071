"""dedupe: Statements in, Statements without near-duplicates out, and a record of every merge.

Tiers, each optional: exact (equal after normalisation), fuzzy (rapidfuzz ratio on normalised text),
semantic (cosine of multilingual-e5-small embeddings), llm (a model judges borderline semantic pairs).
Every tier is behind the polarity guard, so a statement and its negation, its antonym or the same
claim about another subject (OSS vs SIer, small vs large) never merge.

Clustering is leader-based: statements are visited best-supported first, and each joins the most
similar kept representative it may merge with, or becomes one. A member is therefore always similar
to its own representative: A~B and B~C never chain A and C together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from ..defaults import default_of
from ..models import Merge, Statement
from ..polarity import may_merge, opposed, polarity_signature, signatures_compatible
from ..text import normalize_for_matching

TIERS = ("exact", "fuzzy", "semantic", "llm")
# Pairs this far below the semantic threshold go to the LLM judge when the llm tier is on.
LLM_BAND = 0.02
BLOCK_ROWS = 1000
_TIER_RANK = {tier: rank for rank, tier in enumerate(TIERS)}

Embedder = Callable[[list[str]], np.ndarray]
Judge = Callable[[str, str], bool]


@dataclass
class DedupeOptions:
    tiers: Sequence[str] = field(default_factory=lambda: default_of("tiers"))
    fuzzy_threshold: float = field(default_factory=lambda: default_of("threshold"))
    semantic_threshold: float = field(default_factory=lambda: default_of("semantic_threshold"))
    # Off only to measure what the guard prevents (benchmarks); never off in the tool.
    polarity_guard: bool = True


@dataclass
class DedupeResult:
    kept: list[Statement]
    merges: list[Merge]
    dropped_against: list[Merge] = field(default_factory=list)
    near_misses: list[Merge] = field(default_factory=list)
    # For each input statement (by position), the position of the statement it was merged into (itself when kept).
    leader_of: dict[int, int] = field(default_factory=dict)


def support_rank(statement: Statement) -> tuple:
    """Better-supported first: a quote, then a traced source, then the shorter (clearer) text."""
    return (statement.quote is None, statement.document_id is None, len(statement.text), statement.text)


def fuzzy_pairs(texts: list[str], threshold: float) -> dict[tuple[int, int], float]:
    """Pairs (i, j), i < j, with ratio ≥ threshold: rapidfuzz cdist in row blocks over the upper triangle."""
    pairs: dict[tuple[int, int], float] = {}
    for start in range(0, len(texts), BLOCK_ROWS):
        scores = process.cdist(texts[start:start + BLOCK_ROWS], texts[start:], scorer=fuzz.ratio,
                               score_cutoff=threshold, dtype=np.uint8, workers=-1)
        rows, columns = np.nonzero(scores)
        for row, column in zip(rows.tolist(), columns.tolist()):
            if column > row:
                pairs[(start + row, start + column)] = float(scores[row, column])
    return pairs


def semantic_pairs(vectors: np.ndarray, threshold: float) -> dict[tuple[int, int], float]:
    """Pairs (i, j), i < j, whose (normalised) embeddings have cosine ≥ threshold, in row blocks."""
    pairs: dict[tuple[int, int], float] = {}
    for start in range(0, len(vectors), BLOCK_ROWS):
        scores = vectors[start:start + BLOCK_ROWS] @ vectors[start:].T
        rows, columns = np.nonzero(scores >= threshold)
        for row, column in zip(rows.tolist(), columns.tolist()):
            if column > row:
                pairs[(start + row, start + column)] = round(float(scores[row, column]), 4)
    return pairs


def candidate_pairs(texts: list[str], options: DedupeOptions, embed: Embedder | None,
                    judge: Judge | None) -> dict[tuple[int, int], tuple[str, float]]:
    """Every pair some tier finds similar, with the first (strictest) tier that found it."""
    normalized = [normalize_for_matching(text) for text in texts]
    found: dict[tuple[int, int], tuple[str, float]] = {}

    def add(pairs: dict[tuple[int, int], float], tier: str) -> None:
        for pair, score in pairs.items():
            if pair not in found or _TIER_RANK[tier] < _TIER_RANK[found[pair][0]]:
                found[pair] = (tier, score)

    members: dict[str, list[int]] = {}
    for index, key in enumerate(normalized):
        members.setdefault(key, []).append(index)
    if "exact" in options.tiers:
        add({(i, j): 100.0 for group in members.values() for a, i in enumerate(group) for j in group[a + 1:]},
            "exact")
    if "fuzzy" in options.tiers:
        # Fuzzy-match each distinct normalised text once, then spread the pair to every statement that has it.
        unique = list(members)
        add({(min(i, j), max(i, j)): score for (u, v), score in fuzzy_pairs(unique, options.fuzzy_threshold).items()
             for i in members[unique[u]] for j in members[unique[v]]}, "fuzzy")
    if ("semantic" in options.tiers or "llm" in options.tiers) and embed is not None:
        vectors = embed(texts)
        lower = options.semantic_threshold - (LLM_BAND if "llm" in options.tiers else 0.0)
        close = semantic_pairs(vectors, lower)
        if "semantic" in options.tiers:
            add({pair: score for pair, score in close.items() if score >= options.semantic_threshold}, "semantic")
        if "llm" in options.tiers and judge is not None:
            borderline = {pair: score for pair, score in close.items()
                          if score < options.semantic_threshold or "semantic" not in options.tiers}
            add({pair: score for pair, score in borderline.items()
                 if pair not in found and may_merge(texts[pair[0]], texts[pair[1]])
                 and judge(texts[pair[0]], texts[pair[1]])}, "llm")
    return found


def dedupe_statements(statements: list[Statement], options: DedupeOptions | None = None,
                      against: list[Statement] | None = None, embed: Embedder | None = None,
                      judge: Judge | None = None, keep_order: bool = False) -> DedupeResult:
    """Kept statements (input order), the merges, and the new statements dropped as duplicates of
    `against` (comments already in a running conversation, which are never output themselves)."""
    options = options or DedupeOptions()
    existing = against or []
    everything = existing + statements
    texts = [statement.text for statement in everything]
    signatures = [polarity_signature(text) for text in texts]
    neighbours: dict[int, dict[int, tuple[str, float]]] = {}
    for (i, j), tier_score in candidate_pairs(texts, options, embed, judge).items():
        neighbours.setdefault(i, {})[j] = tier_score
        neighbours.setdefault(j, {})[i] = tier_score

    # Existing comments lead first, then new statements best-supported first.
    new = range(len(existing), len(everything))
    order = list(range(len(existing))) + (list(new) if keep_order else sorted(new, key=lambda i: support_rank(everything[i])))
    leader_of: dict[int, int] = {}
    merges: list[Merge] = []
    dropped_against: list[Merge] = []
    for i in order:
        candidates = [
            (_TIER_RANK[tier], -score, j, tier, score) for j, (tier, score) in neighbours.get(i, {}).items()
            if leader_of.get(j) == j and (not options.polarity_guard or (
                signatures_compatible(signatures[j], signatures[i]) and not opposed(texts[i], texts[j])))
        ]
        if i < len(existing) or not candidates:
            leader_of[i] = i
            continue
        _, _, leader, tier, score = min(candidates)
        leader_of[i] = leader
        record = Merge(kept=texts[leader], absorbed=texts[i], tier=tier, score=score, existing=leader < len(existing))
        (dropped_against if record.existing else merges).append(record)

    absorbed: dict[int, list[str]] = {}
    for i, leader in leader_of.items():
        if i != leader and leader >= len(existing):
            absorbed.setdefault(leader, []).append(texts[i])
    kept = [
        everything[i].model_copy(update={"merged": everything[i].merged + absorbed.get(i, [])})
        for i in range(len(existing), len(everything)) if leader_of[i] == i
    ]
    offset = len(existing)
    leaders = {i - offset: leader - offset for i, leader in leader_of.items() if i >= offset and leader >= offset}
    return DedupeResult(kept=kept, merges=merges, dropped_against=dropped_against, leader_of=leaders)
