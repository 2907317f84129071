"""Statement lists in and out: .jsonl (our records), .csv, .txt (one per line) or '-' (stdin/stdout);
review sheets are also read from .xlsx.

A .csv is read by its header: our own statement columns (one per field), a review sheet (id, keep,
statement, …: see review_sheet.py), a Polis export (`comment-body`, with `moderated`), or any CSV with a
comment column: one of the recognised names (readers.COMMENT_COLUMNS) or the one `column` (--column) names.
On stdin the format is recognised the same way: a first line that is a CSV header with such a column makes it
a CSV. Text files may be UTF-8 (with or without a BOM) or cp932 as Excel saves.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from ..errors import InputError
from ..language.text import clean_statement
from ..models import Statement
from .files import atomic_write_text
from .readers import choose_column, comment_column, decode_bytes, header_name
from .review_sheet import ReviewedRows, ReviewSheetError, is_review_header, read_review_rows

STDIO = "-"
STATEMENT_SUFFIXES = (".jsonl", ".csv", ".txt")
READ_ONLY_SUFFIXES = (".xlsx",)  # a review sheet saved by Excel
# Our .csv statement files: one column per field, list fields as JSON.
STATEMENT_COLUMNS = tuple(Statement.model_fields)
_LIST_FIELDS = {"merged"}


@dataclass
class StatementLines:
    """Each statement with its 1-based line in the file (None marks a blank line or an empty cell)."""

    lines: list[tuple[int, Statement | None]]
    rejected: int = 0  # Polis comments a moderator rejected, left out
    warnings: list[str] = field(default_factory=list)
    review: ReviewedRows | None = None  # what a review sheet said (drops, edits, additions)
    path: str = STDIO

    @property
    def statements(self) -> list[Statement]:
        return [statement for _, statement in self.lines if statement is not None]


def _read_source(path: str) -> tuple[str, str | None]:
    if path == STDIO:
        return sys.stdin.read(), None
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{path}: no such file; check the path")
    decoded = decode_bytes(file.read_bytes(), file)
    return decoded.text, decoded.warning


def _suffix(path: str, reading: bool = False) -> str:
    suffix = Path(path).suffix.lower()
    if reading and suffix in READ_ONLY_SUFFIXES:
        return suffix
    if path != STDIO and suffix not in STATEMENT_SUFFIXES:
        if suffix in READ_ONLY_SUFFIXES:
            raise InputError(f"{path}: statement lists are written as .jsonl, .csv or .txt; for an Excel review "
                             "sheet use: polis-seed export IN --format review -o FILE.xlsx")
        more = ", .xlsx (a review sheet)" if reading else ""
        raise InputError(f"{path}: unknown statement format '{suffix or '(none)'}'; use .jsonl, .csv, .txt{more} or -")
    return suffix


def _looks_like_csv(text: str, column: str | None = None) -> bool:
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    header = next(csv.reader([first]), [])
    named = column is not None and header_name(column) in {header_name(cell) for cell in header}
    return named or comment_column(header) is not None


def _looks_like_jsonl(text: str) -> bool:
    first = text.lstrip().split("\n", 1)[0]
    return first.startswith("{") and first.endswith("}")


def _read_jsonl(path: str, text: str) -> StatementLines:
    lines: list[tuple[int, Statement | None]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            lines.append((number, None))
            continue
        try:
            lines.append((number, Statement.model_validate_json(line)))
        except ValidationError as error:
            first = error.errors()[0]
            raise InputError(f"{path}: line {number} is not a statement record ({first['msg']}); "
                             'each line must be JSON like {"text": "..."}') from None
    return StatementLines(lines)


def _moderation(value: str | None) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number in (-1, 0, 1) else None


def _review(path: str, header: list[str], rows: list[tuple[int, list[str]]]) -> StatementLines:
    try:
        reviewed = read_review_rows(header, rows)
    except ReviewSheetError as error:
        raise InputError(f"{path}: {error}") from None
    return StatementLines(reviewed.lines, review=reviewed)


def _read_xlsx(path: str) -> StatementLines:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    file = Path(path)
    if not file.is_file():
        raise InputError(f"{path}: no such file; check the path")
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as error:
        raise InputError(f"{path}: not a readable Excel workbook ({error}); save it again as .xlsx or as CSV") from None
    sheet = workbook.worksheets[0]
    rows = [(number, ["" if value is None else str(value) for value in row])
            for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
    workbook.close()
    if not rows or not is_review_header(rows[0][1]):
        raise InputError(f"{path}: the first sheet is not a review sheet (its first row needs the columns id, keep "
                         "and statement); write one with: polis-seed export IN --format review -o FILE.xlsx")
    return _review(path, rows[0][1], rows[1:])


def _read_csv(path: str, text: str, include_rejected: bool, column: str | None = None) -> StatementLines:
    """A review sheet and our own statement CSV are read by their own columns; any other CSV by its comment
    column (`column`, else a recognised name)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, [])
    if is_review_header(header):
        rows: list[tuple[int, list[str]]] = []
        start = reader.line_num + 1
        for row in reader:
            rows.append((start, row))
            start = reader.line_num + 1
        return _review(path, header, rows)
    ours = header[:1] == ["text"]
    index = 0 if ours else choose_column(path, header, column, "statement")
    moderated_index = header.index("moderated") if "moderated" in header else None
    result = StatementLines([])
    start = reader.line_num + 1
    for row in reader:
        # A record that spans lines is reported at the line where it starts.
        line, start = start, reader.line_num + 1
        value = row[index].strip() if index < len(row) else ""
        if not value:
            result.lines.append((line, None))
            continue
        if ours:
            record = {name: cell for name, cell in zip(header, row) if name in STATEMENT_COLUMNS and cell != ""}
            for name in _LIST_FIELDS & record.keys():
                record[name] = json.loads(record[name])
            if "moderated" in record:
                record["moderated"] = _moderation(record["moderated"])
            try:
                statement = Statement.model_validate(record)
            except (ValidationError, ValueError) as error:
                raise InputError(f"{path}: line {line} is not a statement row ({error}); fix the row") from None
        else:
            moderated = _moderation(row[moderated_index]) if moderated_index is not None and moderated_index < len(row) else None
            if moderated == -1 and not include_rejected:
                result.rejected += 1
                continue
            statement = Statement(text=value, moderated=moderated)
        result.lines.append((line, statement))
    return result


