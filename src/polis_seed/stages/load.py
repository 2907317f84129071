"""load: paths in, Documents out. The only stage that reads input files."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..models import Document, Row
from ..io.readers import READERS, read_comments_csv
from ..language.text import is_not_content

# Text this large is not a document a facilitator seeds from, and reading it whole would take minutes.
MAX_TEXT_BYTES = 20 * 1024 * 1024
# PDF and Word files carry images, so their size says less about their text.
MAX_CONTAINER_BYTES = 200 * 1024 * 1024
SUPPORTED_SUFFIXES = tuple(READERS)
# Why a file of a type polis-seed does not read was skipped, and what to do with it; other types are just unsupported.
_WHY_SKIPPED = {
    (".xlsx", ".xls", ".xlsm", ".ods", ".numbers"): "spreadsheets: save the sheet of comments as .csv",
    (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".webp", ".heic", ".svg"):
        "images: run OCR on them and give the text",
    (".doc", ".rtf", ".odt", ".pages"): "old or other word-processor files: save them as .docx",
    (".ppt", ".pptx", ".key", ".odp"): "slides: save them as PDF",
    (".mp3", ".mp4", ".m4a", ".wav", ".mov", ".webm"): "recordings: give a transcript as .txt",
}


@dataclass
class LoadResult:
    documents: list[Document]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # how a file was read, when nothing needs doing about it


def document_id(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _title(text: str, path: Path) -> str:
    """The first line that is not navigation: a page saved by hand often starts with 「会議録を見る」 or a breadcrumb."""
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line and not is_not_content(line):
            return line[:80]
    return path.stem


def load_document(path: Path, warnings: list[str] | None = None, column: str | None = None,
                  notes: list[str] | None = None) -> Document:
    """Read one file of a supported type into a Document, or explain why it cannot be read.
    Something worth knowing that does not stop the reading goes into `warnings`, how it was read when that needs
    nothing done into `notes`. `column` names the comment column of a .csv (--column); other types have none."""
    size = path.stat().st_size
    limit = MAX_CONTAINER_BYTES if path.suffix.lower() in (".pdf", ".docx") else MAX_TEXT_BYTES
    if size > limit:
        raise InputError(
            f"{path}: {size // (1024 * 1024)} MB is more than the {limit // (1024 * 1024)} MB polis-seed reads "
            f"from one {path.suffix or 'text'} file; split it or pass the parts that matter"
        )
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror}); check its permissions") from None
    suffix = path.suffix.lower()
    read = read_comments_csv(path, raw, column) if suffix == ".csv" else READERS[suffix](path, raw)
    if warnings is not None:
        warnings.extend(read.warnings)
    if notes is not None:
        notes.extend(read.notes)
    text = read.text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise InputError(f"{path}: is empty; remove it or add the document's text")
    return Document(id=document_id(text), path=str(path), title=read.title or _title(text, path), text=text,
                    kind=read.kind, encoding=read.encoding, headings=read.headings,
                    rows=[Row(id=row_id, text=comment) for row_id, comment in read.rows])


def skipped_types(files: list[Path]) -> str:
    """The files of unsupported types, counted by type, with what to do for the kinds polis-seed knows:
    "3 files of unsupported types, .png ×2 (images: run OCR …), .xlsx (spreadsheets: save … as .csv)"."""
    counts: dict[str, int] = {}
    for file in files:
        suffix = file.suffix.lower() or "(no extension)"
        counts[suffix] = counts.get(suffix, 0) + 1
    groups: dict[str, list[str]] = {}
    for suffix in sorted(counts):
        why = next((why for suffixes, why in _WHY_SKIPPED.items() if suffix in suffixes), "not a document type")
        groups.setdefault(why, []).append(suffix + (f" ×{counts[suffix]}" if counts[suffix] > 1 else ""))
    shown = ", ".join(f"{', '.join(suffixes)} ({why})" for why, suffixes in groups.items())
    return f"{len(files)} file{'s' if len(files) > 1 else ''} of unsupported types, {shown}"


def _files_in_folder(folder: Path) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(Path(root) / name for name in sorted(files) if not name.startswith("."))
    return found


def load_documents(paths: list[Path], strict: bool = False, column: str | None = None) -> LoadResult:
    """Read every supported file named or found under the given folders.

    A named file that cannot be read is an error. Inside a folder, a file that cannot be read is a
    warning (an error with `strict`), so one bad file among ten does not stop the run. `column` names the
    comment column of every .csv among them (--column); a .csv without it is such a file.
    """
    documents: list[Document] = []
    warnings: list[str] = []
    notes: list[str] = []
    seen_ids: set[str] = set()
    for path in paths:
        if not path.exists():
            raise InputError(f"{path}: no such file or folder; check the path")
        if path.is_dir():
            found = _files_in_folder(path)
            candidates = [p for p in found if p.suffix.lower() in SUPPORTED_SUFFIXES]
            skipped = [p for p in found if p not in candidates]
            if skipped and candidates:
                warnings.append(f"{path}: skipped {skipped_types(skipped)}")
            if not candidates:
                held = f"it holds only {skipped_types(skipped)}" if skipped else "it is empty"
                raise InputError(f"{path}: no documents found: {held}. polis-seed reads "
                                 f"{', '.join(SUPPORTED_SUFFIXES)}; put such files in it")
            for candidate in candidates:
                try:
                    document = load_document(candidate, warnings, column, notes)
                except InputError as problem:
                    if strict:
                        raise
                    warnings.append(problem.message)
                    continue
                if document.id not in seen_ids:
                    seen_ids.add(document.id)
                    documents.append(document)
        else:
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                raise InputError(
                    f"{path}: unsupported file type '{path.suffix or '(none)'}'; "
                    f"polis-seed reads {', '.join(SUPPORTED_SUFFIXES)}"
                )
            document = load_document(path, warnings, column, notes)
            if document.id not in seen_ids:
                seen_ids.add(document.id)
                documents.append(document)
    if not documents:
        raise InputError(f"{', '.join(map(str, paths))}: no readable documents; see the warnings above")
    return LoadResult(documents=documents, warnings=warnings, notes=notes)
