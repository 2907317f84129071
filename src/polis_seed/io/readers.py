"""Turning each supported file type into plain text. Every problem is an InputError naming the file.

Japanese encodings: UTF-8 (with or without BOM) first; ISO-2022-JP by its escape sequences (it is
7-bit, so it would pass as UTF-8); then charset-normalizer restricted to cp932 and EUC-JP. Any
Shift_JIS label is read as cp932, since plain shift_jis cannot decode ① and other vendor characters.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from .markup import detect_markup, html_text, markdown_text

JAPANESE_LEGACY_ENCODINGS = ("cp932", "euc_jp")
ISO_2022_JP_ESCAPES = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b(B")
# The header names a comment CSV's comment column is recognised by (any case, spaces around it ignored): the
# first name here that the header has wins; any other column is named with --column. README.md (the input
# table) lists the same names, and the errors of choose_column print them.
# Not 内容 or 本文: in many sheets they name a description or a mail body, not what a person said.
COMMENT_COLUMNS = ("comment-body", "comment_text", "comment body", "text", "コメント", "意見", "body",
                   "comment", "ご意見", "opinion")


@dataclass
class ReadText:
    text: str
    kind: str
    encoding: str | None = None
    title: str | None = None
    headings: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows: list[tuple[str, str]] = field(default_factory=list)  # a comment file's (row id, comment)
    # What is worth knowing about how it was read but needs nothing done (a .txt read as the Markdown it holds).
    notes: list[str] = field(default_factory=list)


@dataclass
class Decoded:
    text: str
    encoding: str
    warning: str | None = None


def canonical_encoding(label: str) -> str:
    label = label.strip().strip("\"'").lower().replace("-", "_")
    if label in {"shift_jis", "sjis", "shiftjis", "x_sjis", "ms_kanji", "windows_31j", "cp932", "ms932"}:
        return "cp932"
    if label in {"euc_jp", "eucjp", "x_euc_jp"}:
        return "euc_jp"
    if label in {"iso_2022_jp", "csiso2022jp"}:
        return "iso2022_jp"
    if label in {"utf8", "utf_8"}:
        return "utf-8"
    return label


def _truncated_utf8(raw: bytes, path: Path) -> Decoded | None:
    """UTF-8 cut inside its last character (a truncated download): the text up to the cut, and a warning."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.reason == "unexpected end of data" and error.end == len(raw) and len(raw) - error.start < 4:
            text = raw[:error.start].decode("utf-8")
            return Decoded(text, "utf-8", f"{path}: ends in the middle of a UTF-8 character at byte {error.start} "
                                          f"(a cut-off download?); read the {error.start} bytes before it")
    return None


