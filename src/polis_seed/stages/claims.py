"""claims: what the documents hold, checked, made one where they say the same, and weighed by their support.

A claim is found by the model in a group of documents (stages/document.py) with a verbatim quote and, for a
comment file, the row ids of the comments that hold it. Here:
- check: the quote is looked up in the document it names (for a comment file, in one of its comments), and every
  row id must be a comment the request showed; the holders are the quoted document or comment and the comments
  named;
- one claim, many holders: claims of one side whose quotes overlap in the same holder (the same words quoted
  under two angles, one quote inside another), and claims whose texts dedupe merges (its comparison, which never
  merges opposites), are one claim keeping every holder with its quote;
- selection: per angle and side, the claims held by the most documents or comments first, then those that add
  subjects and documents not yet represented; the slots take turns, so every angle and side gets its best claim
  before any gets its second. Nothing depends on the order the documents came in.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ..language.text import normalize_for_matching
from ..models import Angle, Document, Holder, Reason, Row, Support, said

# Two quotes of one holder are one claim when one holds the other, or when their longest common run is at least
# this share of the shorter one.
QUOTE_OVERLAP = 0.5


class ClaimAnswer(BaseModel):
    """A claim as a discuss or write answer lists it."""

    model_config = ConfigDict(extra="forbid")

    angle: str
    stance: Literal["pro", "con"]
    subject: str
    claim: str
    document: str
    quote: str
    comments: list[str]  # the row ids of the comments that hold it (a comment file); [] for other documents


HolderKey = tuple[str, str | None]  # (document id, row id or None)


@dataclass
class Found:
    """A checked claim and everyone who holds it: {(document id, row): quote or None}."""

    angle: str
    stance: str
    subject: str
    text: str
    holders: dict[HolderKey, str | None]
    quoted: HolderKey  # the holder whose quote is the claim's evidence

    @property
    def quote(self) -> str:
        return self.holders.get(self.quoted) or ""

    @property
    def support(self) -> int:
        return len(self.holders)

    @property
    def documents(self) -> set[str]:
        return {document for document, _ in self.holders}

    def sort_key(self) -> tuple:
        """Most held first, then by content: never by the order the documents came in."""
        return (-self.support, normalize_for_matching(self.text), self.angle, self.stance,
                normalize_for_matching(self.quote), sorted((d, r or "") for d, r in self.holders))


@dataclass(frozen=True)
class Shown:
    """What one request showed the model: each document label with its document and the rows shown (a part of a
    large comment file shows some of its rows)."""

    documents: dict[str, Document]
    rows: dict[str, tuple[Row, ...]]


class Corpus:
    """The documents as the checks read them, normalised once (a 20,000-comment file is 1 MB of text)."""

    def __init__(self, documents: Iterable[Document]):
        self._documents = {document.id: document for document in documents}
        self._text: dict[str, str] = {}
        self._rows: dict[str, tuple[str, list[int], list[str]]] = {}

    def text(self, document: Document) -> str:
        if document.id not in self._text:
            self._text[document.id] = normalize_for_matching(document.text)
        return self._text[document.id]

    def _joined_rows(self, document: Document) -> tuple[str, list[int], list[str]]:
        if document.id not in self._rows:
            starts, parts, position = [], [], 0
            for row in document.rows:
                starts.append(position)
                part = normalize_for_matching(row.text)
                parts.append(part)
                position += len(part) + 1
            self._rows[document.id] = ("\x00".join(parts), starts, [row.id for row in document.rows])
        return self._rows[document.id]

    def rows_quoting(self, document: Document, quote: str) -> list[str]:
        """The ids of the comments whose text holds the quote (a quote never spans two comments)."""
        needle = normalize_for_matching(quote)
        if not needle:
            return []
        joined, starts, ids = self._joined_rows(document)
        found, start = [], joined.find(needle)
        while start >= 0:
            found.append(ids[bisect.bisect_right(starts, start) - 1])
            start = joined.find(needle, start + 1)
        return list(dict.fromkeys(found))

    def holds(self, document: Document, quote: str) -> bool:
        needle = normalize_for_matching(quote)
        return bool(needle) and needle in self.text(document)


def quote_problem(quote: str, label: str, shown: Shown, corpus: Corpus) -> Reason | None:
    """Why a quote cannot be used: the document is unknown, or the quote is not in it (for a comment file: not in
    one of the comments the request showed)."""
    document = shown.documents.get(label.strip())
    if document is None:
        return said("quote-not-found.document", label=label, labels=list(shown.documents))
    if not quote.strip():
        return said("quote-not-found.quote", label=label)
    if document.rows:
        visible = {row.id for row in shown.rows.get(label.strip(), ())}
        if not any(row in visible for row in corpus.rows_quoting(document, quote)):
            return said("quote-not-found.quote", label=label)
        return None
    return None if corpus.holds(document, quote) else said("quote-not-found.quote", label=label)


def row_id(value: str) -> str:
    """A row id as a model may write it: 「#12」, "row 12", " 12 "."""
    value = value.strip().lstrip("#").strip()
    return value[4:].strip() if value.lower().startswith("row ") else value


