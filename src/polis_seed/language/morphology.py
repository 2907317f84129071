"""Japanese words and their parts of speech, from SudachiPy with the core dictionary (shared by the
comparison of statements and by the rules)."""

from __future__ import annotations

import functools
import threading
from typing import NamedTuple


class Morpheme(NamedTuple):
    surface: str
    normalized: str
    pos: tuple[str, ...]  # part of speech, with conjugation type and form (one shared tuple per id)
    # SudachiDict's synonym groups of the word (empty when its synonym dictionary does not have it).
    synonyms: tuple[int, ...] = ()


@functools.lru_cache(maxsize=1)
def _dictionary_only():
    from sudachipy import Dictionary

    return Dictionary(dict="core")


# A SudachiPy tokenizer must not be used by two threads at once (generate checks answers on several
# threads): one tokenizer per thread and split mode, all on the one dictionary.
_PER_THREAD = threading.local()


def _tokenizer_for(mode: str):
    from sudachipy import SplitMode

    tokenizers = getattr(_PER_THREAD, "tokenizers", None)
    if tokenizers is None:
        tokenizers = _PER_THREAD.tokenizers = {}
    if mode not in tokenizers:
        tokenizers[mode] = _dictionary_only().tokenizer(mode=getattr(SplitMode, mode))
    return tokenizers[mode]


def _dictionary():
    # Mode A, the shortest units: コスト削減 / コスト増加 differ in one word, not as two compounds.
    return _dictionary_only(), _tokenizer_for("A")


@functools.lru_cache(maxsize=None)
def _part_of_speech(pos_id: int) -> tuple[str, ...]:
    return tuple(_dictionary()[0].pos_of(pos_id))


