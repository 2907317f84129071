"""What the commands print: progress while a run goes, and summaries after it. No decisions here.

Messages go to stderr; results meant for pipes (lint, chunks, dedupe -o -) go to stdout. When a stream
is not a terminal nothing is hard-wrapped and progress is a plain line every few percent.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from ..models import Angle, Attempt, Statement, counted_side, sides_checked
from ..pipeline import DryRunPlan, Events, PipelineResult
from ..language.redaction import hide_secrets

PLAIN_PROGRESS_STEP = 0.05


def make_console(stderr: bool) -> Console:
    stream = sys.stderr if stderr else sys.stdout
    # A pipe or a file gets whole lines: rich would otherwise wrap at 80 columns.
    return Console(stderr=stderr, highlight=False, width=None if stream.isatty() else 100_000, soft_wrap=True)


errors = make_console(stderr=True)


def say(message: str) -> None:
    errors.print(message, markup=False)


class ConsoleEvents(Events):
    """Progress step by step: each step of a run (the subject, the candidates, judging them, …) shows its own count
    of requests against its own total, which is known when the step starts and never changes while it runs (a step
    whose requests are not known up front shows its count only). The time left is estimated from the requests the
    model answered in this step, never from answers that came from the cache, and not shown before one is answered.
    A bar on a terminal; a plain line every 5 % of a step when stderr is a file or a pipe."""

    def __init__(self, console: Console | None = None, label: str = "generate", clock=time.monotonic):
        self.console = console or errors
        self.label = label
        self.clock = clock
        self._lock = threading.Lock()
        self._progress = None
        self._task = None
        self._start_step(None)

    def _start_step(self, name: str | None) -> None:
        self.step_name = name
        self.total: int | None = None
        self.done = 0
        self.cached = 0
        self.started = self.clock()
        self._next_plain = PLAIN_PROGRESS_STEP

    def warning(self, message: str) -> None:
        self.console.print(f"warning: {message}", markup=False)

    def info(self, message: str) -> None:
        self.console.print(message, markup=False)

    def angles_discovered(self, angles: list[Angle], saved_to: Path | None) -> None:
        table = Table(title="angles discovered in the documents")
        for column in ("id", "name", "pro", "con", "keywords"):
            table.add_column(column)
        for angle in angles:
            table.add_row(angle.id, angle.name, angle.pro, angle.con, ", ".join(angle.keywords))
        self.console.print(table)
        if saved_to is not None:
            self.info(f"saved them to {saved_to}; edit it and pass it with --angles to reuse")

    def step(self, name: str) -> None:
        """A new step starts: its count starts from 0 and its total is what it plans."""
        with self._lock:
            if name != self.step_name:
                self._start_step(name)
                if self._progress is not None:
                    self._progress.reset(self._task, total=None, completed=0)  # the step's own elapsed time
                self._show()

    def requests_planned(self, count: int, checks_per_request: int = 0) -> None:
        """The current step makes `count` requests, each followed by `checks_per_request` checks of its answer (the
        stance check's two questions). A second plan in the same step adds to it (it has not started on those)."""
        with self._lock:
            planned = count * (1 + checks_per_request)
            if planned:
                if not self.done:
                    self.started = self.clock()  # the time left counts from the requests, not the work before them
                self.total = (self.total or 0) + planned
            self._show()

    def request_done(self, attempt: Attempt) -> None:
        with self._lock:
            self.done += 1
            self.cached += attempt.from_cache
            if self.total is not None and self.done > self.total:
                self.total = self.done  # a request no plan foresaw: counted, never lost
            self._show(finished_one=True)

    def time_left(self) -> float | None:
        """Seconds left in this step, from the requests the model answered (a cached answer takes no time and says
        nothing about the next one); None before one is answered or when the total is not known."""
        answered = self.done - self.cached
        if self.total is None or answered <= 0 or self.done >= self.total:
            return None
        return (self.clock() - self.started) / answered * (self.total - self.done)

    def _title(self) -> str:
        return f"{self.label}: {self.step_name}" if self.step_name else self.label

    def _status(self) -> str:
        if self.total is None:
            count = f"{self.done} request{'s' if self.done != 1 else ''}"
        else:
            count = f"{self.done}/{self.total} requests ({100 * self.done / self.total:.0f}%)" if self.total else \
                "0 requests"
        parts = [count]
        if self.cached:
            parts.append(f"{self.cached} from the cache")
        left = self.time_left()
        if left is not None:
            parts.append(f"{'about ' if left >= 1 else ''}{_duration(left)} left")
        return ", ".join(parts)

    def _show(self, finished_one: bool = False) -> None:
        if self.console.is_terminal:
            self._show_bar()
            return
        if not finished_one:
            return
        if self.total:
            share = self.done / self.total
            if share + 1e-9 < self._next_plain:
                return
            while self._next_plain <= share + 1e-9:
                self._next_plain += PLAIN_PROGRESS_STEP
        self.console.print(f"{self._title()}: {self._status()}", markup=False)

    def _show_bar(self) -> None:
        if self._progress is None:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[status]}"),
                                      TimeElapsedColumn(), console=self.console, transient=True)
            self._progress.start()
            self._task = self._progress.add_task(self._title(), total=self.total, status="")
        self._progress.update(self._task, description=self._title(), total=self.total, completed=self.done,
                              status=self._status())

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def _duration(seconds: float) -> str:
    if seconds < 1:
        return "under 1 s"
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


