"""lint: a statement list in, findings out, checked against Polis's guidance and polis-seed's rules.

Errors make a list unfit to seed as it is (too long, a question, empty, a formula, a duplicate);
warnings are for a person to judge (two claims in one, a bare fact, loaded words, an angle with one side only).
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz import fuzz

from ..models import Statement
from ..polarity import may_merge
from ..rules import is_bare_fact, is_compound, loaded_words
from ..text import is_question, normalize_for_matching
from .dedupe import DEFAULT_FUZZY_THRESHOLD
from .export import FORMULA_STARTS

# Polis limits: the old participant UI took 140 characters, the new one 400, the server 997.
POLIS_LIMITS = {"old-ui": 140, "new-ui": 400, "server": 997}

@dataclass
class Finding:
    line: int | None
    rule: str
    severity: str  # "error" or "warning"
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "rule": self.rule, "severity": self.severity, "message": self.message}


def lint_statements(lines: list[tuple[int, Statement | None]], max_chars: int = POLIS_LIMITS["old-ui"]) -> list[Finding]:
    findings: list[Finding] = []
    kept: list[tuple[int, str, str]] = []  # line, text, normalised text
    last_line = max((line for line, statement in lines if statement is not None), default=0)
    for line, statement in lines:
        if statement is None or not statement.text.strip():
            if line < last_line:  # trailing blank lines are harmless
                findings.append(Finding(line, "empty", "error", "empty or whitespace-only line; remove it"))
            continue
        text = statement.text
        if text.startswith(FORMULA_STARTS):
            findings.append(Finding(line, "formula", "error",
                                    f"starts with {text[0]!r}, which a spreadsheet runs as a formula; reword the start"))
        text = text.strip()
        if len(text) > max_chars:
            findings.append(Finding(line, "too-long", "error", f"{len(text)} characters; the limit is {max_chars}"))
        if is_question(text):
            findings.append(Finding(line, "question", "error", "a question; write a claim to agree or disagree with"))
        if is_compound(text):
            findings.append(Finding(line, "compound", "warning", "seems to hold more than one claim; split it"))
        if is_bare_fact(text):
            findings.append(Finding(line, "not-votable", "warning",
                                    "looks like a bare fact or number; state a view people can agree or disagree with"))
        if loaded := loaded_words(text):
            findings.append(Finding(line, "loaded", "warning", f"loaded words ({', '.join(loaded)}); word it neutrally"))
        normalized = normalize_for_matching(text)
        for other_line, other_text, other_normalized in kept:
            if normalized == other_normalized or (
                    fuzz.ratio(normalized, other_normalized) >= DEFAULT_FUZZY_THRESHOLD and may_merge(text, other_text)):
                findings.append(Finding(line, "duplicate", "error", f"duplicates line {other_line}; keep one"))
                break
        kept.append((line, text, normalized))
    findings += _balance([statement for _, statement in lines if statement is not None])
    return findings


def _balance(statements: list[Statement]) -> list[Finding]:
    """Angles with statements on one side only (when the list carries angle and stance)."""
    sides: dict[str, set[str]] = {}
    for statement in statements:
        if statement.angle and statement.stance:
            sides.setdefault(statement.angle, set()).add(statement.stance)
    return [Finding(None, "balance", "warning", f"angle '{angle}' has only {next(iter(s))} statements; add the other side")
            for angle, s in sides.items() if len(s) == 1]


def findings_by_index(statements: list[Statement], max_chars: int = POLIS_LIMITS["old-ui"]) -> dict[int, list[str]]:
    """Lint findings per statement position, for the review export."""
    by_index: dict[int, list[str]] = {}
    for finding in lint_statements(list(enumerate(statements, start=1)), max_chars):
        if finding.line is not None:
            by_index.setdefault(finding.line - 1, []).append(f"{finding.rule}: {finding.message}")
    return by_index
