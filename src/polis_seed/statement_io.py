"""Statement lists in and out: .jsonl (our records), .csv, .txt (one per line) or '-' (stdin/stdout)."""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

from pydantic import ValidationError

from .errors import InputError
from .files import atomic_write_text
from .models import Statement
from .readers import COMMENT_COLUMNS, comment_column, decode_bytes
from .stages.export import polis_csv, statements_jsonl, statements_txt

STDIO = "-"
STATEMENT_SUFFIXES = (".jsonl", ".csv", ".txt")


def _read_source(path: str) -> str:
    if path == STDIO:
        return sys.stdin.read()
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{path}: no such file; check the path")
    text, _ = decode_bytes(file.read_bytes(), file)
    return text


def _suffix(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if path != STDIO and suffix not in STATEMENT_SUFFIXES:
        raise InputError(f"{path}: unknown statement format '{suffix or '(none)'}'; use .jsonl, .csv, .txt or -")
    return suffix


def read_statement_lines(path: str) -> list[tuple[int, Statement | None]]:
    """Each statement with its 1-based line in the file; None marks a blank line or an empty cell."""
    suffix = _suffix(path)
    text = _read_source(path)
    lines: list[tuple[int, Statement | None]] = []
    if suffix == ".jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                lines.append((number, None))
                continue
            try:
                lines.append((number, Statement.model_validate_json(line)))
            except ValidationError as error:
                first = error.errors()[0]
                raise InputError(
                    f"{path}: line {number} is not a statement record ({first['msg']}); "
                    'each line must be JSON like {"text": "..."}'
                ) from None
    elif suffix == ".csv":
        reader = csv.reader(io.StringIO(text))
        header = next(reader, [])
        column = comment_column(header)
        if column is None:
            raise InputError(f"{path}: no statement column; name the column one of {', '.join(COMMENT_COLUMNS)}")
        index = header.index(column)
        for row in reader:
            value = row[index].strip() if index < len(row) else ""
            lines.append((reader.line_num, Statement(text=value) if value else None))
    else:
        for number, line in enumerate(text.splitlines(), start=1):
            lines.append((number, Statement(text=line.strip()) if line.strip() else None))
    return lines


def read_statements(path: str) -> list[Statement]:
    statements = [statement for _, statement in read_statement_lines(path) if statement is not None]
    if not statements:
        raise InputError(f"{path}: holds no statements; add at least one")
    return statements


def write_statements(statements: list[Statement], path: str) -> None:
    suffix = _suffix(path)
    if suffix == ".jsonl":
        content = statements_jsonl(statements)
    elif suffix == ".csv":
        content = polis_csv(statements)
    else:
        content = statements_txt(statements)
    if path == STDIO:
        sys.stdout.write(content)
        sys.stdout.flush()
    else:
        atomic_write_text(Path(path), content)
