"""The quality report of a run: what a facilitator would check before seeding Polis, as numbers.

Grounding is measured, not assumed: each exported quote is looked up again in the text of the
document it names (as loaded, not the chunk it was cut from), and the share of each statement's
content words found in its quote is reported as it is.
"""

from __future__ import annotations

from statistics import mean

from ..models import Angle, Document, GenerationReport, Statement, counted_side, sides_checked
from ..rules import NEAR_COPY_RATIO, near_copy_score, source_overlap
from ..language.text import is_question, normalize_for_matching


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def _sides(statements: list[Statement], angle: str, checked: bool = False) -> dict[str, int]:
    """Statements per side of one angle, each on the side it counts on (models.counted_side)."""
    sides = ("pro", "con", "unclear") if checked else ("pro", "con")
    return {side: sum(1 for s in statements if s.angle == angle and counted_side(s, checked) == side) for side in sides}


def quality_report(generated: list[Statement], exported: list[Statement], report: GenerationReport,
                   documents: list[Document], angles: list[Angle], max_chars: int) -> dict:
    text_of = {document.id: document.text for document in documents}
    with_quote = [s for s in exported if s.quote]
    normalized_of: dict[str, str] = {}  # each document normalised once: a comment file may hold 20,000 comments

    def grounded(statement: Statement) -> bool:
        if statement.document_id not in normalized_of:
            normalized_of[statement.document_id] = normalize_for_matching(text_of[statement.document_id])
        needle = normalize_for_matching(statement.quote)
        return bool(needle) and needle in normalized_of[statement.document_id]

    found = [s for s in with_quote if s.document_id in text_of and grounded(s)]
    overlaps = [source_overlap(s.text, s.quote) for s in with_quote]
    near_copies = sum(1 for s in with_quote if near_copy_score(s.text, s.quote) >= NEAR_COPY_RATIO)
    per_angle: dict[str, dict] = {}
    checked = sides_checked(exported)
    for angle in angles:
        counts = _sides(exported, angle.id, checked)
        asked = {stance: sum(1 for s in exported if s.angle == angle.id and s.stance == stance) for stance in ("pro", "con")}
        per_angle[angle.id] = {**counts, "generated": _sides(generated, angle.id, sides_checked(generated)),
                               "both_sides": bool(counts["pro"] and counts["con"]),
                               **({"asked": asked} if checked else {})}
    normalized = [normalize_for_matching(s.text) for s in exported]
    return {
        "statements_generated": len(generated),
        "statements_exported": len(exported),
        "per_angle": per_angle,
        "angles_with_both_sides": sum(1 for a in per_angle.values() if a["both_sides"]),
        "dropped_after_reasks_by_rule": report.drop_counts(),
        "answers_checked": report.answers,
        "answers_rejected_by_rule": report.rejections,
        "near_copy_rate_of_model_answers": _rate(report.rejections.get("near-copy", 0), report.answers),
        "near_copy_rate_exported": _rate(near_copies, len(with_quote)),
        "grounding": {
            "quotes_found_in_their_document": _rate(len(found), len(with_quote)),
            "statements_without_quote": len(exported) - len(with_quote),
            "mean_share_of_content_words_in_quote": round(mean(overlaps), 3) if overlaps else None,
            "lowest_share_of_content_words_in_quote": round(min(overlaps), 3) if overlaps else None,
        },
        "duplicate_rate": _rate(len(generated) - len(exported), len(generated)),
        "duplicates_left_after_dedupe": len(normalized) - len(set(normalized)),
        "over_length_limit": sum(1 for s in exported if len(s.text) > max_chars),
        "questions": sum(1 for s in exported if is_question(s.text)),
        "mean_length": round(mean(len(s.text) for s in exported), 1) if exported else None,
        **({"represented": represented(exported, documents)} if any(s.support for s in exported) else {}),
    }


def represented(exported: list[Statement], documents: list[Document]) -> dict:
    """How much of the input the list speaks for (document strategy): the documents, and the comments of comment
    files, that hold at least one exported statement's claim."""
    holders = {(h.document_id, h.row) for s in exported if s.support for h in s.support.holders}
    held_documents = {document for document, _ in holders}
    comments = sum(len(d.rows) for d in documents)
    found = {"documents": {"with_a_selected_claim": len(held_documents & {d.id for d in documents}),
                           "of": len(documents), "share": _rate(len(held_documents & {d.id for d in documents}),
                                                                  len(documents))}}
    if comments:
        rows = {(d.id, row.id) for d in documents for row in d.rows}
        held = len(holders & rows)
        found["comments"] = {"with_a_selected_claim": held, "of": comments, "share": _rate(held, comments)}
    return found
