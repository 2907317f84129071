"""The facilitator's review of a run, kept on disk change by change.

A review starts from the run's exported statements (deduped.jsonl), plus what can be brought back: the
candidates the rules dropped (report.json) and the duplicates dedupe absorbed (each statement's
`merged`). Every change (keep, drop, edit, add, restore) is applied under a lock, written at once to
`review.json` (atomic rename, fsync'd) with one line appended to `review-log.jsonl`, and the outputs
`reviewed.jsonl` (kept statements with their provenance) and `polis.csv` (the kept statements that break no rule
lint calls an error) are rewritten. So closing the
browser or killing the server loses nothing that was saved.

Two tabs: every item has a revision number. A change names the revision it was made on; if the item has
changed since (in another tab), the change is refused with the current item, never applied silently.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from ..errors import InputError
from ..io.files import atomic_write_text, write_if_changed
from ..messages import say
from ..models import Reason, Statement, counted_side, said, sides_checked, statement_id
from ..rules import Context, Topic, check_statement, run_context
from .report import held_by

STATE_FILE = "review.json"
LOG_FILE = "review-log.jsonl"
REVIEWED_FILE = "reviewed.jsonl"
POLIS_FILE = "polis.csv"

Origin = Literal["generated", "added", "dropped candidate", "absorbed duplicate"]


class ReviewItem(BaseModel):
    statement: Statement
    status: Literal["keep", "drop", "candidate"] = "keep"  # candidate: not in the list until restored
    origin: Origin = "generated"
    rev: int = 0
    reasons: list[str] = Field(default_factory=list, description="why the rules dropped a candidate (English)")
    why: list[Reason] = Field(default_factory=list, description="the same as message ids and parameters, to be said "
                              "in the page's language")
    absorbed_by: str | None = Field(None, description="for an absorbed duplicate: the id of the statement kept")


class ReviewState(BaseModel):
    version: int = 0
    max_chars: int = 140
    run_digest: str = Field("", description="sha256 of the run's statement file the review started from")
    items: list[ReviewItem] = Field(default_factory=list)


class Conflict(Exception):
    """The item changed since the client saw it (another tab); carries the current item."""

    def __init__(self, item: ReviewItem):
        super().__init__("changed in another tab")
        self.item = item


class ChangeError(ValueError):
    """A change that cannot be applied (unknown item, empty text, …); the message says why, in English, and
    `reason` says it in the page's language."""

    def __init__(self, reason: Reason):
        super().__init__(reason.text())
        self.reason = reason


@dataclass
class Change:
    op: Literal["keep", "drop", "edit", "add", "restore"]
    id: str | None = None
    rev: int | None = None
    text: str | None = None
    angle: str | None = None
    stance: str | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Change:
        op = data.get("op")
        if op not in ("keep", "drop", "edit", "add", "restore"):
            raise ChangeError(said("review.unknown-change", op=str(op)))
        return cls(op=op, id=data.get("id"), rev=data.get("rev"), text=data.get("text"), angle=data.get("angle"),
                   stance=data.get("stance"))


def findings_for(text: str, context: Context | int, language: str = "en") -> list[dict[str, str]]:
    """The rules on one text in a context (ReviewStore.rule_context: the run's, as generate checked it; a bare
    max_chars for a run from before report.json kept it), each message in the page's language."""
    context = context if isinstance(context, Context) else Context(max_chars=context)
    return [{"rule": f.rule, "severity": f.severity, "message": f.text(language)}
            for f in check_statement(text, context).findings]


