"""export: Statements in, files for Polis, for review in Excel, and for other deliberation tools.

Polis (`polis`): one header, `comment_text`; UTF-8 without a BOM (Polis's server parses with csv-parse
`columns: true`, which keeps a BOM inside the header name and then skips every row); every field
quoted; one statement per row; no empty rows.
"""

from __future__ import annotations

import csv
import io
import time

from ..models import Merge, Statement
from ..rules import FORMULA_STARTS, Finding
from ..io.statements import statement_texts, statements_jsonl, statements_txt

POLIS_HEADER = "comment_text"
FORMATS = ("polis", "review", "polis-comments", "kouchou", "jsonl", "txt")
UTF8_BOM = "\ufeff"


def neutralize_formula(value: str) -> str:
    """Prefix a would-be formula with an apostrophe, which spreadsheets show as plain text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value




def _csv(rows: list[list[str]], quote_all: bool = False) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue()


def polis_csv(statements: list[Statement]) -> str:
    return _csv([[POLIS_HEADER]] + [[text] for _, text in statement_texts(statements)], quote_all=True)


def polis_csv_parts(statements: list[Statement], rows_per_file: int) -> list[str]:
    """The Polis CSV split into files of at most `rows_per_file` statements (bulk uploads of large
    files have failed in Polis), each with its own header."""
    kept = [statement for statement, _ in statement_texts(statements)]
    return [polis_csv(kept[start:start + rows_per_file]) for start in range(0, len(kept), rows_per_file)] or [polis_csv([])]


def review_csv(statements: list[Statement], findings: dict[int, list[Finding]] | None = None) -> str:
    """For colleagues reviewing in Excel on Windows: UTF-8 with BOM, one row per statement with a `keep`
    column and a stable id (review_sheet.py reads it back), every cell neutralised against formulas."""
    from ..io.review_sheet import review_rows

    rows = review_rows(statements, findings)
    return UTF8_BOM + _csv([rows[0]] + [[neutralize_formula(value) for value in row] for row in rows[1:]])


def review_xlsx(statements: list[Statement], findings: dict[int, list[Finding]] | None = None) -> bytes:
    """The review sheet as an Excel workbook: every cell text (no formula runs), the header frozen, the
    statement column wide and wrapped."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from ..io.review_sheet import review_rows

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "review"
    for row in review_rows(statements, findings):
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.data_type = "s"  # text, even when it starts with '=': Excel shows it and runs nothing
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEFGHIJKL", (12, 6, 50, 14, 8, 8, 24, 50, 40, 40, 14, 18)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "C2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def polis_comments_csv(statements: list[Statement], timestamp_ms: int | None = None) -> str:
    """The layout of a Polis comments.csv export, for tools that read Polis exports. Seed statements
    are written as moderator comments: author 0, no votes yet, accepted (moderated = 1)."""
    timestamp_ms = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    stamp = time.strftime("%a %b %d %Y %H:%M:%S GMT+0000 (Coordinated Universal Time)", time.gmtime(timestamp_ms / 1000))
    rows = [["timestamp", "datetime", "comment-id", "author-id", "agrees", "disagrees", "moderated", "comment-body"]]
    for comment_id, (_, text) in enumerate(statement_texts(statements)):
        rows.append([str(timestamp_ms), stamp, str(comment_id), "0", "0", "0", "1", neutralize_formula(text)])
    return _csv(rows)


def kouchou_csv(statements: list[Statement]) -> str:
    """Input for Kouchou-AI (広聴AI) and Talk to the City: comment-id, comment-body, plus the source."""
    rows = [["comment-id", "comment-body", "angle", "stance", "source", "quote"]]
    for number, (statement, text) in enumerate(statement_texts(statements), start=1):
        rows.append([str(number), neutralize_formula(text), statement.angle or "", statement.stance or "",
                     statement.source_path or "", neutralize_formula(statement.quote or "")])
    return _csv(rows)


MERGE_COLUMNS = ["kept", "absorbed", "tier", "fuzzy_ratio", "cosine", "against_existing", "decision", "reason", "why"]
EMBEDDING_TIERS = ("semantic", "llm")


def merge_scores(merge: Merge) -> tuple[str, str]:
    """(fuzzy_ratio, cosine) of a pair, one scale each: the rapidfuzz ratio of the normalised texts (0-100), always;
    the cosine of their embeddings (0-1) when the embeddings nominated the pair."""
    from rapidfuzz import fuzz

    from ..language.text import normalize_for_matching

    ratio = fuzz.ratio(normalize_for_matching(merge.kept), normalize_for_matching(merge.absorbed))
    nominated = merge.found_by or merge.tier
    return f"{ratio:.0f}", f"{merge.score:.4f}" if nominated in EMBEDDING_TIERS else ""


def merge_report_csv(merges: list[Merge]) -> str:
    """One row per absorbed statement: what was kept, what it absorbed, which tier decided, how closely (the fuzzy
    ratio 0-100 and the embeddings' cosine 0-1, each in its own column). `against_existing` marks new statements
    dropped because a comment already in the conversation says it; `why` is the reason as a message id and
    parameters (JSON), which report.html says in its own language."""
    rows = [MERGE_COLUMNS]
    rows += [[neutralize_formula(m.kept), neutralize_formula(m.absorbed), m.tier, *merge_scores(m),
              "yes" if m.existing else "", m.decision, m.reason,
              m.why.model_dump_json() if m.why is not None else ""] for m in merges]
    return _csv(rows)


def render(statements: list[Statement], format_name: str, findings: dict[int, list[Finding]] | None = None) -> str:
    """One export format as text (the Polis format unsplit)."""
    if format_name == "polis":
        return polis_csv(statements)
    if format_name == "review":
        return review_csv(statements, findings)
    if format_name == "polis-comments":
        return polis_comments_csv(statements)
    if format_name == "kouchou":
        return kouchou_csv(statements)
    if format_name == "jsonl":
        return statements_jsonl(statements)
    if format_name == "txt":
        return statements_txt(statements)
    raise ValueError(format_name)
