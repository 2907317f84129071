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
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process

from ..language.compare import Verdict, certainly_different, compare, quick_difference
from ..language.sentiment import sentiment
from ..defaults import DEFAULT_TIERS, default_of
from ..models import Merge, Reason, Statement, said
from ..rules import Context, check_statement
from ..language.text import normalize_for_matching

TIERS = ("exact", "fuzzy", "semantic", "llm")
# The llm tier nominates far more widely than the semantic tier merges, so that paraphrases reach the judge:
# each statement's JUDGE_NEIGHBOURS nearest statements whose embeddings are at least JUDGE_FLOOR alike. On
# tests/data/dedupe (lists.yaml and heldout_lists.yaml) the least similar duplicate pair has 0.93; 0.90
# nominates every duplicate pair there (benchmarks/dedupe_judge.py --nomination). The cap keeps the pairs
# linear in the statements (a list of 2,000 comments on one subject would otherwise nominate most pairs).
JUDGE_FLOOR = 0.90
JUDGE_NEIGHBOURS = 8
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
# Columns per matrix product in the fuzzy tier: 1000 × 8192 float32 cells, 33 MB at a time.
BLOCK_COLUMNS = 8192
# The character bound of the fuzzy tier: this many commonest characters are features of their own, and each
# character's first LEVELS occurrences count exactly.
CHARACTER_BUCKETS = 48
LEVELS = 4
_TIER_RANK = {tier: rank for rank, tier in enumerate(TIERS)}

Embedder = Callable[[list[str]], np.ndarray]
# Given every near-miss pair of a dedupe at once, whether each is the same claim: one call, so a model can
# be asked about many pairs in one request (stages/judge.py).
Judge = Callable[[list[tuple[str, str]]], list[bool]]


@dataclass
class DedupeOptions:
    tiers: Sequence[str] = DEFAULT_TIERS
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
    # The llm tier: the requests asked (first attempts) and the pairs they held.
    judge_requests: int = 0
    judge_pairs: int = 0


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
    """Pairs (i, j), i < j, with rapidfuzz ratio ≥ threshold: the same pairs as a blocked `process.cdist` over
    every pair, found without scoring most of them.

    The ratio of a and b is 200·LCS/(|a|+|b|), and the longest common subsequence is at most the characters
    the two texts share, counted with repeats. That bound, for every pair of a block of rows at once, is one
    matrix product (_shared_characters), so rapidfuzz scores only the pairs that can reach the threshold
    (`process.cpdist`). Texts are sorted by length, and a block of rows meets only the texts short enough to
    reach it (lengths L ≤ M reach at most 200·L/(L+M))."""
    if len(texts) < 2:
        return {}
    order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
    ordered = [texts[index] for index in order]
    lengths = np.array([len(text) for text in ordered], dtype=np.float32)
    rows_side, columns_side = _shared_characters(ordered, lengths, threshold)
    # M ≤ L·(200 − t)/t for the ratio to reach t.
    reach = (200 - threshold) / threshold if threshold > 0 else float("inf")
    pairs: dict[tuple[int, int], float] = {}
    for start in range(0, len(ordered), BLOCK_ROWS):
        rows_end = min(start + BLOCK_ROWS, len(ordered))
        end = int(np.searchsorted(lengths, lengths[rows_end - 1] * reach + 1e-3, side="right"))
        for tile in range(start, end, BLOCK_COLUMNS):
            tile_end = min(tile + BLOCK_COLUMNS, end)
            # ≥ 0 where the shared characters reach threshold·(|a|+|b|)/200; a small margin for float rounding.
            bound = rows_side[start:rows_end] @ columns_side[tile:tile_end].T
            rows, columns = _nonzero(bound >= -0.01)
            columns += tile - start
            above = columns > rows
            rows, columns = rows[above], columns[above]
            if not len(rows):
                continue
            scores = process.cpdist([ordered[start + row] for row in rows.tolist()],
                                    [ordered[start + column] for column in columns.tolist()],
                                    scorer=fuzz.ratio, score_cutoff=threshold, dtype=np.uint8, workers=-1)
            found = np.nonzero(scores)[0]
            for row, column, score in zip(rows[found].tolist(), columns[found].tolist(), scores[found].tolist()):
                first, second = order[start + row], order[start + column]
                pairs[(min(first, second), max(first, second))] = float(score)
    return pairs