def stance_table(angles: list[Angle], statements: list[Statement]) -> Table:
    checked = sides_checked(statements)
    table = Table(title="statements per angle and side" + (" (as the stance check read them)" if checked else ""))
    table.add_column("angle")
    for column in ("pro", "con") + (("unclear",) if checked else ()):
        table.add_column(column, justify="right")
    for angle in angles:
        sides = ("pro", "con", "unclear") if checked else ("pro", "con")
        counts = [sum(1 for s in statements if s.angle == angle.id and counted_side(s, checked) == side)
                  for side in sides]
        table.add_row(angle.id, *[str(count) if count or side == "unclear" else "[red]0[/red]"
                                  for count, side in zip(counts, sides)])
    return table


def print_batch_round(result: PipelineResult, command: str) -> None:
    batch = result.batch_round
    results = batch.path.with_name(batch.path.name.replace(".requests.", ".results."))
    if batch.written_now:
        say(f"{batch.requests} requests wait in {batch.path} (round {batch.number}); nothing else was written.")
    else:
        say(f"still waiting for the answers to round {batch.number}: {batch.requests} requests in {batch.path}.")
    if batch.step:
        usually = f", {batch.more_usually} when every answer passes its checks" \
            if batch.more_usually != batch.more_at_most else ""
        say(f"round {batch.number}: {batch.step}; {batch.more_at_most} more rounds at most after this one{usually} "
            f"(this strategy takes at most {batch.planned_at_most} rounds)")
    say(f"next: answer them — `polis-seed batch answer {batch.path} -o {results}` on a machine that can reach a "
        f"model, or your provider's batch API — save the answers as {results}, then run `polis-seed {command}` "
        "again.")


def print_summary(result: PipelineResult) -> None:
    report, usage = result.report, result.usage
    # The strategy and why were said when the run started (pipeline.run_pipeline): not again here.
    errors.print(stance_table(result.prepared.angles, result.exported))
    cost = "local: no charge" if usage["usd"] == 0 else (
        f"${usage['usd']:.4f}" if usage["usd"] is not None else f"no price for {usage['model']}")
    cached = f", {usage['cached_input_tokens']} read from the prompt cache" if usage["cached_input_tokens"] else ""
    say(f"model calls {report.calls_made} ({report.cached_responses} answered from cache, {report.retries} re-asks, "
        f"{report.failed_requests} failed); tokens in {report.prompt_tokens}{cached}, out {report.completion_tokens}; "
        f"cost {cost} (prices as of {usage['price_table_as_of']})")
    drops = ", ".join(f"{rule} {count}" for rule, count in report.drop_counts().items())
    say(f"kept {report.kept} statements; dropped {len(report.dropped)} candidates after re-asks"
        + (f" (the rules they broke, one candidate can break several: {drops})" if drops else ""))
    if result.deduped is not None:
        say(f"dedupe: {len(result.deduped.merges)} duplicates removed, {len(result.deduped.kept)} statements left")
    for note in result.notes:
        say(f"note: {note.text()}")
    for failure in report.failures[:5]:
        say(f"failed request: {hide_secrets(failure)}")
    if result.quality is not None:
        print_quality(result.quality)
    if result.batch_rounds is not None:
        taken, at_most = result.batch_rounds
        say(f"batch rounds: {taken} (request files answered; this strategy takes at most {at_most})")
    say(f"time {usage['seconds']:.0f} s")


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def print_quality(quality: dict) -> None:
    grounding = quality["grounding"]
    say(f"quality: quotes found in their document {_percent(grounding['quotes_found_in_their_document'])}, "
        f"content words found in the quote {_percent(grounding['mean_share_of_content_words_in_quote'])} on average, "
        f"near-copies {_percent(quality['near_copy_rate_of_model_answers'])} of model answers → "
        f"{_percent(quality['near_copy_rate_exported'])} exported, duplicates removed {_percent(quality['duplicate_rate'])}, "
        f"mean length {_number(quality['mean_length'])}, over limit {quality['over_length_limit']}, questions "
        f"{quality['questions']}, angles with both sides {quality['angles_with_both_sides']}/{len(quality['per_angle'])}")
    for unit, counts in quality.get("represented", {}).items():
        say(f"represented: {counts['with_a_selected_claim']:,} of {counts['of']:,} {unit} hold a claim of the list "
            f"({_percent(counts['share'])})")