def decode_bytes(raw: bytes, path: Path, declared: str | None = None) -> Decoded:
    """The text and the encoding it was in. Raises InputError when no Japanese or Unicode encoding fits."""
    if raw.startswith(b"\xef\xbb\xbf"):
        truncated = _truncated_utf8(raw[3:], path)
        if truncated is not None:
            return Decoded(truncated.text, "utf-8-sig", truncated.warning)
        try:
            return Decoded(raw[3:].decode("utf-8", errors="strict"), "utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(f"{path}: starts with a UTF-8 mark but is not UTF-8; save it as UTF-8 and run again") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return Decoded(raw.decode("utf-16"), "utf-16")
    candidates: list[str] = []
    if declared:
        candidates.append(canonical_encoding(declared))
    if any(escape in raw for escape in ISO_2022_JP_ESCAPES[:3]):
        candidates.append("iso2022_jp")
    candidates.append("utf-8")
    for encoding in candidates:
        try:
            return Decoded(raw.decode(encoding), encoding)
        except (UnicodeDecodeError, LookupError):
            continue
    truncated = _truncated_utf8(raw, path)
    if truncated is not None:
        return truncated
    from charset_normalizer import from_bytes

    best = from_bytes(raw, cp_isolation=list(JAPANESE_LEGACY_ENCODINGS)).best()
    if best is not None:
        encoding = canonical_encoding(best.encoding)
        try:
            return Decoded(raw.decode(encoding), encoding)
        except UnicodeDecodeError:
            pass
    raise InputError(f"{path}: cannot tell its text encoding (tried UTF-8, ISO-2022-JP, cp932, EUC-JP); "
                     "save it as UTF-8 and run again")


MARKDOWN_SUFFIXES = (".md", ".markdown")
_KIND_NAMES = {"markdown": "Markdown", "html": "HTML"}


def read_plain(path: Path, raw: bytes) -> ReadText:
    """Text as it is; Markdown (a .md file, or a .txt file that turns out to be Markdown) and HTML saved as .txt
    are read as what they are, with a warning naming what the .txt file was read as."""
    if b"\x00" in raw[:8192] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{path}: looks like a binary file, not text; pass a text, PDF, Word or HTML document")
    decoded = decode_bytes(raw, path)
    warnings = [decoded.warning] if decoded.warning else []
    kind = "markdown" if path.suffix.lower() in MARKDOWN_SUFFIXES else "text"
    notes = []
    if kind == "text" and (detected := detect_markup(decoded.text)) is not None:
        # The file holds what it was read as: a note, not a warning, and nothing for the user to rename or fix
        # (`chunks --text` shows the text as read; a file read wrongly is what a warning would be for).
        kind = detected.kind
        notes.append(f"{path}: read as {_KIND_NAMES[kind]}, as it holds {detected.evidence}; its markup is left "
                     "out of the text")
    if kind == "text":
        return ReadText(text=decoded.text, kind=kind, encoding=decoded.encoding, warnings=warnings)
    return _read_markup(path, decoded, kind, warnings, notes)


def _read_markup(path: Path, decoded: Decoded, kind: str, warnings: list[str], notes: list[str] | None = None
                 ) -> ReadText:
    read = markdown_text(decoded.text) if kind == "markdown" else html_text(decoded.text)
    if decoded.text.strip() and not read.text.strip():
        raise InputError(f"{path}: has no text outside its {_KIND_NAMES[kind]} markup (only tags, links, code or "
                         "macros); pass the document itself, not a page template or a list of links")
    return ReadText(text=read.text, kind=kind, encoding=decoded.encoding, title=read.title, headings=read.headings,
                    warnings=warnings, notes=notes or [])


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


def read_html(path: Path, raw: bytes) -> ReadText:
    """Main content of a page (see io/markup.py). BeautifulSoup is always given a decoded string; raw
    Shift_JIS bytes would come out as mojibake."""
    declared = _META_CHARSET.search(raw[:4096])
    decoded = decode_bytes(raw, path, declared.group(1).decode("ascii") if declared else None)
    return _read_markup(path, decoded, "html", [decoded.warning] if decoded.warning else [])


def read_pdf(path: Path, raw: bytes) -> ReadText:
    import pypdf
    from pypdf.errors import PdfReadError

    try:
        reader = pypdf.PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            raise InputError(f"{path}: the PDF is encrypted; save an unprotected copy and run again")
        pages = [page.extract_text() or "" for page in reader.pages]
    except PdfReadError as error:
        raise InputError(f"{path}: not a readable PDF ({error}); open and re-save it, or export it as text") from None
    text = "\n\n".join(page.strip() for page in pages if page.strip())
    if not text.strip():
        raise InputError(f"{path}: the PDF has no text layer (a scan?); run OCR on it first or give the text")
    title = (reader.metadata.title if reader.metadata and reader.metadata.title else None)
    return ReadText(text=text, kind="pdf", title=title)


def read_docx(path: Path, raw: bytes) -> ReadText:
    """Paragraphs and table cells in document order; `doc.paragraphs` alone misses tables."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(raw))
    except Exception as error:  # python-docx raises zipfile, KeyError, lxml errors for broken files
        raise InputError(f"{path}: not a readable Word document ({type(error).__name__}); re-save it as .docx") from None
    blocks: list[str] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = Paragraph(child, document).text.strip()
            if text:
                blocks.append(text)
        elif tag == "tbl":
            for row in Table(child, document).rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = cell.text.strip()
                    if value and (not cells or cells[-1] != value):  # merged cells repeat their text
                        cells.append(value)
                if cells:
                    blocks.append("\t".join(cells) if len(cells) > 1 else cells[0])
    title = document.core_properties.title or None
    return ReadText(text="\n\n".join(blocks), kind="docx", title=title)


def header_name(cell: str) -> str:
    """A header cell as it is compared: a BOM (left by a file saved twice) and spaces around it dropped."""
    return cell.strip().lstrip("\ufeff").strip()


def comment_column(header: list[str] | None) -> int | None:
    """The index of the first recognised comment column (COMMENT_COLUMNS) in a CSV header, or None."""
    by_lower: dict[str, int] = {}
    for index, cell in enumerate(header or []):
        by_lower.setdefault(header_name(cell).lower(), index)
    return next((by_lower[name] for name in COMMENT_COLUMNS if name in by_lower), None)


def _shown_columns(header: list[str]) -> str:
    names = [name for cell in header if (name := header_name(cell))]
    if not names:
        return "it has no header row"
    shown = ", ".join(names[:12]) + (f", … ({len(names) - 12} more)" if len(names) > 12 else "")
    return f"its columns: {shown}"


def choose_column(path: Path | str, header: list[str], column: str | None, what: str = "comment") -> int:
    """The index of the column that holds the comments: the one --column names (matched exactly, after
    header_name), else the first recognised name. Raises InputError naming the file's own columns."""
    if column is not None:
        wanted = header_name(column)
        for index, cell in enumerate(header):
            if header_name(cell) == wanted:
                return index
        raise InputError(f"{path}: has no column '{wanted}'; {_shown_columns(header)}; "
                         "pass --column with one of them")
    index = comment_column(header)
    if index is None:
        raise InputError(f"{path}: no {what} column (recognised: {', '.join(COMMENT_COLUMNS)}); "
                         f"{_shown_columns(header)}; pass --column NAME with the one that holds the {what}s")
    return index


# A comment file's own id column (Polis: comment-id) names its comments; without one, a comment is named by its row
# number as a spreadsheet shows it (the header is row 1).
ROW_ID_COLUMNS = ("comment-id", "comment_id", "comment id")


def read_comments_csv(path: Path, raw: bytes, column: str | None = None) -> ReadText:
    """Existing comments (a Polis comments.csv or any CSV with a comment column) as a source document:
    each comment becomes its own paragraph and a row with its id. `column` names the comment column
    (--column); only that column (and the file's comment ids) is read, so names and other personal columns
    never reach a model. Comments a Polis moderator rejected (moderated = -1) are left out."""
    decoded = decode_bytes(raw, path)
    warnings = [decoded.warning] if decoded.warning else []
    if not decoded.text.strip():  # load_document says it is empty
        return ReadText(text="", kind="csv", encoding=decoded.encoding, warnings=warnings)
    reader = csv.reader(io.StringIO(decoded.text))
    header = next(reader, [])
    index = choose_column(path, header, column)
    names = [header_name(cell).lower() for cell in header]
    id_index = next((names.index(name) for name in ROW_ID_COLUMNS if name in names), None)
    moderated_index = names.index("moderated") if "moderated" in names else None
    found: list[tuple[str, str, str]] = []  # (own id, row number, comment)
    rejected = 0
    for number, row in enumerate(reader, start=2):
        if index >= len(row) or not row[index].strip():
            continue
        if moderated_index is not None and moderated_index < len(row) and row[moderated_index].strip() == "-1":
            rejected += 1
            continue
        own = row[id_index].strip() if id_index is not None and id_index < len(row) else ""
        found.append((own, str(number), row[index].strip()))
    owns = [own for own, _, _ in found]
    # Ids that are missing or repeat name nothing: then every comment is named by its row number.
    by_own = all(owns) and len(set(owns)) == len(owns)
    rows = [(own if by_own else number, text) for own, number, text in found]
    if rejected:
        warnings.append(f"{path}: left out {rejected} comments a moderator rejected (moderated = -1)")
    return ReadText(text="\n\n".join(text for _, text in rows), kind="csv", encoding=decoded.encoding,
                    warnings=warnings, rows=rows, title=f"{path.name} ({len(rows)} comments)")


READERS = {
    ".txt": read_plain, ".md": read_plain, ".markdown": read_plain, ".text": read_plain,
    ".html": read_html, ".htm": read_html,
    ".pdf": read_pdf,
    ".docx": read_docx,
    ".csv": read_comments_csv,
}