def _read_txt(text: str) -> StatementLines:
    return StatementLines([(number, Statement(text=line.strip()) if line.strip() else None)
                           for number, line in enumerate(text.splitlines(), start=1)])


def read_statement_lines(path: str, include_rejected: bool = False, column: str | None = None) -> StatementLines:
    """The statements of a file by line; `column` names a comment CSV's statement column (--column)."""
    suffix = _suffix(path, reading=True)
    if suffix == ".xlsx":
        read = _read_xlsx(path)
        read.path = path
        return read
    text, warning = _read_source(path)
    if suffix == ".jsonl" or (path == STDIO and _looks_like_jsonl(text)):
        read = _read_jsonl(path, text)
    elif suffix == ".csv" or (path == STDIO and _looks_like_csv(text, column)):
        read = _read_csv(path, text, include_rejected, column)
    else:
        read = _read_txt(text)
    if warning:
        read.warnings.append(warning)
    read.path = path
    return read


def read_statements(path: str, include_rejected: bool = False, column: str | None = None) -> StatementLines:
    """The statements of a file; a file with none is an error."""
    read = read_statement_lines(path, include_rejected, column)
    if not read.statements:
        left_out = f" ({read.rejected} rejected by the moderator; --include-rejected keeps them)" if read.rejected else ""
        raise InputError(f"{path}: holds no statements{left_out}; add at least one")
    return read


def statements_csv(statements: list[Statement]) -> str:
    """Our statement CSV: every field a column, so nothing is lost on the way through a spreadsheet."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(STATEMENT_COLUMNS)
    for statement in statements:
        values = statement.model_dump()
        writer.writerow([json.dumps(values[name], ensure_ascii=False) if name in _LIST_FIELDS
                         else ("" if values[name] is None else str(values[name])) for name in STATEMENT_COLUMNS])
    return buffer.getvalue()


def statement_texts(statements: list[Statement]) -> list[tuple[Statement, str]]:
    """Each statement with its text on one line; empty ones left out. A line break inside a statement would
    read as two statements to a person skimming the file."""
    return [(statement, text) for statement in statements if (text := clean_statement(statement.text))]


def statements_jsonl(statements: list[Statement]) -> str:
    return "".join(statement.model_dump_json(exclude_defaults=True) + "\n" for statement in statements)


def statements_txt(statements: list[Statement]) -> str:
    return "".join(text + "\n" for _, text in statement_texts(statements))


def carries_metadata(statements: list[Statement]) -> bool:
    return any(statement.model_dump(exclude_defaults=True, exclude={"text", "id"}) for statement in statements)


def write_statements(statements: list[Statement], path: str) -> list[str]:
    """Write a statement list; returns warnings (a .txt drops every field but the text)."""
    suffix = _suffix(path)
    warnings: list[str] = []
    if suffix == ".jsonl":
        content = statements_jsonl(statements)
    elif suffix == ".csv":
        content = statements_csv(statements)
    else:
        content = statements_txt(statements)
        if carries_metadata(statements):
            warnings.append(f"{path}: a text file keeps the statements only; angle, stance, quote and merged "
                            "duplicates are not written (use .jsonl or .csv to keep them)")
    if path == STDIO:
        sys.stdout.write(content)
        sys.stdout.flush()
    else:
        atomic_write_text(Path(path), content)
    return warnings
