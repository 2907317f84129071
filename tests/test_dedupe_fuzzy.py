"""The fuzzy tier's pair search finds exactly the pairs a blocked rapidfuzz cdist over every pair finds,
whatever the texts: the character bound it prunes with may only ever let too many pairs through."""

import random

import numpy as np
import pytest
from rapidfuzz import fuzz, process

from polis_seed.stages import dedupe
from polis_seed.stages.dedupe import fuzzy_pairs


def every_pair(texts: list[str], threshold: float) -> dict[tuple[int, int], float]:
    scores = process.cdist(texts, texts, scorer=fuzz.ratio, score_cutoff=threshold, dtype=np.uint8)
    return {(i, j): float(scores[i, j]) for i, j in zip(*np.nonzero(scores)) if i < j}


def near_copies(rng: random.Random, alphabet: str, count: int, length: tuple[int, int]) -> list[str]:
    """Texts and light edits of them (a character dropped, added, changed or repeated)."""
    texts: list[str] = []
    for _ in range(count):
        if texts and rng.random() < 0.6:
            text = list(rng.choice(texts))
            for _ in range(rng.randint(1, 4)):
                place = rng.randrange(len(text) + 1)
                edit = rng.choice("drop add change repeat".split())
                if edit == "drop" and place < len(text):
                    del text[place]
                elif edit == "add":
                    text.insert(place, rng.choice(alphabet))
                elif edit == "change" and place < len(text):
                    text[place] = rng.choice(alphabet)
                elif edit == "repeat" and text:
                    text.insert(place, text[min(place, len(text) - 1)])
            texts.append("".join(text))
        else:
            texts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(*length))))
    return list(dict.fromkeys(texts))


CASES = {
    "a few letters, many repeats": ("abcab", 300, (5, 40)),
    "japanese": ("情報システムの共通化はコスト削減につながる住民負担が減る増えるべきだ", 400, (8, 45)),
    "long texts with many repeats": ("ab", 150, (60, 200)),
    "many characters": ("".join(chr(0x4E00 + n) for n in range(400)) + "🙂👍👎", 400, (3, 30)),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("threshold", [60.0, 88.0, 97.0])
def test_the_same_pairs_and_scores_as_every_pair_compared(name, threshold):
    alphabet, count, length = CASES[name]
    texts = near_copies(random.Random(f"{name}{threshold}"), alphabet, count, length)
    assert fuzzy_pairs(texts, threshold) == every_pair(texts, threshold)


def test_more_texts_than_one_block_of_rows_and_of_columns_and_an_empty_text(monkeypatch):
    monkeypatch.setattr(dedupe, "BLOCK_COLUMNS", 700)
    rng = random.Random(3)
    texts = near_copies(rng, "市町村の負担が重い軽い", 2600, (4, 24)) + [""]
    assert fuzzy_pairs(texts, 88.0) == every_pair(texts, 88.0)