def _usd(value: float | None) -> str:
    return "0 (local)" if value == 0 else (f"{value:.4f}" if value is not None else "no price")


def print_dry_run(plan: DryRunPlan) -> None:
    table = Table(title=f"dry run: no model called (prices as of {plan.price_table_as_of})")
    for column in ("provider", "model", "strategy", "requests", "input tokens", "of them cached",
                   "expected output tokens", "estimated USD", "with a batch API"):
        table.add_column(column, justify="left" if column in ("provider", "model", "strategy") else "right")
    table.add_row(plan.provider, plan.model, plan.strategy, str(plan.requests), f"{plan.input_tokens:,}",
                  f"{plan.cached_input_tokens:,}", f"{plan.output_tokens:,}", _usd(plan.cost), _usd(plan.batch_cost))
    errors.print(table)
    say(f"input tokens counted with {plan.counted_by}")
    if plan.rounds:
        say(f"batch rounds: at most {plan.rounds[0]}, {plan.rounds[1]} when every answer passes its checks")
    for note in plan.notes:
        say(f"note: {note}")


def print_lint(outcome) -> None:
    stdout = make_console(stderr=False)
    if outcome.findings:
        table = Table(title=f"lint {outcome.source}: {outcome.statements} statements")
        for column in ("line", "severity", "rule", "finding"):
            table.add_column(column)
        colours = {"error": "red", "warning": "yellow", "info": "cyan"}
        for finding in outcome.findings:
            colour = colours[finding.severity]
            table.add_row("-" if finding.line is None else str(finding.line), f"[{colour}]{finding.severity}[/{colour}]",
                          finding.rule, finding.message)
        stdout.print(table)
    else:
        stdout.print(f"lint {outcome.source}: {outcome.statements} statements, no findings", markup=False)
    left_out = (f"; {outcome.rejected} rejected by the moderator left out (--include-rejected checks them)"
                if outcome.rejected else "")
    stdout.print(f"{outcome.errors} errors, {outcome.warnings} warnings{left_out}", markup=False)


def print_chunks(listing, show_text: bool) -> None:
    import typer

    stdout = make_console(stderr=False)
    table = Table(title="documents")
    for column in ("path", "type", "encoding", "characters", "chunks", "tokens per chunk"):
        # Paths are never cut: two files that differ only at the end must stay apart.
        table.add_column(column, overflow="fold", no_wrap=column == "path")
    for document in listing.documents:
        chunks = listing.chunks[document.id]
        table.add_row(document.path, document.kind, document.encoding or "-", str(len(document.text)), str(len(chunks)),
                      ", ".join(str(chunk.token_count) for chunk in chunks[:12]) + (" …" if len(chunks) > 12 else ""))
        if show_text:
            # Plain echo, not rich: the text must come out exactly as extracted, unwrapped.
            typer.echo(f"===== {document.path} ({document.kind}, {document.encoding or 'binary format'}) =====")
            typer.echo(document.text)
    stdout.print(table)
