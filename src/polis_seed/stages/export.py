"""export: Statements in, the CSV Polis's bulk seed upload accepts.

One header, `comment_text`; UTF-8 without a BOM (Polis's server parses with csv-parse
`columns: true`, which keeps a BOM inside the header name and then skips every row); every
field quoted; one statement per row; no empty rows.
"""

from __future__ import annotations

import csv
import io

from ..models import Merge, Statement
from ..text import clean_statement

POLIS_HEADER = "comment_text"


def polis_csv(statements: list[Statement]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow([POLIS_HEADER])
    for statement in statements:
        # A line break inside a statement would read as two statements to a person skimming the file.
        text = clean_statement(statement.text)
        if text:
            writer.writerow([text])
    return buffer.getvalue()


def merge_report_csv(merges: list[Merge]) -> str:
    """One row per absorbed statement: what was kept, what it absorbed, which tier matched, how closely.
    `against_existing` marks new statements dropped because a comment already in the conversation says it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["kept", "absorbed", "tier", "score", "against_existing"])
    for merge in merges:
        writer.writerow([merge.kept, merge.absorbed, merge.tier, f"{merge.score:g}", "yes" if merge.existing else ""])
    return buffer.getvalue()
