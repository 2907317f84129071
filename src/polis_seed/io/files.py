"""Writing outputs so that a failed or interrupted run never leaves a half-written file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp makes files only their owner can read; an output gets the permissions any new file would get.
_FILE_MODE = 0o666 & ~_umask()


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Write to a temporary file in the same folder, then rename over the target."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding=encoding, newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_if_changed(path: Path, text: str, encoding: str = "utf-8") -> bool:
    """atomic_write_text, unless the file already holds exactly this text (its time stamp then says when it really
    changed); whether it was written."""
    try:
        if path.read_bytes() == text.encode(encoding):
            return False
    except OSError:
        pass
    atomic_write_text(path, text, encoding)
    return True


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """The same, for binary files (an Excel workbook)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