def check_claim(answer: ClaimAnswer, shown: Shown, corpus: Corpus) -> tuple[Found | None, list[Reason]]:
    """The claim with its holders, or None with why; unknown row ids are left out and said."""
    problem = quote_problem(answer.quote, answer.document, shown, corpus)
    if problem is not None:
        return None, [problem]
    label = answer.document.strip()
    document = shown.documents[label]
    if not document.rows:
        key = (document.id, None)
        return Found(answer.angle, answer.stance, answer.subject.strip(), answer.claim.strip(),
                     {key: answer.quote.strip()}, key), []
    visible = {row.id for row in shown.rows.get(label, ())}
    quoted = next(row for row in corpus.rows_quoting(document, answer.quote) if row in visible)
    holders: dict[HolderKey, str | None] = {(document.id, quoted): answer.quote.strip()}
    unknown = []
    for value in answer.comments:
        row = row_id(value)
        if row in visible:
            holders.setdefault((document.id, row), None)
        elif row:
            unknown.append(row)
    reasons = [said("claim-rows", label=label, rows=unknown[:10], more=max(0, len(unknown) - 10))] if unknown else []
    return Found(answer.angle, answer.stance, answer.subject.strip(), answer.claim.strip(), holders,
                 (document.id, quoted)), reasons


def quotes_overlap(first: str, second: str) -> bool:
    """One quote holds the other, or most of the shorter one is a run of the longer one."""
    a, b = normalize_for_matching(first), normalize_for_matching(second)
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return match.size >= QUOTE_OVERLAP * min(len(a), len(b))


def _overlapping(first: Found, second: Found) -> bool:
    """The same words of one holder: the same document (for comments, the same comment) and overlapping quotes."""
    return first.stance == second.stance and any(
        key in second.holders and quote and second.holders[key] and quotes_overlap(quote, second.holders[key])
        for key, quote in first.holders.items())


def _joined(members: list[Found]) -> Found:
    """One claim from several that say the same: the most held one speaks for all, and every holder is kept."""
    members = sorted(members, key=Found.sort_key)
    leader = members[0]
    holders: dict[HolderKey, str | None] = {}
    for member in members:
        for key, quote in member.holders.items():
            if holders.get(key) is None:
                holders[key] = quote
    return Found(leader.angle, leader.stance, leader.subject, leader.text, holders, leader.quoted)


