"""select: which source sentences each angle's statements are written from (the sentence strategy).

Sentences are chosen by meaning, not by a keyword list written for one topic: every usable sentence of the
documents is compared (multilingual-e5-small embeddings) with each angle's name and sides, with the
angle's keywords, if any, as a small boost. Each angle takes its closest sentences, spread over the
documents, and each side its own: a sentence closer to the con side's description (or voicing a concern)
goes to the con side first. Headings, table rows, real questions and instructions (「…議論せよ」) are never used:
a request to a reader or a chatbot is not a claim anyone holds. A question that asserts (「…必要があるのではないか」,
"Isn't there a better way …?") is a view, and so is a comparison with another option ("other roads are more
suitable", 「ほかに方策があるのでは」): both are passages for the angle they argue (language/forms.py). No model is
called.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz

from ..models import Angle, Chunk, Document
from ..language.forms import asserts_by_question, compares_options, doubts, reports_a_view
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
# A concern (or a doubt, or a call for another option) counts this much toward the con side, against the pro side.
CONCERN_NUDGE = 0.01
Embedder = Callable[[list[str]], np.ndarray]


def voices_view(sentence: str) -> bool:
    """A judgement word, a concern, a question that asserts, a comparison with another option, or a view someone is
    reported to hold ("Critics say …", 「…との意見が出た」)."""
    from ..rules import OPINION_MARKERS

    lowered = sentence.casefold()
    return is_concern(sentence) or any(marker in lowered for marker in OPINION_MARKERS) \
        or asserts_by_question(sentence) or compares_options(sentence) or reports_a_view(sentence)


def is_concern(sentence: str) -> bool:
    """A concern or a limit, a doubting question (「本当に必要なのか」), or a call for another option: the documents'
    objections, which lean to the con side."""
    lowered = sentence.casefold()
    return any(cue in lowered for cue in _CONCERN_CUES) or doubts(sentence) or compares_options(sentence)


_KANA = re.compile(r"[\u3040-\u30ff]")
_ENGLISH_WORD = re.compile(r"[a-z][a-z'-]+")
_PARTICLES = ("助詞", "助動詞", "補助記号")


@functools.lru_cache(maxsize=1 << 15)
def word_forms(text: str) -> tuple[str, ...]:
    """A text's words in their dictionary forms, in order: SudachiPy's normalised forms for Japanese (ほか → 他,
    手続 → 手続き), simplemma's lemmas for English (alternatives → alternative, safer → safe)."""
    if _is_japanese(text):
        from ..language.morphology import morphemes

        return tuple(m.normalized for m in morphemes(text))
    from simplemma import lemmatize

    return tuple(lemmatize(word, lang="en").casefold() for word in _ENGLISH_WORD.findall(text.casefold()))


def _same_word(one: str, other: str) -> bool:
    """Two English lemmas of one word family: equal, or one a short extension of the other (safe / safety,
    fund / funding; not fund / fundamental)."""
    if one == other:
        return True
    short, long = sorted((one, other), key=len)
    return len(short) >= 4 and long.startswith(short) and len(long) - len(short) <= 3


def _is_japanese(text: str) -> bool:
    return bool(_KANA.search(text) or re.search(r"[\u4e00-\u9fff]", text))


@functools.lru_cache(maxsize=4096)
def _keyword_forms(keyword: str) -> tuple[str, ...]:
    """A keyword's words in their dictionary forms, without a Japanese keyword's trailing particles (「ほかの」:
    the word, not its particle)."""
    wanted = word_forms(keyword)
    if _is_japanese(keyword):
        from ..language.morphology import morphemes

        kinds = [m.pos[0] for m in morphemes(keyword)]
        while kinds and kinds[-1] in _PARTICLES:
            kinds.pop()
        wanted = wanted[:len(kinds)]
    return wanted


@functools.lru_cache(maxsize=1 << 15)
def _normalized(text: str) -> str:
    return normalize_for_matching(text)


