"""The review sheet: a statement list as a facilitator reviews it in Excel, and back.

`export --format review` writes one row per statement: a stable `id`, an empty `keep` cell, the
statement, its angle and side, where it comes from, the duplicates it absorbed and the rule findings.
The facilitator marks rows to drop in `keep` (x, no, 0, ×, 削除 …), edits texts, adds rows (no id),
and saves: as .xlsx, or as CSV, which Excel in Japanese writes in cp932. `export`, `dedupe` and `lint`
read the sheet back: dropped rows are left out, every other row keeps its id and provenance (the sheet
carries it), edited and added rows are marked so the rules look at them again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import Statement, counted_side, sides_checked, statement_id
from ..rules import Finding

COLUMNS = ("id", "keep", "statement", "angle", "stance", "checked stance", "source file", "quote",
           "merged duplicates", "lint findings", "document id", "chunk id")
# What a reviewer types into `keep` to drop a row (compared case-insensitively, spaces ignored).
DROP_MARKS = frozenset({"x", "×", "✕", "✗", "✖", "no", "n", "0", "false", "drop", "delete", "削除", "不要", "いいえ",
                        "×削除", "ng", "-"})
KEEP_MARKS = frozenset({"", "yes", "y", "1", "true", "keep", "o", "○", "◯", "〇", "はい", "残す", "ok"})
MERGED_SEPARATOR = "\n"
_STANCES = {"pro": "pro", "con": "con", "賛成": "pro", "反対": "con", "賛": "pro", "反": "con"}


def is_review_header(header: list[str]) -> bool:
    names = {name.strip().casefold() for name in header}
    return {"id", "keep", "statement"} <= names


def review_rows(statements: list[Statement], findings: dict[int, list[Finding]] | None = None) -> list[list[str]]:
    """The sheet as rows of text (header first); spreadsheet formulas are the writer's concern."""
    findings = findings or {}
    rows = [list(COLUMNS)]
    # "checked stance" is the side each statement counts on (models.counted_side) when the list was checked.
    checked = sides_checked(statements)
    for index, statement in enumerate(statements):
        statement = statement.with_id()
        rows.append([
            statement.id or "", "", statement.text, statement.angle or "", statement.stance or "",
            counted_side(statement, checked) if checked else "", statement.source_path or "", statement.quote or "",
            MERGED_SEPARATOR.join(statement.merged),
            "; ".join(f"{f.rule}: {f.message}" for f in findings.get(index, [])),
            statement.document_id or "", statement.chunk_id or "",
        ])
    return rows


@dataclass
class ReviewedRows:
    """What a review sheet says: the statements kept (with their 1-based row numbers), and what changed."""

    lines: list[tuple[int, Statement | None]] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # ids of rows marked to drop
    edited: list[str] = field(default_factory=list)  # ids of rows whose text, angle or side changed
    added: list[int] = field(default_factory=list)  # row numbers of rows without an id

    def summary(self, path: str) -> str:
        return (f"{path}: review sheet: {len([s for _, s in self.lines if s is not None])} statements kept, "
                f"{len(self.dropped)} dropped (keep column), {len(self.edited)} edited, {len(self.added)} added; "
                "edited and added statements are checked by the rules again")


class ReviewSheetError(ValueError):
    """A cell the reader cannot use; the message names the row and the fix."""


def _cell(row: dict[str, str], name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def _unneutralized(value: str) -> str:
    """The apostrophe export put before a would-be formula, which a spreadsheet may keep as text."""
    return value[1:] if value.startswith("'") and value[1:2] in ("=", "+", "-", "@") else value


def read_review_rows(header: list[str], rows: list[tuple[int, list[str]]]) -> ReviewedRows:
    """Rows of a review sheet (with their 1-based line) → the statements to keep."""
    names = [name.strip().casefold() for name in header]
    result = ReviewedRows()
    for line, cells in rows:
        row = {name: (cells[index] if index < len(cells) else "") for index, name in enumerate(names)}
        keep = _cell(row, "keep").casefold().replace(" ", "")
        text = _unneutralized(_cell(row, "statement"))
        identifier = _cell(row, "id")
        if keep in DROP_MARKS:
            if identifier or text:
                result.dropped.append(identifier or f"row {line}")
            continue
        if keep not in KEEP_MARKS:
            raise ReviewSheetError(f"row {line}: keep is '{_cell(row, 'keep')}'; leave it empty to keep the statement "
                                   "or write x (or no, 0, ×, 削除) to drop it")
        if not text:
            result.lines.append((line, None))
            continue
        stance_cell = _cell(row, "stance")
        stance = _STANCES.get(stance_cell.casefold(), None)
        if stance_cell and stance is None:
            raise ReviewSheetError(f"row {line}: stance is '{stance_cell}'; write pro or con (or leave it empty)")
        merged = [text for text in _cell(row, "merged duplicates").split(MERGED_SEPARATOR) if text.strip()]
        checked = _cell(row, "checked stance")
        statement = Statement(
            text=text, id=identifier or None, angle=_cell(row, "angle") or None, stance=stance,
            checked_stance=checked if checked in ("pro", "con", "unclear") else None,
            source_path=_cell(row, "source file") or None, quote=_unneutralized(_cell(row, "quote")) or None,
            merged=[_unneutralized(m.strip()) for m in merged], document_id=_cell(row, "document id") or None,
            chunk_id=_cell(row, "chunk id") or None)
        if not identifier:
            result.added.append(line)
            statement = statement.with_id()
        elif statement_id(statement.text, statement.angle, statement.stance, statement.document_id) != identifier:
            # The id is the hash of what was exported; a row that no longer hashes to it was edited.
            result.edited.append(identifier)
        result.lines.append((line, statement))
    return result
