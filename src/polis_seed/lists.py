"""The statement-list commands behind the CLI: dedupe, export and lint a list of statements; list the
chunks of documents. Each reads its input, calls the stage, writes its output atomically, and returns
what the command prints."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

from .config import Settings
from .errors import InputError
from .io.files import atomic_write_bytes, atomic_write_text
from .models import Chunk, Document
from .pipeline import deduplicate
from .plan import cache_dir_of, dedupe_settings_of, provider_of
from .stages.load import load_documents


@dataclass
class DedupeSummary:
    line: str
    warnings: list[str]


class _Notes:
    """What reading a batch folder says (BatchRun.collect_and_ingest), kept for the command to print."""

    def __init__(self):
        self.lines: list[str] = []

    def info(self, message: str) -> None:
        self.lines.append(message)

    def warning(self, message: str) -> None:
        self.lines.append(f"warning: {message}")


def dedupe_files(source: str, output: str, settings: Settings, report: Path | None = None,
                 against: str | None = None, batch_dir: Path | None = None,
                 submit_batch: bool = False) -> DedupeSummary:
    """With the llm tier and `batch_dir`, the judge's requests go to DIR/round-N.requests.jsonl (nothing else is
    written) and a later run with the answers in DIR/round-N.results.jsonl finishes."""
    from .io.statements import STDIO, read_statements, write_statements
    from .providers.base import PendingAnswer
    from .stages.export import merge_report_csv

    provider_plan = provider_of(settings)
    dedupe = dedupe_settings_of(settings, provider_plan)
    if batch_dir is None and submit_batch:
        raise InputError("--batch: give --batch-dir DIR too, the folder where the rounds are kept")
    if batch_dir is not None and not dedupe.needs_model:
        raise InputError(f"--batch-dir: dedupe asks a model only in the llm tier, which is off (tiers "
                         f"{','.join(dedupe.tiers)}); give --provider openai, anthropic or azure with a capable model "
                         "(the llm tier is on by default for them), or add llm to --tiers")
    if batch_dir is not None and settings.no_cache:
        raise InputError("--batch-dir: answers are read into the cache, so --no-cache cannot be used with it")
    read = read_statements(source, settings.include_rejected, settings.column)
    # --column names IN's column: the existing comments are usually a Polis export, read by its own name.
    existing = read_statements(against, settings.include_rejected).statements if against else None
    notes = _Notes()
    batch = None
    if batch_dir is not None:
        from .batch.submit import BatchRun

        provider_plan.check(need_key=submit_batch)
        batch = BatchRun(batch_dir, provider_plan, cache_dir_of(settings))
        batch.collect_and_ingest(notes)
    queue = batch.queue() if batch else None
    with contextlib.ExitStack() as stack:
        # The model the llm tier asks, opened only when that tier is on.
        provider = stack.enter_context(provider_plan.open(cache_dir_of(settings), batch_queue=queue)) \
            if dedupe.needs_model else None
        try:
            result = deduplicate(read.statements, dedupe, against=existing, provider=provider)
        except PendingAnswer as waiting:
            if batch is None or queue is None or not queue.waiting:
                raise
            written = batch.write_round(queue, submit_batch)
            return DedupeSummary("\n".join(notes.lines + [_waiting_line(written, waiting, source)]), read.warnings)
    warnings = read.warnings + write_statements(result.kept, output)
    if report is not None:
        atomic_write_text(report, merge_report_csv(result.merges + result.dropped_against + result.near_misses))
    by_tier = ", ".join(f"{tier} {sum(1 for m in result.merges if m.tier == tier)}" for tier in dedupe.tiers)
    line = (f"{len(read.statements)} in"
            + (f" ({read.rejected} rejected by the moderator left out; --include-rejected keeps them)"
               if read.rejected else "")
            + f"; merged {len(result.merges)} ({by_tier}); "
            + (f"{len(result.dropped_against)} already said in {against}; " if against else "")
            + f"{len(result.kept)} kept" + (f" → {output}" if output != STDIO else "")
            + (f"; merge report {report} ({len(result.near_misses)} near misses kept apart)" if report else "")
            + (f"; the judge ({dedupe.why.removeprefix('llm: ') or 'llm tier'}): {result.judge_pairs} pairs in "
               f"{result.judge_requests} requests" if dedupe.needs_model else ""))
    return DedupeSummary("\n".join(notes.lines + review_findings(read, settings.max_chars) + [line]), warnings)


def _waiting_line(written, waiting, source: str) -> str:
    from .stages.judge import JUDGE_ATTEMPTS

    results = written.path.with_name(written.path.name.replace(".requests.", ".results."))
    held = getattr(waiting, "judge_pairs", 0)
    return ((f"{written.requests} requests of the llm tier's judge ({held} pairs of near duplicates) wait in "
             f"{written.path} (round {written.number}); nothing else was written." if written.written_now else
             f"still waiting for the answers to round {written.number}: {written.requests} requests in {written.path}.")
            + (f" At most {JUDGE_ATTEMPTS - written.number} more round after this one (when an answer leaves pairs "
               "out)." if written.number < JUDGE_ATTEMPTS else "")
            + f" next: answer them — `polis-seed batch answer {written.path} -o {results}` on a machine that can reach "
              f"a model, or your provider's batch API — save the answers as {results}, then run the same "
              f"`polis-seed dedupe {source} …` command again.")


EXPORT_SUFFIXES = {"jsonl": ".jsonl", "txt": ".txt"}
# Formats a Polis conversation takes as they are: what lint calls an error (a question, a duplicate, a statement over
# the limit, …) is refused before anything is written.
UPLOAD_FORMATS = ("polis", "polis-comments")


def review_findings(read, max_chars: int) -> list[str]:
    """For a review sheet read back: one line on what the reviewer changed, then the rule findings of each
    statement they edited or added (the rules have not seen those texts yet)."""
    from .rules import Context, check_statement

    review = read.review
    if review is None:
        return []
    notes = [review.summary(read.path)]
    changed = set(review.edited)
    for line, statement in read.lines:
        if statement is None or not (statement.id in changed or line in review.added):
            continue
        for finding in check_statement(statement.text, Context(max_chars=max_chars)).findings:
            notes.append(f"{finding.severity}: {read.path}: row {line} ({'added' if line in review.added else 'edited'}): "
                         f"{finding.rule}: {finding.message}")
    return notes


def export_file(source: str, output: Path | None, format_name: str, split: int | None, settings: Settings) -> str:
    """Write one export format; returns what was written. Nothing is written when any check fails."""
    import sys

    from .stages.export import FORMATS, polis_csv_parts, render
    from .stages.lint import findings_by_index
    from .io.statements import STDIO, read_statements

    if format_name not in FORMATS:
        raise InputError(f"--format {format_name}: unknown format; choose one of {', '.join(FORMATS)}")
    suffix = EXPORT_SUFFIXES.get(format_name, ".csv")
    if split is not None and split < 1:
        raise InputError(f"--split {split}: must be at least 1 statement per file")
    if split is not None and format_name != "polis":
        raise InputError("--split: only the polis format is split; drop --split or use --format polis")
    if output is None and source != STDIO:
        output = Path(source).with_name(f"{Path(source).stem}.{format_name}{suffix}")
    allowed = (suffix, ".xlsx") if format_name == "review" else (suffix,)
    if output is not None and output.suffix.lower() not in allowed:
        raise InputError(f"{output}: output must end in {' or '.join(allowed)}")
    read = read_statements(source, settings.include_rejected, settings.column)
    statements = read.statements
    notes = read.warnings + review_findings(read, settings.max_chars)
    if format_name in UPLOAD_FORMATS:
        too_long = [(line, s) for line, s in read.lines if s is not None and len(s.text.strip()) > settings.max_chars]
        if too_long:
            line, first = too_long[0]
            raise InputError(f"{source}: {len(too_long)} statements are longer than {settings.max_chars} characters "
                             f"(the first, line {line}, has {len(first.text.strip())}); shorten them, or raise "
                             "--max-chars (Polis's new UI takes 400, its server 997)")
        refuse_upload(source, read, settings.max_chars)
    if split is not None:
        parts = polis_csv_parts(statements, split)
        assert output is not None
        names = [output.with_name(f"{output.stem}-{number:03d}{output.suffix}") for number in range(1, len(parts) + 1)]
        for name, content in zip(names, parts):
            atomic_write_text(name, content)
        return f"wrote {len(statements)} statements to {len(parts)} files: {names[0]} … {names[-1]}"
    findings = findings_by_index(statements, settings.max_chars) if format_name == "review" else None
    if output is not None and output.suffix.lower() == ".xlsx":
        from .stages.export import review_xlsx

        atomic_write_bytes(output, review_xlsx(statements, findings))
        return "\n".join(notes + [f"wrote {len(statements)} statements to {output} (review, Excel workbook)"])
    content = render(statements, format_name, findings)
    if output is None:
        sys.stdout.write(content)
        return "\n".join(notes + [f"wrote {len(statements)} statements to stdout ({format_name})"])
    atomic_write_text(output, content)
    return "\n".join(notes + [f"wrote {len(statements)} statements to {output} ({format_name})"])


def refuse_upload(source: str, read, max_chars: int) -> None:
    """What lint calls an error never reaches a Polis upload: one line naming the first such row and its rule."""
    from .stages.lint import upload_blockers

    blockers = upload_blockers(read.lines, max_chars)
    if not blockers:
        return
    first = blockers[0]
    where = "row" if read.review is not None else "line"
    count = len({finding.line for finding in blockers})
    raise InputError(f"{source}: {count} statement{'s' if count > 1 else ''} would go to Polis with an error (the "
                     f"first, {where} {first.line}: {first.rule}: {first.message}); fix or drop "
                     f"{'them' if count > 1 else 'it'}, and `polis-seed lint {source}` lists every finding")


@dataclass
class LintOutcome:
    source: str
    statements: int
    findings: list
    rejected: int = 0

    @property
    def errors(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for finding in self.findings if finding.severity == "warning")

    def as_dict(self) -> dict:
        return {"file": self.source, "statements": self.statements, "errors": self.errors, "warnings": self.warnings,
                "rejected_left_out": self.rejected, "findings": [finding.as_dict() for finding in self.findings]}


def lint_file(source: str, settings: Settings, angles_file: Path | None = None) -> LintOutcome:
    """The rules on every statement; with an angles file, also the side each labelled statement takes, read
    by the stance check (which asks the model: the same provider settings as generate)."""
    from .stages.lint import lint_statements, stance_findings
    from .io.statements import read_statement_lines

    read = read_statement_lines(source, settings.include_rejected, settings.column)
    findings = lint_statements(read.lines, settings.max_chars, settings.threshold)
    if angles_file is not None:
        from .language.embeddings import e5_embed
        from .prompts import load_angles

        angles = load_angles(angles_file)
        with provider_of(settings).open(cache_dir_of(settings)) as provider:
            findings += stance_findings(read.lines, angles, provider, e5_embed, settings.topic)
        findings.sort(key=lambda f: (f.line is None, f.line or 0))
    return LintOutcome(source, len(read.statements), findings, read.rejected)


@dataclass
class ChunkListing:
    documents: list[Document]
    chunks: dict[str, list[Chunk]]
    warnings: list[str]
    notes: list[str]


def read_chunks(paths: list[Path], strict: bool, output: Path | None, column: str | None = None) -> ChunkListing:
    from .stages.chunk import chunk_document

    loaded = load_documents(paths, strict=strict, column=column)
    chunks = {document.id: chunk_document(document) for document in loaded.documents}
    if output is not None:
        records = [{"document": {**document.model_dump(), "characters": len(document.text)},
                    "chunks": [{"id": c.id, "index": c.index, "token_count": c.token_count, "text": c.text}
                               for c in chunks[document.id]]} for document in loaded.documents]
        atomic_write_text(output, "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records))
    return ChunkListing(loaded.documents, chunks, loaded.warnings, loaded.notes)