def keyword_in(keyword: str, sentence: str) -> bool:
    """A keyword of an angle occurs in a sentence: as written, or as the same word in another form
    (「ほかの」 in 「ほかに方策が」 or 「他の方法」, "safety" in "safer crossings", "alternative" in "alternatives")."""
    if _normalized(keyword) in _normalized(sentence):
        return True
    wanted = _keyword_forms(keyword)
    if not wanted:
        return False
    if _is_japanese(keyword):
        found = word_forms(sentence)
        return any(found[i:i + len(wanted)] == wanted for i in range(len(found) - len(wanted) + 1))
    lemmas = _english_lemmas(sentence)
    return all(word in lemmas or any(_same_word(word, other) for other in lemmas) for word in wanted)


@functools.lru_cache(maxsize=1 << 15)
def _english_lemmas(text: str) -> frozenset[str]:
    """The English words of a text (of any script) as simplemma's lemmas."""
    from simplemma import lemmatize

    return frozenset(lemmatize(word, lang="en").casefold() for word in _ENGLISH_WORD.findall(text.casefold()))


def argument_forms(text: str) -> frozenset[str]:
    """The forms of argument a text takes that an angle's own wording can share: a comparison with another option
    (the alternatives angle: "another approach would be better than {topic}"; the cost angle's "the money is better
    spent elsewhere"). A sentence in the form an angle's sides are written in speaks to that angle, whatever its
    words."""
    return frozenset({"compares-options"} if compares_options(text) else ())


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
    """A sentence that can carry a claim: not a heading, table row, run of numbers, instruction, navigation
    (「会議録を見る（PDF）」, "Watch the video"), a line about the source or question, unless the question asserts a
    view (「…すべきではないか」, "Shouldn't the city …?")."""
    if sentence.startswith("#") or not 15 <= len(sentence) <= MAX_SENTENCE_CHARS or "\t" in sentence \
            or sentence.count("|") >= 3:
        return False
    if is_not_content(sentence) or len(_CELL_MARKS.findall(sentence)) >= 2 or _ANNOUNCES.search(sentence):
        return False
    letters = sum(ch.isalpha() for ch in sentence)
    if letters < 0.6 * len(sentence.replace(" ", "")) or (is_question(sentence) and not asserts_by_question(sentence)):
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


SIDES = ("pro", "con")


@dataclass
class SidePassages:
    """One angle's passages, each side's best first (a sentence may serve both sides' lists; `relevance` is its
    score for the side it is listed under)."""

    angle: Angle
    pro: list[Passage]
    con: list[Passage]

    def side(self, stance: str) -> list[Passage]:
        return self.pro if stance == "pro" else self.con


# An angle none of whose keywords occur is still about the documents when it is the closest angle of this many
# sentences that voice a view (and of this share of them): the documents argue it in other words ("savings",
# "cheaper" for cost). Fewer is chance: every angle is the closest of a few sentences of a long document. With
# fewer than MIN_ANGLES_TO_COMPARE angles "closest" says nothing (one angle is the closest of every sentence): the
# keywords alone decide.
MIN_CLOSEST = 2
CLOSEST_SHARE = 0.03
MIN_ANGLES_TO_COMPARE = 3


def _closest_angle_counts(centred: np.ndarray, views: np.ndarray) -> np.ndarray:
    """Per angle, the sentences voicing a view whose closest angle (by their nearer side) it is."""
    by_angle = np.maximum(centred[:, 0::2], centred[:, 1::2])
    closest = by_angle.argmax(axis=1)[views > 0]
    return np.bincount(closest, minlength=by_angle.shape[1])


