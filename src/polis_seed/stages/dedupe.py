"""dedupe: Statements in, Statements without duplicates out, with a record of every merge and of every
near miss kept apart (and why).

Tiers find candidate pairs: exact (equal after normalisation), fuzzy (rapidfuzz ratio), semantic (cosine
of multilingual-e5-small embeddings). Similarity only nominates: a pair merges when what differs between
the two statements is known to be equivalent (compare.py). A changed word is the point of a statement, so
"help" / "hurt", "man" / "woman", 軽い / 重い never merge; with the `llm` tier on, pairs that differ by
content words (but not by a number, a negation or swapped roles) are put to the model.

Clustering is leader-based: statements are visited best first (accepted by the moderator, breaking no
rule, sourced), and each joins the most similar representative it may merge with, or becomes one. A
member is always similar to its own representative: A~B and B~C never chain A and C together.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from ..language.compare import Verdict, certainly_different, compare, quick_difference
from ..language.sentiment import sentiment
from ..defaults import default_of
from ..models import Merge, Reason, Statement, said
from ..rules import Context, check_statement
from ..language.text import normalize_for_matching

TIERS = ("exact", "fuzzy", "semantic", "llm")
# Pairs this far below the semantic threshold go to the LLM judge when the llm tier is on.
LLM_BAND = 0.03
# A rephrased phrase (several content words on each side) counts as equivalent in the semantic tier only
# when the two phrases' own embeddings are this close.
SPAN_THRESHOLD = 0.95
# A changed predicate of a word or two (困難 → 難しい) that no dictionary knows, but that passes every check of
# compare._why_not_similar_enough, counts as equivalent when the two words' embeddings are this close. Set on
# benchmarks/dedupe_dev.py's word pairs, not on the labelled lists.
WORD_THRESHOLD = 0.85
# Reasons the judge is never asked to overrule: a changed number, a negation, roles that trade places, sides
# that oppose.
_NEVER_JUDGED = frozenset({"merge.number", "merge.negation", "merge.negation-moved", "merge.trade", "merge.roles",
                           "merge.sentiment", "merge.opposite", "merge.opposite-characters"})
# The closest candidates a statement was kept apart from, and why: enough to check a decision.
NEAR_MISSES_PER_STATEMENT = 1
BLOCK_ROWS = 1000
_TIER_RANK = {tier: rank for rank, tier in enumerate(TIERS)}

Embedder = Callable[[list[str]], np.ndarray]
# Given every near-miss pair of a dedupe at once, whether each is the same claim: one call, so a model can
# be asked about many pairs in one request (stages/judge.py).
Judge = Callable[[list[tuple[str, str]]], list[bool]]


@dataclass
class DedupeOptions:
    tiers: Sequence[str] = field(default_factory=lambda: default_of("tiers"))
    fuzzy_threshold: float = field(default_factory=lambda: default_of("threshold"))
    semantic_threshold: float = field(default_factory=lambda: default_of("semantic_threshold"))
    # Off only to measure what the guard prevents (benchmarks); never off in the tool.
    guard: bool = True


@dataclass
class DedupeResult:
    kept: list[Statement]
    merges: list[Merge]
    dropped_against: list[Merge] = field(default_factory=list)
    near_misses: list[Merge] = field(default_factory=list)
    # For each input statement (by position), the position of the statement it was merged into (itself when kept).
    leader_of: dict[int, int] = field(default_factory=dict)


@functools.lru_cache(maxsize=1 << 16)
def _rule_counts(text: str) -> tuple[int, int]:
    findings = check_statement(text, Context(max_chars=default_of("max_chars"))).findings
    return sum(f.severity == "error" for f in findings), sum(f.severity == "warning" for f in findings)


def quality_rank(statement: Statement) -> tuple:
    """Best first: accepted by a moderator, then breaking no rule (errors, then warnings), then traced to
    a source, then shorter. A rejected comment comes last."""
    moderation = {1: 0, None: 1, 0: 1, -1: 2}[statement.moderated]
    return (moderation, *_rule_counts(statement.text), statement.quote is None, statement.document_id is None,
            len(statement.text), statement.text)


def fuzzy_pairs(texts: list[str], threshold: float) -> dict[tuple[int, int], float]:
    """Pairs (i, j), i < j, with ratio ≥ threshold: rapidfuzz cdist in row blocks over the upper triangle.

    Texts are sorted by length first: the ratio of lengths L ≤ M is at most 200·L/(L+M), so a block of rows
    is compared only with the texts short enough to reach the threshold, not with all of them."""
    order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
    ordered = [texts[index] for index in order]
    lengths = [len(text) for text in ordered]
    # M ≤ L·(200 − t)/t for the ratio to reach t.
    reach = (200 - threshold) / threshold if threshold > 0 else float("inf")
    pairs: dict[tuple[int, int], float] = {}
    for start in range(0, len(ordered), BLOCK_ROWS):
        rows_end = min(start + BLOCK_ROWS, len(ordered))
        longest = lengths[rows_end - 1] * reach
        end = rows_end
        while end < len(ordered) and lengths[end] <= longest:
            end += 1
        scores = process.cdist(ordered[start:rows_end], ordered[start:end], scorer=fuzz.ratio,
                               score_cutoff=threshold, dtype=np.uint8, workers=-1)
        rows, columns = np.nonzero(scores)
        for row, column in zip(rows.tolist(), columns.tolist()):
            if column > row:
                first, second = order[start + row], order[start + column]
                pairs[(min(first, second), max(first, second))] = float(scores[row, column])
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


def candidate_pairs(texts: list[str], options: DedupeOptions,
                    embed: Embedder | None) -> dict[tuple[int, int], tuple[str, float]]:
    """Every pair some tier finds similar, with the strictest tier that found it."""
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
        add({(i, j): 100.0 for group in members.values() for a, i in enumerate(group) for j in group[a + 1:]}, "exact")
    if "fuzzy" in options.tiers:
        # Fuzzy-match each distinct normalised text once, then spread the pair to every statement that has it.
        unique = list(members)
        add({(min(i, j), max(i, j)): score for (u, v), score in fuzzy_pairs(unique, options.fuzzy_threshold).items()
             for i in members[unique[u]] for j in members[unique[v]]}, "fuzzy")
    if ("semantic" in options.tiers or "llm" in options.tiers) and embed is not None:
        lower = options.semantic_threshold - (LLM_BAND if "llm" in options.tiers else 0.0)
        close = semantic_pairs(embed(texts), lower)
        add({pair: score for pair, score in close.items()
             if score >= options.semantic_threshold and "semantic" in options.tiers}, "semantic")
        add({pair: score for pair, score in close.items()
             if score < options.semantic_threshold or "semantic" not in options.tiers}, "llm")
    return found


class PairJudge:
    """Decides, once per pair, whether two statements may merge, and says why (not)."""

    def __init__(self, texts: list[str], options: DedupeOptions, embed: Embedder | None, judge: Judge | None):
        self.texts = texts
        self.options = options
        self.embed = embed
        self.judge = judge if "llm" in options.tiers else None
        # The comparison weighs embeddings of what differs whenever the semantic tier is on, whichever tier
        # nominated the pair.
        self.semantic = embed is not None and "semantic" in options.tiers
        self._decided: dict[tuple[int, int], tuple[bool, Reason | None]] = {}
        self._quick: dict[tuple[int, int], Reason | None] = {}
        self._spans: dict[str, np.ndarray] = {}
        self._judged: dict[tuple[int, int], bool] = {}
        self._compared: dict[tuple[int, int], tuple[bool, Reason | None]] = {}

    def _span_similarity(self, first: str, second: str) -> float:
        missing = [text for text in dict.fromkeys((first, second)) if text not in self._spans]
        if missing:
            self._spans.update(zip(missing, self.embed(missing)))
        return float(self._spans[first] @ self._spans[second])

    def judge_all(self, pairs: dict[tuple[int, int], tuple[str, float]]) -> None:
        """Ask the judge about every pair the comparison keeps apart for a changed word or phrase, all at once
        (the judge batches them into as few requests as it can)."""
        if self.judge is None:
            return
        asked = [pair for pair, (tier, _) in sorted(pairs.items()) if tier != "exact" and self._judgeable(*pair, tier)]
        if asked:
            self._judged = dict(zip(asked, self.judge([(self.texts[i], self.texts[j]) for i, j in asked])))

    def _judgeable(self, i: int, j: int, tier: str) -> bool:
        may_merge, reason = self._decide_without_judge(i, j, tier)
        return not may_merge and (reason is None or reason.id not in _NEVER_JUDGED)

    def quick_difference(self, i: int, j: int) -> Reason | None:
        """A content word certainly changed between a fuzzy pair (found without a tokenizer), once per pair."""
        pair = (min(i, j), max(i, j))
        if pair not in self._quick:
            self._quick[pair] = quick_difference(self.texts[pair[0]], self.texts[pair[1]])
        return self._quick[pair]

    def may_merge_somewhere(self, i: int, neighbours: dict[int, tuple[str, float]]) -> bool:
        """Cheap test: an exact or semantic neighbour, or a fuzzy one not certainly differing in a content word."""
        return any(tier != "fuzzy" or not self.options.guard or (
            not certainly_different(self.texts[i], self.texts[j]) and self.quick_difference(i, j) is None)
            for j, (tier, _) in neighbours.items())

    def decide(self, i: int, j: int, tier: str) -> tuple[bool, Reason | None]:
        pair = (min(i, j), max(i, j))
        if pair not in self._decided:
            self._decided[pair] = self._decide(*pair, tier)
        return self._decided[pair]

    def _decide(self, i: int, j: int, tier: str) -> tuple[bool, Reason | None]:
        may_merge, reason = self._decide_without_judge(i, j, tier)
        if may_merge or (i, j) not in self._judged:
            return may_merge, reason
        because = (reason or said("merge.word-unshown")).model_dump()
        return self._judged[(i, j)], said("merge.model-same" if self._judged[(i, j)] else "merge.model-different",
                                          because=because)

    def _decide_without_judge(self, i: int, j: int, tier: str) -> tuple[bool, Reason | None]:
        if (i, j) not in self._compared:
            self._compared[(i, j)] = self._compare(i, j, tier)
        return self._compared[(i, j)]

    def _compare(self, i: int, j: int, tier: str) -> tuple[bool, Reason | None]:
        first, second = self.texts[i], self.texts[j]
        if tier == "exact" or not self.options.guard:
            return True, said("merge.exact" if tier == "exact" else "merge.guard-off")
        if not self.semantic and self.judge is None and certainly_different(first, second):
            return False, None  # a content character changed; the reason is worded only if a report shows it
        quick = None if self.semantic else self.quick_difference(i, j)
        if quick is not None:
            return False, quick
        verdict: Verdict = compare(first, second, self._span_similarity if self.semantic else None, SPAN_THRESHOLD,
                                   sentiment=sentiment, word_threshold=WORD_THRESHOLD)
        return verdict.equivalent, verdict.why


def _weighed_by_meaning(reason: Reason | None) -> bool:
    """A merge the embeddings of what differs decided: one of its changes is close in meaning."""
    return reason is not None and reason.id == "merge.other-words" and any(
        change.get("id") == "merge.close" for change in reason.params.get("changes", []))


def dedupe_statements(statements: list[Statement], options: DedupeOptions | None = None,
                      against: list[Statement] | None = None, embed: Embedder | None = None,
                      judge: Judge | None = None, keep_order: bool = False) -> DedupeResult:
    """Kept statements (input order), the merges, the near misses, and the new statements dropped as
    duplicates of `against` (comments already in a running conversation, which are never output)."""
    options = options or DedupeOptions()
    existing = against or []
    everything = existing + statements
    texts = [statement.text for statement in everything]
    neighbours: dict[int, dict[int, tuple[str, float]]] = {}
    candidates = candidate_pairs(texts, options, embed)
    for (i, j), tier_score in candidates.items():
        neighbours.setdefault(i, {})[j] = tier_score
        neighbours.setdefault(j, {})[i] = tier_score
    pair_judge = PairJudge(texts, options, embed, judge)
    pair_judge.judge_all(candidates)

    # Existing comments lead first, then new statements best first. Only a statement that may merge with
    # a neighbour needs the full ranking (the rules); the order of the others changes nothing.
    new = [i for i in range(len(existing), len(everything))]
    if not keep_order:
        new.sort(key=lambda i: quality_rank(everything[i]) if pair_judge.may_merge_somewhere(i, neighbours.get(i, {}))
                 else (3, len(texts[i]), texts[i]))
    leader_of: dict[int, int] = {}
    merges: list[Merge] = []
    dropped_against: list[Merge] = []
    near_misses: list[Merge] = []
    for i in list(range(len(existing))) + new:
        candidates = sorted((_TIER_RANK[tier], -score, j, tier, score) for j, (tier, score) in neighbours.get(i, {}).items()
                            if leader_of.get(j) == j)
        leader_of[i] = i
        if i < len(existing):
            continue
        missed = 0
        for _, _, j, tier, score in candidates:
            may_merge, reason = pair_judge.decide(i, j, tier)
            if may_merge:
                leader_of[i] = j
                # The tier shown is what decided: the model's word, the embeddings of what differs (semantic
                # evidence), or the nominating tier when only known equivalences differ.
                shown_tier = ("llm" if reason is not None and reason.id.startswith("merge.model") else
                              "semantic" if tier == "llm" or _weighed_by_meaning(reason) else tier)
                record = Merge(kept=texts[j], absorbed=texts[i], tier=shown_tier, score=score, found_by=tier,
                               existing=j < len(existing), why=reason)
                (dropped_against if record.existing else merges).append(record)
                break
            if missed < NEAR_MISSES_PER_STATEMENT:
                near_misses.append(Merge(kept=texts[j], absorbed=texts[i], tier=tier, score=score, found_by=tier,
                                         existing=j < len(existing), decision="kept apart",
                                         why=reason or pair_judge.quick_difference(i, j) or said("merge.word-unshown")))
                missed += 1

    absorbed: dict[int, list[str]] = {}
    for i, leader in leader_of.items():
        if i != leader and leader >= len(existing):
            absorbed.setdefault(leader, []).append(texts[i])
    kept = [everything[i].model_copy(update={"merged": everything[i].merged + absorbed[i]}) if i in absorbed
            else everything[i] for i in range(len(existing), len(everything)) if leader_of[i] == i]
    offset = len(existing)
    leaders = {i - offset: leader - offset for i, leader in leader_of.items() if i >= offset and leader >= offset}
    return DedupeResult(kept=kept, merges=merges, dropped_against=dropped_against, near_misses=near_misses,
                        leader_of=leaders)