def _shared_characters(texts: list[str], lengths: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Two matrices whose product, for texts a (row) and b (column), is shared(a, b) − t·(|a|+|b|)/200, where
    shared(a, b) ≥ the characters a and b have in common, counted with repeats (≥ their LCS).

    Each character is a bucket (the CHARACTER_BUCKETS commonest their own, the rest folded together, which only
    raises the bound), and each of its first LEVELS occurrences a 0/1 feature: Σ min(count_a, count_b) over
    the buckets is then a dot product. Occurrences past LEVELS add at most half their sum (min(x, y) ≤ (x+y)/2),
    which goes into the per-text terms, so the bound stays an upper bound for long texts too."""
    counts = Counter(character for text in texts for character in text)
    bucket = {character: rank if rank < CHARACTER_BUCKETS else CHARACTER_BUCKETS + rank % CHARACTER_BUCKETS
              for rank, (character, _) in enumerate(counts.most_common())}
    per_text = [Counter(bucket[character] for character in text) for text in texts]
    levels: dict[int, int] = {}
    for buckets in per_text:
        for number, count in buckets.items():
            levels[number] = max(levels.get(number, 0), min(count, LEVELS))
    offsets, width = {}, 0
    for number in sorted(levels):
        offsets[number], width = width, width + levels[number]
    features = np.zeros((len(texts), width + 2), dtype=np.float32)
    overflow = np.zeros(len(texts), dtype=np.float32)
    for index, buckets in enumerate(per_text):
        for number, count in buckets.items():
            features[index, offsets[number]:offsets[number] + min(count, LEVELS)] = 1.0
            overflow[index] += max(0, count - LEVELS) / 2
    half = threshold / 200
    rows_side, columns_side = features, features.copy()
    rows_side[:, width], rows_side[:, width + 1] = overflow - half * lengths, 1.0
    columns_side[:, width], columns_side[:, width + 1] = 1.0, overflow - half * lengths
    return rows_side, columns_side


def _nonzero(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.nonzero of a mostly False 2-D mask, looking at 8 cells per step."""
    rows, width = mask.shape
    padded = width + (-width) % 8
    if padded != width:
        mask = np.concatenate([mask, np.zeros((rows, padded - width), dtype=bool)], axis=1)
    words = np.flatnonzero(np.ascontiguousarray(mask).view(np.uint64))
    if not len(words):
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    cells = (words[:, None] * 8 + np.arange(8)).ravel()
    cells = cells[mask.ravel()[cells]]
    return cells // padded, cells % padded


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


def nearest_pairs(vectors: np.ndarray, floor: float, neighbours: int) -> dict[tuple[int, int], float]:
    """Pairs (i, j), i < j, where j is among i's `neighbours` most similar statements (or i among j's) and
    their cosine is at least `floor`, in row blocks."""
    pairs: dict[tuple[int, int], float] = {}
    count = len(vectors)
    if count < 2 or neighbours < 1:
        return pairs
    keep = min(neighbours, count - 1)
    for start in range(0, count, BLOCK_ROWS):
        scores = vectors[start:start + BLOCK_ROWS] @ vectors.T
        rows = np.arange(len(scores))
        scores[rows, start + rows] = -np.inf  # not its own neighbour
        nearest = np.argpartition(-scores, keep - 1, axis=1)[:, :keep]
        for row, columns in enumerate(nearest.tolist()):
            for column in columns:
                score = float(scores[row, column])
                if score >= floor:
                    i, j = start + row, column
                    pairs[(min(i, j), max(i, j))] = round(score, 4)
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
        vectors = embed(texts)
        close = semantic_pairs(vectors, options.semantic_threshold) if "semantic" in options.tiers else {}
        add(close, "semantic")
        if "llm" in options.tiers:
            add({pair: score for pair, score in nearest_pairs(vectors, min(JUDGE_FLOOR, options.semantic_threshold),
                                                             JUDGE_NEIGHBOURS).items() if pair not in close}, "llm")
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

    def judgeable(self, pairs: dict[tuple[int, int], tuple[str, float]]) -> list[tuple[int, int]]:
        """The pairs the comparison keeps apart for a changed word or phrase and no guard forbids merging."""
        return [pair for pair, (tier, _) in sorted(pairs.items()) if tier != "exact" and self._judgeable(*pair, tier)]

    def text_pair(self, i: int, j: int) -> tuple[str, str]:
        """A pair as the judge is asked it: its two texts in sorted order, so the requests (and their cache keys)
        do not depend on the order of the statements."""
        first, second = sorted((self.texts[i], self.texts[j]))
        return first, second

    def judge_all(self, pairs: dict[tuple[int, int], tuple[str, float]]) -> None:
        """Ask the judge about every judgeable pair at once, each distinct pair of texts once (the judge batches
        them into as few requests as it can)."""
        if self.judge is None:
            return
        asked = self.judgeable(pairs)
        if asked:
            texts = sorted({self.text_pair(*pair) for pair in asked})
            verdicts = dict(zip(texts, self.judge(texts)))
            self._judged = {pair: verdicts[self.text_pair(*pair)] for pair in asked}

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
        if not self.semantic and "llm" not in self.options.tiers and certainly_different(first, second):
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


def pairs_to_judge(statements: list[Statement], options: DedupeOptions, against: list[Statement] | None = None,
                   embed: Embedder | None = None) -> list[tuple[str, str]]:
    """The pairs of texts the llm tier puts to the judge for these statements, in the order it asks them:
    nominated (the tiers, and the nearest neighbours by embedding), not settled by the comparison, and never a
    pair a guard keeps apart (a changed number, a negation, roles that trade places, opposite sides). A run that
    asks them early (in a round of its own choosing: stages/judge.judge_requests) passes the same lists to
    judge.llm_judge(asked_before=...) and dedupe_statements finds the answers in the cache."""
    texts = [statement.text for statement in (against or []) + statements]
    pair_judge = PairJudge(texts, options, embed, judge=None)
    return sorted({pair_judge.text_pair(*pair) for pair in pair_judge.judgeable(candidate_pairs(texts, options, embed))})


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
