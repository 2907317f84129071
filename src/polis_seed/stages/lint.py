"""lint: a statement list in, findings out, from the one rule engine (rules.py) plus the list-level
checks: duplicates (dedupe's exact and fuzzy tiers, behind the same guard) and balance of sides.

Errors make a list unfit to seed as it is; warnings are for a person to judge.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict

from ..models import Angle, Document, Statement, counted_side, said, sides_checked
from ..providers.base import Provider
from ..rules import Context, Finding, check_statement
from .dedupe import DedupeOptions, dedupe_statements
from .select import Embedder


def lint_statements(lines: list[tuple[int, Statement | None]], max_chars: int,
                    threshold: float | None = None) -> list[Finding]:
    """Findings with the 1-based line of each statement; list-level findings have no line."""
    findings: list[Finding] = []
    last_line = max((line for line, statement in lines if statement is not None), default=0)
    present = [(line, statement) for line, statement in lines if statement is not None and statement.text.strip()]
    unchecked: dict[str, Counter] = defaultdict(Counter)
    for line, statement in lines:
        if statement is None or not statement.text.strip():
            if line < last_line:  # trailing blank lines are harmless
                findings.append(Finding.of("error", said("empty.line"), line))
            continue
        checked = check_statement(statement.text, Context(max_chars=max_chars, quote=statement.quote))
        findings += [dataclasses.replace(finding, line=line) for finding in checked.findings]
        for rule in checked.unchecked:
            unchecked[checked.language][rule] += 1
    findings += duplicate_findings(present, threshold)
    findings += facts_finding(findings, len(present))
    findings += balance_findings([statement for _, statement in present])
    findings += [Finding("language", "info", f"{max(counts.values())} statements in '{language}': rules "
                                             f"{', '.join(sorted(counts))} know only Japanese and English and were not "
                                             "applied to them", None)
                 for language, counts in sorted(unchecked.items())]
    return sorted(findings, key=lambda f: (f.line is None, f.line or 0))


def duplicate_findings(present: list[tuple[int, Statement]], threshold: float | None = None) -> list[Finding]:
    """A statement dedupe would merge into an earlier line: the same decision, by the same code."""
    options = DedupeOptions(tiers=("exact", "fuzzy"))
    if threshold is not None:
        options.fuzzy_threshold = threshold
    # In file order, so the earlier line is the one kept.
    result = dedupe_statements([statement.model_copy(update={"quote": None, "document_id": None})
                                for _, statement in present], options, keep_order=True)
    findings = []
    for index, leader in sorted(result.leader_of.items()):
        if leader != index:
            findings.append(Finding.of("error", said("duplicate", line=present[leader][0]), present[index][0]))
    return findings


# Rules that find a statement that is no view: a report, a figure, only a number.
_NOT_A_VIEW = ("fact-report", "bare-figure", "not-votable")
# A list this much made of reports is said to be so once, besides each line's finding.
FACTS_SHARE, FACTS_LEAST = 0.5, 3


def facts_finding(findings: list[Finding], count: int) -> list[Finding]:
    """One list-level warning when half the list or more reports facts, events or figures: each line's warning says
    what it is, this one that the list as a whole is not yet a conversation (a warning: the list is not wrong)."""
    reports = len({finding.line for finding in findings if finding.rule in _NOT_A_VIEW and finding.line is not None})
    if reports >= FACTS_LEAST and reports >= FACTS_SHARE * count:
        return [Finding.of("warning", said("fact-report.list", reports=reports, count=count))]
    return []


def balance_findings(statements: list[Statement]) -> list[Finding]:
    """Angles with statements on one side only, or on neither (when the list carries angle and stance): each
    statement on the side it counts on (models.counted_side), as every other count of sides has it."""
    checked = sides_checked(statements)
    sides: dict[str, set[str]] = {}
    for statement in statements:
        if statement.angle and (statement.stance or statement.checked_stance):
            sides.setdefault(statement.angle, set()).add(counted_side(statement, checked))
    findings = []
    for angle, found in sides.items():
        taken = found - {"unclear"}
        if len(taken) == 1:
            findings.append(Finding.of("warning", said("balance", angle=angle, side=next(iter(taken)))))
        elif not taken:
            findings.append(Finding.of("warning", said("balance.unclear", angle=angle)))
    return findings


def stance_findings(lines: list[tuple[int, Statement | None]], angles: list[Angle], provider: Provider | None,
                    embed: Embedder | None, topic_name: str | None = None) -> list[Finding]:
    """For every statement labelled with an angle and a side: does it read as that side? The subject the
    sides are phrased with is --topic, else the statements' most frequent noun phrase."""
    from ..language.text import statement_language
    from .stance import StanceChecker
    from .topic import find_topic

    by_id = {angle.id: angle for angle in angles}
    labelled = [(line, s) for line, s in lines if s is not None and s.text.strip() and s.angle and s.stance]
    findings: list[Finding] = []
    checkers: dict[str, StanceChecker] = {}
    for line, statement in labelled:
        angle = by_id.get(statement.angle)
        if angle is None:
            findings.append(Finding("stance", "warning", f"angle '{statement.angle}' is not in the angles file "
                                                         f"({', '.join(by_id)}); its side was not checked", line))
            continue
        language = statement_language(statement.text) or "en"
        if language not in checkers:
            texts = [s.text for _, s in labelled if (statement_language(s.text) or "en") == language]
            document = Document(id="statements", path="statements", title="", text="\n".join(texts))
            topic, _ = find_topic([document], language if language in ("ja", "en") else "en", None, given=topic_name)
            checkers[language] = StanceChecker(provider, embed, topic, language)
        reading = checkers[language].read(statement.text, angle)
        if reading.side == "unclear":
            findings.append(Finding("stance", "warning", f"labelled {statement.stance} on '{angle.id}', but it "
                                                         "takes neither side clearly; sharpen it or drop it", line))
        elif reading.side != statement.stance:
            findings.append(Finding("stance", "warning", f"labelled {statement.stance} on '{angle.id}', but it reads "
                                                         f"as {reading.side}; relabel it or rewrite it", line))
    return findings


def upload_blockers(lines: list[tuple[int, Statement | None]], max_chars: int) -> list[Finding]:
    """What keeps statements out of a Polis upload: every error lint finds on a statement (a question, a duplicate,
    a garbled or over-long text, a formula, one that contradicts its quote), with its line. An empty line is
    not a statement and is left out of the upload anyway."""
    return [finding for finding in lint_statements(lines, max_chars)
            if finding.severity == "error" and finding.line is not None and finding.rule != "empty"]


def findings_by_index(statements: list[Statement], max_chars: int) -> dict[int, list[Finding]]:
    """Findings per statement position (0-based), for the review sheet and the report."""
    by_index: dict[int, list[Finding]] = {}
    for finding in lint_statements(list(enumerate(statements, start=1)), max_chars):
        if finding.line is not None:
            by_index.setdefault(finding.line - 1, []).append(finding)
    return by_index
