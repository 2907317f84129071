"""Statement lists in and out: .jsonl (our records), .csv, .txt (one per line) or '-' (stdin/stdout)."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

from pydantic import ValidationError

from .errors import InputError
from .files import atomic_write_text
from .models import Statement
from .stages.export import polis_csv

STDIO = "-"
CSV_TEXT_COLUMNS = ("comment_text", "comment-body", "text")
FORMATS = (".jsonl", ".csv", ".txt")


def _read_source(path: str) -> str:
    if path == STDIO:
        return sys.stdin.read()
    file = Path(path)
    if not file.is_file():
        raise InputError(f"{path}: no such file; check the path")
    try:
        return file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"{path}: is not UTF-8 text; save it as UTF-8 and run again") from None


def _suffix(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if path != STDIO and suffix not in FORMATS:
        raise InputError(f"{path}: unknown statement format '{suffix or '(none)'}'; use .jsonl, .csv, .txt or -")
    return suffix


def read_statements(path: str) -> list[Statement]:
    suffix = _suffix(path)
    text = _read_source(path)
    statements: list[Statement] = []
    if suffix == ".jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                statements.append(Statement.model_validate_json(line))
            except ValidationError as error:
                first = error.errors()[0]
                raise InputError(
                    f"{path}: line {number} is not a statement record ({first['msg']}); "
                    'each line must be JSON like {"text": "..."}'
                ) from None
    elif suffix == ".csv":
        reader = csv.DictReader(io.StringIO(text))
        column = next((name for name in CSV_TEXT_COLUMNS if name in (reader.fieldnames or [])), None)
        if column is None:
            raise InputError(
                f"{path}: no statement column; name the column {', '.join(CSV_TEXT_COLUMNS[:-1])} or text"
            )
        statements = [Statement(text=row[column].strip()) for row in reader if (row.get(column) or "").strip()]
    else:
        statements = [Statement(text=line.strip()) for line in text.splitlines() if line.strip()]
    if not statements:
        raise InputError(f"{path}: holds no statements; add at least one")
    return statements


def jsonl(statements: list[Statement]) -> str:
    return "".join(statement.model_dump_json(exclude_defaults=True) + "\n" for statement in statements)


def write_statements(statements: list[Statement], path: str) -> None:
    suffix = _suffix(path)
    if suffix == ".jsonl":
        content = jsonl(statements)
    elif suffix == ".csv":
        content = polis_csv(statements)
    else:
        content = "".join(statement.text + "\n" for statement in statements)
    if path == STDIO:
        sys.stdout.write(content)
        sys.stdout.flush()
    else:
        atomic_write_text(Path(path), content)
