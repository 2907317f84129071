"""The quality report of a run: what a facilitator would check before seeding Polis, as numbers."""

from __future__ import annotations

from statistics import mean

from rapidfuzz import fuzz

from .models import Angle, Document, GenerationReport, Statement
from .rules import NEAR_COPY_RATIO, near_copy_score, quote_is_in
from .text import is_question, normalize_for_matching


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def quality_report(generated: list[Statement], exported: list[Statement], report: GenerationReport,
                   documents: list[Document], angles: list[Angle], notes: list[str], max_chars: int) -> dict:
    text_of = {document.id: document.text for document in documents}
    grounded = sum(1 for s in exported if s.quote and s.document_id in text_of and quote_is_in(s.quote, text_of[s.document_id]))
    with_quote = [s for s in exported if s.quote]
    near_copies = sum(1 for s in with_quote if near_copy_score(s.text, s.quote) >= NEAR_COPY_RATIO)
    per_angle: dict[str, dict[str, int | str]] = {}
    for angle in angles:
        counts = {stance: sum(1 for s in exported if s.angle == angle.id and s.stance == stance) for stance in ("pro", "con")}
        missing = [stance for stance, count in counts.items() if count == 0]
        status = "both sides" if not missing else (
            "no statement on either side (see notes)" if len(missing) == 2
            else f"no support in the documents for the {missing[0]} side")
        per_angle[angle.id] = {**counts, "status": status}
    normalized = [normalize_for_matching(s.text) for s in exported]
    return {
        "statements_generated": len(generated),
        "statements_exported": len(exported),
        "per_angle": per_angle,
        "angles_with_both_sides": sum(1 for a in per_angle.values() if a["status"] == "both sides"),
        "dropped_after_reasks_by_rule": report.drop_counts(),
        "answers_checked": report.answers,
        "answers_rejected_by_rule": dict(sorted(report.rejections.items())),
        "near_copy_rate_of_model_answers": _rate(report.rejections.get("near-copy", 0), report.answers),
        "near_copy_rate_exported": _rate(near_copies, len(with_quote)),
        "mean_similarity_to_quote": round(mean(fuzz.ratio(normalize_for_matching(s.text),
                                                          normalize_for_matching(s.quote)) for s in with_quote), 1)
        if with_quote else None,
        "grounding_rate": _rate(grounded, len(exported)),
        "duplicate_rate": _rate(len(generated) - len(exported), len(generated)),
        "duplicates_left_after_dedupe": len(normalized) - len(set(normalized)),
        "over_length_limit": sum(1 for s in exported if len(s.text) > max_chars),
        "questions": sum(1 for s in exported if is_question(s.text)),
        "mean_length": round(mean(len(s.text) for s in exported), 1) if exported else None,
        "notes": notes,
    }
