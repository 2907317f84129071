"""Japanese words and their parts of speech, from SudachiPy with the core dictionary (shared by the
comparison of statements and by the rules)."""

from __future__ import annotations

import functools
from typing import NamedTuple


class Morpheme(NamedTuple):
    surface: str
    normalized: str
    pos: tuple[str, ...]  # part of speech, with conjugation type and form (one shared tuple per id)


@functools.lru_cache(maxsize=1)
def _dictionary():
    from sudachipy import Dictionary, SplitMode

    dictionary = Dictionary(dict="core")
    # Mode A, the shortest units: コスト削減 / コスト増加 differ in one word, not as two compounds.
    return dictionary, dictionary.tokenizer(mode=SplitMode.A)


@functools.lru_cache(maxsize=None)
def _part_of_speech(pos_id: int) -> tuple[str, ...]:
    return tuple(_dictionary()[0].pos_of(pos_id))


@functools.lru_cache(maxsize=1 << 14)
def morphemes(text: str) -> tuple[Morpheme, ...]:
    return tuple(Morpheme(m.surface(), m.normalized_form(), _part_of_speech(m.part_of_speech_id()))
                 for m in _dictionary()[1].tokenize(text))


def ends_mid_sentence(text: str) -> bool:
    """A Japanese statement that stops on a particle or a continuative form (「…受けられるように」,
    「…進めるべきで」), so no claim is finished."""
    words = [m for m in morphemes(text) if m.pos[0] not in ("補助記号", "空白")]
    if not words:
        return False
    last = words[-1]
    if last.pos[0] == "助詞":
        return last.pos[1] not in ("終助詞",)
    return last.pos[-1].startswith(("連用形", "未然形", "仮定形")) and last.pos[0] in ("動詞", "助動詞", "形容詞")