@functools.lru_cache(maxsize=1 << 14)
def morphemes(text: str) -> tuple[Morpheme, ...]:
    return tuple(Morpheme(m.surface(), m.normalized_form(), _part_of_speech(m.part_of_speech_id()),
                          tuple(m.synonym_group_ids()) if hasattr(m, "synonym_group_ids") else ())
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
    # A clause that gives a reason or a purpose and stops (「…があるため」, 「…するために」): the claim is missing.
    if last.surface in _CLAUSE_NOUNS and len(words) > 1 and words[-2].pos[0] in ("動詞", "助動詞", "形容詞"):
        return True
    return last.pos[-1].startswith(("連用形", "未然形", "仮定形")) and last.pos[0] in ("動詞", "助動詞", "形容詞")


# Formal nouns that make a verb's clause into a reason, purpose or condition: 「…ため」, 「…うえ」, 「…場合」.
_CLAUSE_NOUNS = frozenset(("ため", "為", "うえ", "上", "場合", "とき", "時", "際", "限り"))


def _compound_tokenizer():
    return _tokenizer_for("C")


_UNINFORMATIVE_NOUNS = frozenset("こと もの ため よう これ それ 場合 時 方 点 等 など 年 月 日 者 中 上 下 的".split())


def compound_nouns(text: str) -> list[str]:
    """Nouns as compounds (SudachiPy mode C), runs of nouns joined: 「情報システム共通化」, 「公費助成」."""
    return list(_compound_nouns(text))


@functools.lru_cache(maxsize=256)
def _compound_nouns(text: str) -> tuple[str, ...]:
    # Cached: the subject finder and the documents' vocabulary read the same texts.
    nouns: list[str] = []
    run: list[str] = []
    for line in text.splitlines():
        for morpheme in _compound_tokenizer().tokenize(line[:2000]):
            pos = morpheme.part_of_speech()
            if pos[0] == "名詞" and pos[1] in ("普通名詞", "固有名詞") or (pos[0] == "接尾辞" and pos[1] == "名詞的" and run):
                run.append(morpheme.surface())
                continue
            if run:
                nouns.append("".join(run))
            run = []
        if run:
            nouns.append("".join(run))
        run = []
    return tuple(noun for noun in nouns if len(noun) >= 2 and noun not in _UNINFORMATIVE_NOUNS)


@functools.lru_cache(maxsize=1024)
def word_spans(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of every word of a Japanese text, compounds whole (SudachiPy mode C: 「情報システム」 is one)."""
    return tuple((m.begin(), m.end()) for m in _compound_tokenizer().tokenize(text))


_WINDOW_CHARS = 8000
_NOT_A_NEW_PHRASE = ("助詞", "助動詞", "接尾辞", "補助記号", "空白")


def cut_points(text: str) -> list[tuple[int, int]]:
    """Where a Japanese text without 。 may be cut, each with how good a cut it is: 3 after a sentence-final form
    followed by a new phrase (「…向上する 住民は…」), 2 after a conjunctive particle (〜ば, 〜て, 〜ので, 〜けど), 1 after
    any particle followed by a word, 0 between any two words (never inside one). Offsets are where the next piece
    starts."""
    # SudachiPy takes at most 49,149 bytes at once: a long run is read in windows (a word cut by a window's edge is
    # only a worse cut point, never a changed text).
    words = [(offset + m.begin(), offset + m.end(), tuple(m.part_of_speech()))
             for offset in range(0, len(text), _WINDOW_CHARS)
             for m in _tokenizer_for("A").tokenize(text[offset:offset + _WINDOW_CHARS])]
    points: list[tuple[int, int]] = []
    for (_, end, pos), (_, _, following) in zip(words, words[1:]):
        new_phrase = following[0] not in _NOT_A_NEW_PHRASE
        if pos[0] in ("動詞", "助動詞", "形容詞") and pos[-1].startswith("終止形") and new_phrase:
            points.append((end, 3))
        elif pos[0] == "助詞" and pos[1] == "接続助詞" and new_phrase:
            points.append((end, 2))
        elif pos[0] == "助詞" and new_phrase:
            points.append((end, 1))
        else:
            points.append((end, 0))
    return points


def word_count(phrase: str) -> int:
    """How many words (SudachiPy mode A) a Japanese phrase has: 「情報システム標準化」 → 4."""
    return sum(1 for m in morphemes(phrase) if m.pos[0] not in ("補助記号", "空白"))


def is_qualifier(noun: str) -> bool:
    """A single noun that mostly qualifies something else (「必要」, 「重要」, 「十分」: nouns that work as
    adjectives or adverbs), so it cannot name a subject."""
    words = [m for m in morphemes(noun) if m.pos[0] not in ("補助記号", "空白")]
    return len(words) == 1 and words[0].pos[0] == "名詞" and words[0].pos[2] in ("形状詞可能", "副詞可能")


def reads_as_heading(sentence: str) -> bool:
    """A Japanese line that names something rather than says something: no verb, adjective or auxiliary
    at all (「自治体：自治体DX＋デジタル臨調」), or ending on a noun with no full stop
    (「■自治体DXの取組とあわせて取り組むべき事項」): a heading or a label, which no one can agree with."""
    words = [m for m in morphemes(sentence) if m.pos[0] not in ("補助記号", "空白")]
    if not words:
        return True
    if not any(m.pos[0] in ("動詞", "形容詞", "助動詞") for m in words):
        return True
    return words[-1].pos[0] == "名詞" and not sentence.rstrip().endswith(("。", "．", "！", "!"))


def is_instruction(sentence: str) -> bool:
    """A Japanese sentence that ends in an imperative (「…議論せよ」, 「…論じろ」, 「…してください」): a request
    to a reader or a chatbot, not a claim anyone holds."""
    words = [m for m in morphemes(sentence) if m.pos[0] not in ("補助記号", "空白")]
    if not words:
        return False
    if words[-1].pos[-1] == "命令形":
        return True
    return len(words) >= 2 and words[-1].normalized in ("下さる", "ください") and words[-2].surface in ("て", "で")


# Working a page: 見る (「会議録を見る」), 読む (「続きを読む」), 戻る, ご覧 (「こちらをご覧ください」), 再生, ダウンロード…
_PAGE_ACTIONS = frozenset("見る 読む 開く 閉じる 戻る 進む 御覧 視聴 再生 表示 印刷 ダウンロード クリック タップ 移動 参照".split())
# Where 「…へ」 leads on a site: 「トップページへ」, 「次へ」, 「本文へ」, 「ページの先頭へ」.
_PAGE_PLACES = frozenset("ページ トップ 先頭 本文 次 前 一覧 ホーム メニュー 目次 コンテンツ 上".split())
_POINTING_HERE = ("此方", "此処")  # こちら, ここ: the link next to it
_POLITE_TAIL = ("下さる", "ます", "為る")  # ください, ます, する after the action


def is_page_control(phrase: str) -> bool:
    """A short Japanese phrase that names an action on the page, not a claim: 「会議録を見る」, 「動画を再生」,
    「詳しくはこちら」, 「こちらをご覧ください」, 「一覧へ戻る」, 「トップページへ」. A phrase with its own subject or
    topic (「当面は様子を見る」) is a clause, and a compound noun (「地域再生」, 「価格表示」) is a term."""
    words = [m for m in morphemes(phrase) if m.pos[0] not in ("補助記号", "空白")]
    while len(words) > 1 and (words[-1].normalized in _POLITE_TAIL or words[-1].surface in ("て", "で")):
        words.pop()
    if not words:
        return False
    last = words[-1]
    points_here = any(m.normalized in _POINTING_HERE for m in words)
    if last.normalized in _POINTING_HERE:
        return True
    if last.surface == "へ" and last.pos[0] == "助詞":
        return len(words) >= 2 and words[-2].normalized in _PAGE_PLACES
    if last.normalized not in _PAGE_ACTIONS:
        return False
    if last.pos[0] == "名詞" and len(words) > 1 and words[-2].pos[0] != "助詞":
        return False
    has_own_subject = any(m.pos[0] == "助詞" and m.surface in ("は", "が", "も") for m in words[:-1])
    return points_here or not has_own_subject