def passages_by_side(angles: list[Angle], pool: SentencePool, embed: Embedder, language: str, topic: str | None,
                     limit: int, char_budget: int) -> dict[str, SidePassages]:
    """Per angle the sentences each side's statements are written from, best first. An angle whose keywords
    (when it has any) occur nowhere in the documents, in any form, and which is the closest angle of too few
    sentences (MIN_CLOSEST, CLOSEST_SHARE; with MIN_ANGLES_TO_COMPARE angles or more) is not about them and is
    absent.

    A sentence's score for a side is its cosine to that side's wording (multilingual-e5-small), less its mean
    cosine to every side of every angle: a sentence that names the subject is close to all of them (the wordings
    hold the subject), and a fact about the subject would otherwise outrank a view on an angle. On that, a small
    boost for the angle's keywords (or its argument form: a comparison for the alternatives angle), one for a
    sentence that voices a view, and a nudge for a concern toward the con side and away from the pro side.
    `limit` and `char_budget` are per angle, half to each side."""
    if not pool.passages or not angles:
        return {}
    wordings = [angle.text(side, language, topic) for angle in angles for side in SIDES]
    cosines = pool.vectors @ embed(wordings).T
    centred = cosines - cosines.mean(axis=1, keepdims=True)
    views = np.array([voices_view(p.sentence) for p in pool.passages], dtype=np.float32)
    concerns = np.array([is_concern(p.sentence) for p in pool.passages], dtype=np.float32)
    sentence_forms = [argument_forms(p.sentence) for p in pool.passages]
    closest = _closest_angle_counts(centred, views)
    found: dict[str, SidePassages] = {}
    for number, angle in enumerate(angles):
        keywords = [keyword for keyword in angle.keywords if keyword.strip()]
        # A sentence in a form the angle's sides are written in counts as one of its keywords.
        forms = argument_forms(wordings[2 * number]) | argument_forms(wordings[2 * number + 1])
        hits = np.array([sum(1 for keyword in keywords if keyword_in(keyword, p.sentence)) + bool(forms & own)
                         for p, own in zip(pool.passages, sentence_forms)], dtype=np.float32)
        rescued = len(angles) >= MIN_ANGLES_TO_COMPARE and closest[number] >= max(MIN_CLOSEST,
                                                                                  CLOSEST_SHARE * views.sum())
        if keywords and not hits.any() and not rescued:
            continue
        base = KEYWORD_BOOST * np.minimum(hits, 3) + VIEW_BOOST * views
        leaning = cosines[:, 2 * number + 1] - cosines[:, 2 * number] + CONCERN_NUDGE * concerns
        sides = {}
        for offset, side in enumerate(SIDES):
            nudge = CONCERN_NUDGE * concerns * (1 if side == "con" else -1)
            scores = centred[:, 2 * number + offset] + base + nudge
            ranked = sorted(range(len(pool.passages)), key=lambda index: -scores[index])
            sides[side] = _spread([Passage(pool.passages[index].sentence, pool.passages[index].chunk_id,
                                           pool.passages[index].document_id, pool.passages[index].path,
                                           float(scores[index]), float(leaning[index])) for index in ranked],
                                  math.ceil(limit / 2), char_budget // 2)
        found[angle.id] = SidePassages(angle, sides["pro"], sides["con"])
    return found


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


# The passages shown for a cell no statement fills: the best few of each side.
EVIDENCE_PER_CELL = 3


def evidence_for(angles: list[Angle], pool: SentencePool, embed: Embedder, language: str, topic: str | None,
                 per_cell: int = EVIDENCE_PER_CELL) -> dict[str, dict[str, list[Passage]]]:
    """Angle id → side → the passages that speak to that angle and side, best first, spread over the documents:
    what report.html and the review page show for a cell the statements leave empty. The same ranking the
    sentence strategy asks from, computed without a model, so the document strategy gets it too. (Putting the
    passages that lean to the side first, as plan_asks does, found fewer right passages: 47 of 66 cells
    against 51, benchmarks/evidence_cells.py.)"""
    ranked = passages_by_side(angles, pool, embed, language, topic, 2 * per_cell, 1 << 30)
    return {angle_id: {side: sides.side(side) for side in SIDES} for angle_id, sides in ranked.items()}


def in_context(passage: Passage, chunks: dict[str, Chunk]) -> tuple[str, str]:
    """The sentences just before and after a passage in its chunk ("" at a chunk's edge): the passage in
    context, as the evidence cells show it."""
    chunk = chunks.get(passage.chunk_id)
    if chunk is None:
        return "", ""
    for index, sentence in enumerate(chunk.sentences):
        if passage.sentence in sentence:
            before = chunk.sentences[index - 1] if index else ""
            after = chunk.sentences[index + 1] if index + 1 < len(chunk.sentences) else ""
            return before, after
    return "", ""