def merge_overlapping(found: list[Found]) -> list[Found]:
    """Claims quoting overlapping words of one holder, on the same side, as one claim (any angle)."""
    ordered = sorted(found, key=Found.sort_key)
    parent = list(range(len(ordered)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    by_holder: dict[HolderKey, list[int]] = {}
    for index, claim in enumerate(ordered):
        for key, quote in claim.holders.items():
            if quote:
                by_holder.setdefault(key, []).append(index)
    for indexes in by_holder.values():
        for position, i in enumerate(indexes):
            for j in indexes[position + 1:]:
                if root(i) != root(j) and _overlapping(ordered[i], ordered[j]):
                    parent[root(j)] = root(i)
    groups: dict[int, list[Found]] = {}
    for index, claim in enumerate(ordered):
        groups.setdefault(root(index), []).append(claim)
    return sorted((_joined(members) for members in groups.values()), key=Found.sort_key)


# Given claim texts, for each the index of the text it says the same as (itself when none): dedupe's comparison.
SameAs = Callable[[list[str]], list[int]]


def merge_claims(found: list[Found], same_as: SameAs | None = None) -> list[Found]:
    """One claim per thing held: overlapping quotes first, then (with `same_as`) the claims of one side whose
    texts dedupe merges. The result is in support order, the same whatever order the claims came in."""
    merged = merge_overlapping(found)
    if same_as is None:
        return merged
    joined: list[Found] = []
    for stance in ("pro", "con"):
        side = [claim for claim in merged if claim.stance == stance]
        leaders = same_as([claim.text for claim in side]) if len(side) > 1 else list(range(len(side)))
        groups: dict[int, list[Found]] = {}
        for index, leader in enumerate(leaders):
            groups.setdefault(leader, []).append(side[index])
        joined += [_joined(members) for members in groups.values()]
    return sorted(joined, key=Found.sort_key)


def distinct_count(found: list[Found]) -> int:
    """Distinct claims, counted by their quotes' overlap: a quote inside another, or mostly overlapping it, is
    one claim, whatever angle it was given under."""
    return len(merge_overlapping(found))


@dataclass
class Picked:
    """Something to choose: a statement (or claim) on an angle and side, with the claim it stands for."""

    angle: str
    stance: str
    claim: Found
    value: object = None

    def sort_key(self) -> tuple:
        return self.claim.sort_key()


def select_by_support(candidates: list[Picked], angles: list[Angle], count: int) -> list[Picked]:
    """At most `count`, balanced over angles and sides: each slot's candidates most held first, then those adding
    subjects and documents not yet represented; the slots take turns (each slot's next best, the most held of
    these first), so a claim held by 400 comments is never displaced by one held by 1 in its slot."""
    order = {angle.id: index for index, angle in enumerate(angles)}
    slots: dict[tuple[str, str], list[Picked]] = {}
    for candidate in sorted(candidates, key=Picked.sort_key):
        slots.setdefault((candidate.angle, candidate.stance), []).append(candidate)
    chosen: list[Picked] = []
    subjects: set[str] = set()
    documents: set[str] = set()

    def spread(candidate: Picked) -> tuple:
        new_subject = normalize_for_matching(candidate.claim.subject) not in subjects
        return (-candidate.claim.support, not new_subject, -len(candidate.claim.documents - documents),
                candidate.sort_key())

    while len(chosen) < count and any(slots.values()):
        level = []
        for slot in sorted(slots, key=lambda s: (order.get(s[0], len(order)), s[1] != "pro")):
            if slots[slot]:
                best = min(slots[slot], key=spread)
                slots[slot].remove(best)
                level.append(best)
        for candidate in sorted(level, key=lambda c: (-c.claim.support, order.get(c.angle, len(order)),
                                                       c.stance != "pro")):
            if len(chosen) >= count:
                break
            chosen.append(candidate)
            subjects.add(normalize_for_matching(candidate.claim.subject))
            documents.update(candidate.claim.documents)
    return chosen


@dataclass
class Units:
    """What support is counted in: every comment of a comment file, and every other document, is one unit."""

    documents: list[Document]
    by_id: dict[str, Document] = field(init=False)

    def __post_init__(self) -> None:
        self.by_id = {document.id: document for document in self.documents}

    @property
    def total(self) -> int:
        return sum(document.units for document in self.documents)

    @property
    def noun(self) -> Literal["documents", "comments", "documents and comments"]:
        kinds = {bool(document.rows) for document in self.documents}
        return "comments" if kinds == {True} else "documents" if kinds == {False} else "documents and comments"

    def support(self, claim: Found | None) -> Support | None:
        if claim is None:
            return None
        holders = [Holder(document_id=document_id, source_path=self.by_id[document_id].path, row=row, quote=quote)
                   for (document_id, row), quote in sorted(claim.holders.items(), key=lambda item: (
                       item[0][0], _row_order(item[0][1])))
                   if document_id in self.by_id]
        return Support(count=len(holders), of=self.total, unit=self.noun,
                       documents=len({holder.document_id for holder in holders}), holders=holders)


def _row_order(row: str | None) -> tuple:
    if row is None:
        return (0, 0, "")
    return (1, int(row), "") if row.isdigit() else (2, 0, row)


def dedupe_same_as(embed) -> SameAs:
    """dedupe's comparison as `same_as`: the first of the texts (most held first) leads, and a text joins it only
    when dedupe would merge the two (exact, fuzzy and semantic tiers; never opposites)."""
    from ..models import Statement
    from .dedupe import DedupeOptions, dedupe_statements

    def same_as(texts: list[str]) -> list[int]:
        result = dedupe_statements([Statement(text=text) for text in texts],
                                   DedupeOptions(tiers=("exact", "fuzzy", "semantic")), embed=embed, keep_order=True)
        return [result.leader_of[index] for index in range(len(texts))]

    return same_as