def _read_jsonl(path: Path) -> list[Statement]:
    if not path.is_file():
        return []
    return [Statement.model_validate_json(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def run_digest(folder: Path) -> str:
    """Which run a review belongs to: the hash of the statement file it starts from."""
    for name in ("deduped.jsonl", "statements.jsonl"):
        if (folder / name).is_file():
            return hashlib.sha256((folder / name).read_bytes()).hexdigest()
    return ""


def initial_state(folder: Path, max_chars: int) -> ReviewState:
    """A new review of a run folder: its statements, its dropped candidates and absorbed duplicates."""
    statements = _read_jsonl(folder / "deduped.jsonl") or _read_jsonl(folder / "statements.jsonl")
    if not statements:
        raise InputError(f"{folder}: no deduped.jsonl or statements.jsonl with statements; give the folder "
                         "`polis-seed run -o DIR` wrote")
    items = [ReviewItem(statement=s.with_id()) for s in statements]
    for statement in list(items):
        for text in statement.statement.merged:
            absorbed = statement.statement.model_copy(update={"text": text, "merged": [], "id": None, "checked_stance": None})
            items.append(ReviewItem(statement=absorbed.model_copy(update={"id": statement_id(text, "absorbed", statement.statement.id)}),
                                    status="candidate", origin="absorbed duplicate", absorbed_by=statement.statement.id))
    report_file = folder / "report.json"
    if report_file.is_file():
        report = json.loads(report_file.read_text(encoding="utf-8"))
        for drop in (report.get("report") or {}).get("dropped") or []:
            candidate = Statement(text=drop["text"], angle=drop.get("angle"), stance=drop.get("stance"),
                                  document_id=drop.get("document_id"), quote=drop.get("quote"))
            candidate = candidate.model_copy(update={"id": statement_id(drop["text"], "dropped", drop.get("angle"))})
            items.append(ReviewItem(statement=candidate, status="candidate", origin="dropped candidate",
                                    reasons=drop.get("reasons") or [], why=drop.get("why") or []))
    unique: dict[str, ReviewItem] = {}
    for item in items:
        unique.setdefault(item.statement.id or "", item)
    return ReviewState(max_chars=max_chars, items=list(unique.values()), run_digest=run_digest(folder))


def page_messages(language: str) -> dict[str, str]:
    """The evidence cells' words in the page's language (messages.py)."""
    return {key: say(f"evidence.{key}", language=language)
            for key in ("title", "review", "none", "context", "source", "write")}


class ReviewStore:
    """The review of one run folder; thread-safe; every change on disk before it is acknowledged."""

    def __init__(self, folder: Path, max_chars: int = 140):
        self.folder = folder
        self.lock = threading.Lock()
        self._angle_names: dict[str, dict[str, str]] = {}
        self._report: dict[str, Any] | None = None
        self._context: Context | None = None
        self._left_out: tuple | None = None
        state_file = folder / STATE_FILE
        if state_file.is_file():
            try:
                self.state = ReviewState.model_validate_json(state_file.read_text(encoding="utf-8"))
            except ValueError as error:
                raise InputError(f"{state_file}: not a review file ({str(error).splitlines()[0]}); move it away to "
                                 "start the review again") from None
            if self.state.run_digest and self.state.run_digest != run_digest(folder):
                raise InputError(f"{state_file}: this review belongs to an earlier run (the statements in {folder} "
                                 f"changed since); move {STATE_FILE} and {LOG_FILE} away to review the new run")
        else:
            self.state = initial_state(folder, max_chars)
            self._save(None)

    # ----- reading -----
    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            run_angles = [angle["id"] for angle in self.report().get("angles") or [] if "id" in angle]
            angles = list(dict.fromkeys(run_angles + [item.statement.angle for item in self.state.items
                                                      if item.statement.angle]))
            language = self.language()
            return {"version": self.state.version, "max_chars": self.state.max_chars, "folder": str(self.folder),
                    "language": language, "angles": angles, "angle_names": self.angle_names(language),
                    "evidence": self.evidence(language), "messages": page_messages(language),
                    "sides_checked": self.sides_checked(), "items": [self.view(item, language) for item in self.state.items]}

    def sides_checked(self) -> bool:
        """Whether the run's sides were read (then an unread statement counts as unclear): over every item, so
        dropping the statements that were read does not turn the rest into their labels."""
        return sides_checked([item.statement for item in self.state.items])

    def report(self) -> dict[str, Any]:
        """The run's report.json ({} when there is none or it cannot be read); read once."""
        if self._report is None:
            try:
                self._report = json.loads((self.folder / "report.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self._report = {}
        return self._report

    def rule_context(self) -> Context:
        """What a statement in the page is checked against: the run's language, length targets and subject, as
        generate checked its statements (rules.run_context), with the page's length limit."""
        if self._context is None:
            report = self.report()
            checks, topic = report.get("checks") or {}, report.get("topic") or {}
            if not checks.get("language"):
                self._context = Context(max_chars=self.state.max_chars)
            else:
                subject = Topic(str(topic["name"]), tuple(topic.get("terms") or ()), str(topic.get("vocabulary") or "")) \
                    if topic.get("name") else None
                self._context = run_context(str(checks["language"]), self.state.max_chars,
                                            bool(checks.get("max_chars_given")), subject)
        return self._context

    def evidence(self, language: str) -> dict[str, dict[str, dict[str, Any]]]:
        """report.json's passages per angle and side, with each cell's title in the page's language: what the
        page shows for a cell no kept statement fills."""
        names = self.angle_names(language)
        cells: dict[str, dict[str, dict[str, Any]]] = {}
        for angle, sides in (self.report().get("evidence") or {}).items():
            for side, passages in sides.items():
                cells.setdefault(angle, {})[side] = {
                    "title": say("evidence.cell", {"angle": angle, "side": side}, language, names),
                    "label": say("evidence.passages", {"count": len(passages)}, language), "passages": passages}
        return cells

    def angle_names(self, language: str) -> dict[str, str]:
        """The angles' names in the run's language, from its report.json (ids where there is none); read once."""
        from .report import angle_name

        if language not in self._angle_names:
            self._angle_names[language] = {angle["id"]: angle_name(angle, language)
                                           for angle in self.report().get("angles") or [] if "id" in angle}
        return self._angle_names[language]

    def language(self) -> str:
        from ..language.text import detect_language

        return detect_language("\n".join(item.statement.text for item in self.state.items))

    def view(self, item: ReviewItem, language: str | None = None) -> dict[str, Any]:
        """An item as the page shows it: its findings and the reasons it was dropped in the page's language."""
        language = language or self.language()
        data = item.model_dump(mode="json")
        data["side"] = counted_side(item.statement, self.sides_checked())  # what the page counts and shows
        if item.status == "keep":
            blocked = self.left_out_of_polis().get(item.statement.id or "")
            data["left_out"] = [f"{f.rule}: {f.text(language)}" for f in blocked] if blocked else []
        data["findings"] = findings_for(item.statement.text, self.rule_context(), language)
        if item.statement.support is not None:
            data["held_by"] = held_by(item.statement, language)
        if item.why:
            names = self.angle_names(language)
            data["reasons"] = [reason.as_reason(language, names) for reason in item.why]
        return data

    def kept(self) -> list[Statement]:
        return [item.statement for item in self.state.items if item.status == "keep"]

    def left_out_of_polis(self) -> dict[str, list]:
        """The kept statements polis.csv leaves out, by id, with the errors that keep them out (what lint calls an
        error never reaches the upload: a question, a duplicate of another kept statement, …)."""
        from ..stages.lint import upload_blockers

        kept = self.kept()
        key = tuple((s.id, s.text) for s in kept)
        if self._left_out is not None and self._left_out[0] == key:  # a snapshot asks once per item
            return self._left_out[1]
        left_out: dict[str, list] = {}
        for finding in upload_blockers(list(enumerate(kept, start=1)), self.state.max_chars):
            left_out.setdefault(kept[finding.line - 1].id or "", []).append(finding)
        self._left_out = (key, left_out)
        return left_out

    # ----- changing -----
    def apply(self, change: Change) -> dict[str, Any]:
        with self.lock:
            if change.op == "add":
                item = self._add(change)
            else:
                item = self._find(change.id)
                if change.rev is not None and change.rev != item.rev:
                    raise Conflict(item)
                before = item.model_dump(mode="json")
                self._change(item, change)
                item.rev += 1
                self._save({"op": change.op, "id": item.statement.id, "before": before,
                            "after": item.model_dump(mode="json")})
                return {"version": self.state.version, "item": self.view(item)}
            self._save({"op": "add", "id": item.statement.id, "after": item.model_dump(mode="json")})
            return {"version": self.state.version, "item": self.view(item)}

    def _find(self, identifier: str | None) -> ReviewItem:
        for item in self.state.items:
            if item.statement.id == identifier:
                return item
        raise ChangeError(said("review.no-such-statement", id=str(identifier)))

    def _add(self, change: Change) -> ReviewItem:
        text = (change.text or "").strip()
        if not text:
            raise ChangeError(said("review.nothing-to-add"))
        stance = change.stance if change.stance in ("pro", "con") else None
        # The side a person gives the statement they write is a reading of it: it counts as checked.
        statement = Statement(text=text, angle=change.angle or None, stance=stance, checked_stance=stance)
        statement = statement.model_copy(update={"id": statement_id(text, "added", str(time.time_ns()))})
        item = ReviewItem(statement=statement, origin="added", rev=1)
        self.state.items.append(item)
        return item

    def _change(self, item: ReviewItem, change: Change) -> None:
        if change.op == "keep" and item.status == "candidate":
            change = Change(op="restore", id=change.id)
        if change.op == "keep":
            item.status = "keep"
        elif change.op == "drop":
            item.status = "drop" if item.origin in ("generated", "added") else "candidate"
        elif change.op == "restore":
            if item.status != "candidate":
                raise ChangeError(said("review.not-restorable"))
            item.status = "keep"
            if item.absorbed_by:
                keeper = self._find(item.absorbed_by)
                keeper.statement = keeper.statement.model_copy(
                    update={"merged": [t for t in keeper.statement.merged if t != item.statement.text]})
                keeper.rev += 1
        elif change.op == "edit":
            text = (change.text if change.text is not None else item.statement.text).strip()
            if not text:
                raise ChangeError(said("review.emptied"))
            update: dict[str, Any] = {"text": text}
            if change.angle is not None:
                update["angle"] = change.angle or None
            if change.stance is not None:
                # A side a person chooses is a reading of the statement, as for one they add.
                update["stance"] = update["checked_stance"] = change.stance if change.stance in ("pro", "con") else None
            # A new text keeps the side it counted on: the person who edited it read it, and the page shows the side.
            item.statement = item.statement.model_copy(update=update)

    def _save(self, entry: dict[str, Any] | None) -> None:
        """State first (the truth), then the log line, then the outputs; each file replaced atomically. Opening a
        review (no entry) changes no output: polis.csv is the run's until a change is made, and an output whose
        content a change leaves as it was is not rewritten."""
        from ..io.statements import statements_jsonl
        from ..stages.export import polis_csv

        if entry is not None:
            self.state.version += 1
        atomic_write_text(self.folder / STATE_FILE, self.state.model_dump_json(indent=1) + "\n")
        if entry is None:
            return
        entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "version": self.state.version, **entry}
        with open(self.folder / LOG_FILE, "a", encoding="utf-8") as log:
            log.write(json.dumps(entry, ensure_ascii=False) + "\n")
            log.flush()
        kept = self.kept()
        left_out = self.left_out_of_polis()
        write_if_changed(self.folder / REVIEWED_FILE, statements_jsonl(kept))
        write_if_changed(self.folder / POLIS_FILE, polis_csv([s for s in kept if (s.id or "") not in left_out]))
