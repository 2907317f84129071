"""Compare what differs: two statements are aligned word by word, and they may merge only when every
difference is known to be equivalent.

When two statements are the same except for a changed word or phrase, that change is the point: "help"
→ "hurt", "man" → "woman", "House" → "Senate", 軽い → 重い, 18-24 → 25-34. So the rule is not a table of
antonyms but its reverse: a difference is accepted only when it is known to be neutral —
- punctuation, spacing, width and case;
- function words: Japanese particles, politeness endings and auxiliaries (です, ます, である, している),
  found by SudachiPy's parts of speech; English and other languages' articles and auxiliaries;
- spelling variants with one normalised form (SudachiPy: 繋がる/つながる, 箇所/か所) or one lemma
  (simplemma: reduced/reduces, erlaubt/erlauben);
- a phrase moved within the statement, with its particles (標準化により業務効率が… / 業務効率は標準化で…);
- in the semantic tier only: a rephrasing — on each side a phrase of several content words — whose two
  phrases mean the same by the embeddings, with the same count of negations and no opposite sentiment.
A changed content word, a changed number, an added or dropped qualifier, or two words that swap roles keep
both statements. Languages without a resource here (Chinese, Korean, …) get the conservative rule: any
changed character or word keeps both.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal, NamedTuple

from ..models import Reason, said
from .lexicon import (HEDGE_ENDINGS_JA, HEDGE_NOUNS_JA, HEDGE_WORDS_EN, family_sides, known_different_concepts,
                      opposing_characters, opposite_sides, same_side, shares_synonym_group)
from .morphology import morphemes
from .text import normalize_for_matching, statement_language

_KANA = re.compile(r"[\u3040-\u30ff]")

Kind = Literal["content", "function", "number", "negation"]


class Token(NamedTuple):
    surface: str
    key: str
    kind: Kind
    # SudachiDict's synonym groups (Japanese), empty elsewhere.
    groups: tuple[int, ...] = ()
    # A verb, adjective or adverb (or a Japanese noun that works as one: 削減, 困難): it says what is claimed
    # of something, so a paraphrase may change it; a changed noun names something else.
    predicate: bool = False
    # A predicate of a contradictory family with its negation absorbed (容易ではない, not fair): its side flipped.
    flipped: bool = False


@dataclass(frozen=True)
class Verdict:
    equivalent: bool
    why: Reason  # a message of messages.py: a page says it in its language

    @property
    def reason(self) -> str:
        return self.why.text()


def _shown(left: str, right: str) -> str:
    return f"{left or '∅'} → {right or '∅'}"


# ----- tokenising ---------------------------------------------------------------------------------------------

# Japanese auxiliaries that negate, and verbs/adjectives that only carry aspect or politeness.
_NEGATING_JA = {"ない", "無い", "ぬ", "ず", "ん", "不", "非", "無", "未"}
_LIGHT_VERBS_JA = {"為る", "居る", "有る", "成る", "来る", "行く", "仕舞う", "置く", "見る", "出来る", "貰う", "呉れる",
                   "下さる", "頂く", "致す", "御座る"}
_HEDGE_VERBS_JA = {"思う", "考える", "感じる", "言える"}


def _is_predicate_ja(pos: tuple[str, ...]) -> bool:
    return pos[0] in ("動詞", "形容詞", "形状詞", "副詞") or (pos[0] == "名詞" and pos[2] in ("サ変可能", "形状詞可能"))


def _tokens_ja(text: str) -> list[Token]:
    tokens: list[Token] = []
    words = morphemes(text)
    for index, morpheme in enumerate(words):
        pos, surface, key = morpheme.pos, morpheme.surface, morpheme.normalized
        if pos[0] in ("補助記号", "空白"):
            continue
        previous = words[index - 1].surface if index else ""
        if surface in _NEGATING_JA or (key in _NEGATING_JA and pos[0] in ("助動詞", "形容詞", "接頭辞")):
            kind: Kind = "negation"
        elif pos[1] == "数詞":
            kind = "number"
        elif pos[0] in ("助詞", "助動詞"):
            kind = "function"
        elif pos[1] == "非自立可能" and key in _LIGHT_VERBS_JA:
            kind = "function"
        elif key in ("因る", "よる", "対する", "於く", "関する", "通じる") and previous == "に":  # により, に対する, において
            kind = "function"
        elif key in _HEDGE_VERBS_JA and previous == "と":  # 「…と思う」: a hedge, not a claim of its own
            kind = "function"
        elif pos[0] == "接尾辞" and key == "的" and tokens and tokens[-1].kind == "content":
            # 現実 + 的 is one adjective, 現実的: the unit a predicate family knows.
            last = tokens.pop()
            tokens.append(Token(last.surface + surface, last.key + key, "content", (), True))
            continue
        else:
            kind = "content"
        tokens.append(Token(surface, key, kind, morpheme.synonyms if kind == "content" else (),
                            kind == "content" and _is_predicate_ja(pos)))
    return _absorb_negations(_without_hedges_ja(tokens), negation_after=True)


def _without_hedges_ja(tokens: list[Token]) -> list[Token]:
    """〜場合が多い, 〜ことが多い, 〜傾向がある/にある after a predicate, with nothing but endings after them, say
    how often, not which side: they become function words."""
    for start in range(1, len(tokens) - 2):
        noun, particle, ending = tokens[start:start + 3]
        if (noun.key in HEDGE_NOUNS_JA and particle.surface in ("が", "に", "も") and ending.key in HEDGE_ENDINGS_JA
                and _previous_claim_word(tokens, start) is not None and tokens[start - 1].surface != "の"
                and all(token.kind == "function" for token in tokens[start + 3:])
                and not (noun.key in ("こと", "事") and ending.key in ("有る", "ある"))):  # 〜ことがある: sometimes
            return tokens[:start] + [token._replace(kind="function") for token in tokens[start:start + 3]] \
                + tokens[start + 3:]
    return tokens


def _previous_claim_word(tokens: list[Token], index: int) -> Token | None:
    return next((tokens[j] for j in range(index - 1, -1, -1) if tokens[j].kind != "function"), None)


def _absorb_negations(tokens: list[Token], negation_after: bool) -> list[Token]:
    """A predicate of a contradictory family takes the negation that belongs to it (容易ではない, 不可能,
    not fair, isn't realistic): its side flips and the negation goes, so 容易ではない compares as 困難 does.
    Japanese negates after the predicate (only endings between) or by a prefix right before it; English
    before it (only function words between)."""
    absorbed = list(tokens)
    index = 0
    while index < len(absorbed):
        token = absorbed[index]
        if token.kind == "content" and any(contradictory for _, _, contradictory in family_sides(token.key)):
            if negation_after:
                after = next((j for j in range(index + 1, len(absorbed)) if absorbed[j].kind != "function"), None)
                prefix = index - 1 if index and absorbed[index - 1].kind == "negation" \
                    and absorbed[index - 1].key in _NEGATING_PREFIXES_JA else None
                negation = after if after is not None and absorbed[after].kind == "negation" else prefix
            else:
                # "is not enough", "isn't very safe": the negation is the predicate's. In "does not do enough" it is
                # the verb's (do), so a form of do stops the search.
                negation = next((j for j in range(index - 1, -1, -1)
                                 if absorbed[j].kind != "function" or absorbed[j].key in _DO_FORMS), None)
                negation = negation if negation is not None and absorbed[negation].kind == "negation" else None
            if negation is not None:
                # The key carries the flip: 容易ではない must never compare equal to 容易だ. The surface keeps the
                # words from the predicate to its negation, so a reason shows 「必要ではない → 必要」, never 「必要 → 必要」.
                key = token.key[1:] if token.flipped else "¬" + token.key
                span = absorbed[min(index, negation):max(index, negation) + 1]
                absorbed[index] = token._replace(key=key, flipped=not token.flipped, surface=_surface(span))
                del absorbed[negation]
                if negation < index:
                    index -= 1
        index += 1
    return absorbed


_NEGATING_PREFIXES_JA = frozenset("不非無未")
_DO_FORMS = frozenset({"do", "does", "did", "doing"})


_WORD = re.compile(r"(?<![\w.])[+\-−]\d+(?:[.,]\d+)*%?|[^\W_]+(?:['’][^\W_]+)*|\d+(?:[.,]\d+)*%?"
                   r"|[\U0001F000-\U0001FFFF\u2600-\u27BF]", re.UNICODE)
_NUMBER = re.compile(r"\d")
_NEGATING_WORDS = {"not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "without", "cannot", "n't",
                   "nicht", "kein", "keine", "keinen", "keinem", "keiner", "nie", "niemals", "ohne",
                   "ne", "pas", "jamais", "sans", "nunca", "sin", "nessuno", "senza", "niet", "geen", "nooit", "não"}
# Articles and auxiliaries that never carry the claim; English hedges ("I think").
_FUNCTION_WORDS = {
    "en": {"a", "an", "the", "is", "are", "was", "were", "be", "been", "being", "am", "will", "would", "shall", "do",
           "does", "did", "that", "which", "who", "there", "very", "really", "quite", "truly", "just", "of", "it's", "its",
           "'s", "’s", "please"},
    "de": {"der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer", "eines", "ist", "sind",
           "wird", "werden", "sehr"},
    "fr": {"le", "la", "les", "l", "un", "une", "des", "du", "est", "sont", "très"},
    "es": {"el", "la", "los", "las", "un", "una", "unos", "unas", "es", "son", "muy"},
    "it": {"il", "lo", "la", "i", "gli", "le", "un", "una", "è", "sono", "molto"},
    "nl": {"de", "het", "een", "is", "zijn", "zeer"},
    "pt": {"o", "a", "os", "as", "um", "uma", "é", "são", "muito"},
}
_NEUTRAL_WORDS = frozenset().union(*_FUNCTION_WORDS.values())
_HEDGES_EN = re.compile(r"\b(?:i|we)\s+(?:really\s+)?(?:think|believe|feel|guess)(?:\s+that)?\b|\bin\s+my\s+(?:opinion|view)\b",
                        re.I)


@functools.lru_cache(maxsize=8)
def _lemmatizer(language: str) -> Callable[[str], str] | None:
    try:
        from simplemma import lemmatize

        lemmatize("test", lang=language)
    except (ImportError, ValueError):
        return None
    return functools.lru_cache(maxsize=1 << 16)(lambda word: lemmatize(word, lang=language).casefold())


@functools.lru_cache(maxsize=1 << 16)
def _english_readings(word: str) -> frozenset[str]:
    """The parts of speech an English word can have (lemminflect's tables); empty when unknown or not installed."""
    try:
        from lemminflect import getAllLemmas
    except ImportError:
        return frozenset()
    return frozenset(getAllLemmas(word))


# Negating prefixes of English adjectives: "unrealistic" is "not realistic" when both are adjectives.
_NEGATING_PREFIXES = ("un", "in", "im", "ir", "il", "dis", "non")
_NOT_NEGATED = frozenset({"invaluable", "inflammable", "infamous", "impassive", "unravel", "disgruntled"})


def _prefix_negated(word: str) -> str | None:
    """The adjective an English adjective negates by its prefix (unrealistic → realistic), if any."""
    if word in _NOT_NEGATED or "ADJ" not in _english_readings(word):
        return None
    for prefix in _NEGATING_PREFIXES:
        stem = word[len(prefix):].lstrip("-")
        if word.startswith(prefix) and len(stem) >= 4 and "ADJ" in _english_readings(stem):
            return stem
    return None


def _tokens_latin(text: str, language: str) -> list[Token]:
    text = _HEDGES_EN.sub(" ", text) if language == "en" else text
    lemma = _lemmatizer(language) if language in _FUNCTION_WORDS else None
    function_words = _FUNCTION_WORDS.get(language, set())
    tokens = []
    for word in _WORD.findall(text):
        folded = word.casefold().replace("’", "'")
        if folded.endswith("n't"):
            base = folded[:-3] or folded
            tokens.append(Token(word, base, "function" if base in function_words or base in ("ca", "wo") else "content"))
            tokens.append(Token("n't", "not", "negation"))
            continue
        if _NUMBER.search(folded):
            tokens.append(Token(word, folded, "number"))
        elif folded in _NEGATING_WORDS:
            tokens.append(Token(word, folded, "negation"))
        elif folded in function_words or (language == "en" and (folded in HEDGE_WORDS_EN or folded == "doing")):
            tokens.append(Token(word, folded, "function"))
        elif language == "en" and folded == "to" and tokens and tokens[-1].key in HEDGE_WORDS_EN:
            tokens.append(Token(word, folded, "function"))  # "tends to": the hedge's own "to"
        elif language == "en" and (stem := _prefix_negated(folded)) is not None:
            tokens.append(Token(word[:len(folded) - len(stem)], "not", "negation"))
            tokens.append(Token(word, lemma(stem) if lemma else stem, "content", (), True))
        else:
            key = lemma(folded) if lemma else folded
            readings = _english_readings(folded) if language == "en" else frozenset()
            predicate = bool(readings) and readings <= {"VERB", "ADJ", "ADV", "AUX"} and not word[:1].isupper()
            tokens.append(Token(word, key, "content", (), predicate or bool(family_sides(key))))
    return _absorb_negations(_active_voice(tokens), negation_after=False) if language == "en" else tokens


_BE_FORMS = frozenset({"be", "is", "are", "was", "were", "been", "being", "am"})
_MODALS = frozenset({"will", "would", "shall", "should", "must", "can", "could", "may", "might", "ought", "to", "have",
                     "has", "had", "get", "gets", "got"})
# Where the agent of a passive ends: a preposition or a conjunction starts what follows it.
_AFTER_AGENT = frozenset({"because", "if", "when", "while", "unless", "until", "since", "before", "after", "during",
                          "in", "on", "at", "for", "to", "with", "from", "and", "but", "or", "so", "than"})


def _past_participle(token: Token) -> bool:
    if token.kind != "content" or not token.surface.isalpha():
        return False
    try:
        from lemminflect import getInflection
    except ImportError:
        return False
    return token.surface.casefold() in {form.casefold() for form in getInflection(token.key, "VBN")}


def _active_voice(tokens: list[Token]) -> list[Token]:
    """An English passive with its agent, said actively: "Local shops are harmed by the road" compares as "the road
    harms local shops" (the participle's key is its verb's lemma), so each phrase keeps its role: the agent before
    the verb, the patient after it, and "Local shops harm the road" stays another claim. A passive without an
    agent ("more housing should be built") is left as it is: it does not say who acts."""
    for index in range(1, len(tokens) - 2):
        verb, by = tokens[index], tokens[index + 1]
        if by.key != "by" or not _past_participle(verb):
            continue
        start = index
        while start > 0 and (tokens[start - 1].kind in ("function", "negation")
                             or tokens[start - 1].key.casefold() in _MODALS):
            start -= 1
        group = tokens[start:index]
        if start == 0 or not any(token.surface.casefold() in _BE_FORMS for token in group):
            continue
        end = index + 2
        while end < len(tokens) and tokens[end].surface.casefold() not in _AFTER_AGENT:
            end += 1
        agent = tokens[index + 2:end]
        if not any(token.kind == "content" for token in agent):
            continue
        kept_group = [token for token in group if token.surface.casefold() not in _BE_FORMS]
        return agent + kept_group + [verb] + tokens[:start] + tokens[end:]
    return tokens


def _tokens_by_character(text: str) -> list[Token]:
    """Chinese, Korean and other languages without a resource here: every character counts."""
    return [Token(ch, ch, "number" if ch.isdigit() else "content") for ch in text
            if unicodedata.category(ch)[0] not in "PZC" and not ch.isspace()]


@functools.lru_cache(maxsize=1 << 15)
def tokenize(text: str) -> tuple[Token, ...]:
    """The statement's words, each with the key it is compared by and its kind."""
    normalized = unicodedata.normalize("NFKC", text).replace("’", "'")
    language = statement_language(normalized)
    if language == "ja":
        return tuple(_tokens_ja(normalized))
    if language in ("zh", "ko") or language not in _FUNCTION_WORDS and language != "other":
        return tuple(_tokens_by_character(normalized))
    return tuple(_tokens_latin(normalized, language))


# ----- comparing ------------------------------------------------------------------------------------------------

# A change of at most this many content words on each side is a word change: accepted only when known
# to be equivalent. Longer changes are rephrasings, which only the semantic tier may accept.
WORD_CHANGE_SIZE = 2
SpanSimilarity = Callable[[str, str], float]


def _surface(tokens) -> str:
    return "".join(token.surface if not token.surface.isascii() else f" {token.surface} " for token in tokens).strip()


# What a Japanese particle says about the role of the word before it: は and が both mark the subject.
_ROLE_OF_PARTICLE = {"が": "subject", "は": "subject", "を": "object", "に": "to", "へ": "to", "で": "by", "から": "from",
                     "より": "from", "と": "with"}


def _claim_words(tokens: tuple[Token, ...]) -> list[tuple[Token, str]]:
    """The tokens that carry the claim (not function words), each with its role: for Japanese the
    particle that follows it (により counts as で), for other languages its place in the sentence."""
    words: list[tuple[Token, str]] = []
    for index, token in enumerate(tokens):
        if token.kind == "function":
            if words and token.key in ("因る", "よる") and words[-1][1] == "to":
                words[-1] = (words[-1][0], "by")  # により: the means, like で
            elif words and not words[-1][1] and _ROLE_OF_PARTICLE.get(token.surface):
                words[-1] = (words[-1][0], _ROLE_OF_PARTICLE[token.surface])
            continue
        words.append((token, ""))
    return words


_HIRAGANA_ONLY = re.compile(r"^[\u3041-\u309f]*$")
_HEDGE_ENDING_JA = re.compile(r"と(?:思|考え|感じ)(?:う|います|る|ます)[。.!！]*$")
_LATIN_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+", re.UNICODE)


_NOT_HIRAGANA = re.compile(r"[\u3041-\u309f]+")


@functools.lru_cache(maxsize=1 << 17)
def _quick_form(text: str) -> tuple[bool, str, Counter, str]:
    """What quick_difference compares, once per text: Japanese or not, the normalised text, the words,
    and (Japanese) the text without its hiragana: two texts whose differences are all in hiragana have
    the same skeleton."""
    if _KANA.search(text):
        normalized = normalize_for_matching(_HEDGE_ENDING_JA.sub("", text))
        return True, normalized, Counter(), _NOT_HIRAGANA.sub("", normalized)
    words = _LATIN_WORD.findall(_HEDGES_EN.sub(" ", unicodedata.normalize("NFKC", text).replace("’", "'")))
    return False, "", Counter(word.casefold() for word in words), ""


_AGENT_PASSIVE = re.compile(r"\b(?:is|are|was|were|be|been|being)\s+(?:\w+\s+){0,2}\w+\s+by\b", re.I)


def certainly_different(first: str, second: str) -> bool:
    """A fast necessary test: True when a content character certainly changed (Japanese skeletons differ)."""
    first, second = _without_one_sided_label(first, second)
    japanese_a, _, _, skeleton_a = _quick_form(first)
    japanese_b, _, _, skeleton_b = _quick_form(second)
    return japanese_a and japanese_b and skeleton_a != skeleton_b


def quick_difference(first: str, second: str) -> Reason | None:
    """A changed content word found without a tokenizer, or None when the difference might be neutral.

    Japanese: on the normalised texts, a differing run with any character but hiragana (a kanji, katakana,
    Latin or digit) is a content change; a hiragana-only run (の, です, ない) needs the full comparison.
    Other languages: a changed word that is not a function word and has no changed partner to be a
    spelling of (reduce/reduces) is a content change."""
    from rapidfuzz.distance import Levenshtein

    first, second = _without_one_sided_label(first, second)
    japanese_a, a, words_a, _ = _quick_form(first)
    japanese_b, b, words_b, _ = _quick_form(second)
    if japanese_a or japanese_b:
        for tag, i1, i2, j1, j2 in Levenshtein.opcodes(a, b):
            left, right = a[i1:i2], b[j1:j2]
            if tag == "equal" or (_HIRAGANA_ONLY.match(left) and _HIRAGANA_ONLY.match(right)):
                continue
            return _word_change_reason(left, right, negated=(left + right)[:1] in "不非無未" and bool(left + right),
                                       numbered=any(ch.isdigit() for ch in left + right))
        return None
    if _AGENT_PASSIVE.search(first) or _AGENT_PASSIVE.search(second):
        return None  # the voice changes the words' order and forms: the full comparison reads it
    removed = [word for word in (words_a - words_b).elements() if word not in _NEUTRAL_WORDS]
    added = [word for word in (words_b - words_a).elements() if word not in _NEUTRAL_WORDS]
    negated = any(word in _NEGATING_WORDS or word.endswith("n't") for word in removed + added)
    numbered = any(word.isdigit() for word in removed + added)
    if (removed or added) and (len(removed) != len(added) or negated or numbered):
        return _word_change_reason(" ".join(removed), " ".join(added), negated, numbered)
    return None


def _word_change_reason(left: str, right: str, negated: bool, numbered: bool) -> Reason:
    shown = _shown(left, right)
    if numbered:
        return said("merge.number", shown=shown)
    if negated:
        return said("merge.negation", shown=shown)
    return said("merge.word", shown=shown)


def _negation_scopes(words: list[tuple[Token, str]]) -> Counter:
    """Each negation with the words on either side of it: what it negates."""
    keys = [token.key for token, _ in words]
    return Counter((keys[i - 1] if i else "", keys[i + 1] if i + 1 < len(keys) else "")
                   for i, (token, _) in enumerate(words) if token.kind == "negation")


def _single_move(first: list[str], second: list[str]) -> tuple[int, int] | None:
    """(start, end) of the one block of `first` whose move to another place gives `second`, if any."""
    size = len(first)
    for start in range(size):
        for end in range(start + 1, size + 1):
            rest, block = first[:start] + first[end:], first[start:end]
            for place in range(len(rest) + 1):
                if place != start and rest[:place] + block + rest[place:] == second:
                    return start, end
    return None


def _moved_words_keep_their_roles(first: list[tuple[Token, str]], second: list[tuple[Token, str]],
                                  block: tuple[int, int]) -> bool:
    roles_before = Counter((token.key, role) for token, role in first[block[0]:block[1]])
    roles_after = Counter((token.key, role) for token, role in second)
    return all(roles_after[item] >= count for item, count in roles_before.items())


def _changed(left: list[Token], right: list[Token]) -> Verdict | None:
    """Why a change of words is certainly not equivalent: a number, a negation, or sides that oppose."""
    shown = _shown(_surface(left), _surface(right))
    if any(t.kind == "number" for t in left + right):
        return Verdict(False, said("merge.number", shown=shown))
    if sum(t.kind == "negation" for t in left) != sum(t.kind == "negation" for t in right):
        return Verdict(False, said("merge.negation", shown=shown))
    for first in left:
        for second in right:
            if opposite_sides(first.key, second.key):
                return Verdict(False, said("merge.opposite", shown=shown))
            opposing = opposing_characters(first.key.lstrip("¬"), second.key.lstrip("¬"))
            if opposing is not None and not same_side(first.key, second.key):
                return Verdict(False, said("merge.opposite-characters", one=opposing[0], other=opposing[1],
                                           shown=shown))
    return None


def _known_equivalent(left: list[Token], right: list[Token]) -> list[str] | None:
    """How each changed word is known to be the other, in order (a dictionary, not a similarity): the kinds of
    knowledge (messages.TERMS: family, synonyms; none when the words are the same), or None."""
    content_left = [t for t in left if t.kind == "content"]
    content_right = [t for t in right if t.kind == "content"]
    if not content_left or len(content_left) != len(content_right):
        return None
    how = set()
    for first, second in zip(content_left, content_right):
        if first.key == second.key:
            continue
        if same_side(first.key, second.key):
            how.add("family")
        elif not first.flipped and not second.flipped and shares_synonym_group(first.groups, second.groups):
            how.add("synonyms")
        else:
            return None
    return sorted(how)


def _why_not_similar_enough(left: list[Token], right: list[Token]) -> Reason | None:
    """Why a small change (a word or two) cannot be weighed by the embeddings: it names something else (a
    changed noun needs a dictionary), the dictionaries know the two words as different concepts or as other
    predicates, or, for Japanese, the two share no character (困難 / 難しい share 難)."""
    shown = _shown(_surface(left), _surface(right))
    if not left or not right:
        return said("merge.added", shown=shown)
    if not all(t.predicate for t in left + right):
        return said("merge.word", shown=shown)
    for first, second in zip(left, right):
        if known_different_concepts(first.groups, second.groups):
            return said("merge.concepts", shown=shown)
        if family_sides(first.key) and family_sides(second.key) and not same_side(first.key, second.key):
            return said("merge.predicate", shown=shown)
    japanese = any(_KANA.search(t.surface) or not t.surface.isascii() for t in left + right)
    if not japanese:
        return said("merge.no-thesaurus", shown=shown)
    characters_left = {ch for t in left for ch in t.key + t.surface if ord(ch) > 0x3400}
    characters_right = {ch for t in right for ch in t.key + t.surface if ord(ch) > 0x3400}
    if not characters_left & characters_right:
        return said("merge.word", shown=shown)
    return None


# A leading tag that says where a comment comes from ("Klimarat: …", "提案：…"), not what it claims.
_LEADING_LABEL = re.compile(r"^\s*[^\s:：。.!?]{1,24}[:：]\s*(?=\S)")


@functools.lru_cache(maxsize=1 << 17)
def _labelled(text: str) -> bool:
    return _LEADING_LABEL.match(text) is not None


def _without_one_sided_label(first: str, second: str) -> tuple[str, str]:
    """When only one of two statements starts with a label, compare it without the label."""
    if not _labelled(first) and not _labelled(second):  # the common case, once per text (dedupe at scale)
        return first, second
    label_a, label_b = _LEADING_LABEL.match(first), _LEADING_LABEL.match(second)
    if label_a and not label_b:
        return first[label_a.end():], second
    if label_b and not label_a:
        return first, second[label_b.end():]
    return first, second


def compare(first: str, second: str, span_similarity: SpanSimilarity | None = None,
            span_threshold: float = 0.0, sentiment: Callable[[str], float] | None = None,
            word_threshold: float = 1.0) -> Verdict:
    """Whether every difference between two statements is known to be equivalent, and why (not).

    Known: function words, spelling, a moved phrase, and words a dictionary knows as the same (SudachiDict's
    synonyms, predicate families, a negated opposite). `span_similarity` (the semantic tier) adds evidence:
    a rephrased phrase counts as equivalent when its similarity to the other side's phrase reaches
    `span_threshold`, and a changed predicate of a word or two when it reaches `word_threshold` and the checks
    of `_why_not_similar_enough` pass. No similarity ever outweighs a number, a negation or opposite sides."""
    first, second = _without_one_sided_label(first, second)
    if span_similarity is None:
        quick = quick_difference(first, second)
        if quick is not None:
            return Verdict(False, quick)
    a, b = tokenize(first), tokenize(second)
    # One says it actively, the other passively with its agent: tokenize turned the passive around.
    voice = bool(_AGENT_PASSIVE.search(first)) != bool(_AGENT_PASSIVE.search(second)) and first.isascii()
    if [token.key for token in a] == [token.key for token in b]:
        return Verdict(True, said("merge.voice" if voice else "merge.spelling"))
    words_a, words_b = _claim_words(a), _claim_words(b)
    keys_a, keys_b = [token.key for token, _ in words_a], [token.key for token, _ in words_b]
    if keys_a == keys_b:
        return Verdict(True, said("merge.voice" if voice else "merge.function-words"))
    count_a, count_b = Counter(keys_a), Counter(keys_b)
    if count_a == count_b:
        block = _single_move(keys_a, keys_b)
        if _negation_scopes(words_a) != _negation_scopes(words_b):
            return Verdict(False, said("merge.negation-moved"))
        if block is not None and _moved_words_keep_their_roles(words_a, words_b, block):
            return Verdict(True, said("merge.moved"))
        return Verdict(False, said("merge.roles"))
    opcodes = [op for op in SequenceMatcher(None, keys_a, keys_b, autojunk=False).get_opcodes() if op[0] != "equal"]
    # A phrase dropped in one place and added in another, unchanged and in the same role, is a move. Two
    # moved phrases trade places, which changes their roles.
    dropped = [op for op in opcodes if op[0] == "delete"]
    added = [op for op in opcodes if op[0] == "insert"]
    moves = 0
    for drop in dropped:
        phrase = words_a[drop[1]:drop[2]]
        if any(token.kind == "negation" for token, _ in phrase):
            continue  # a negation that moves negates something else
        match = next((add for add in added if [(t.key, r) for t, r in words_b[add[3]:add[4]]]
                      == [(t.key, r) for t, r in phrase]), None)
        if match is not None:
            opcodes.remove(drop)
            opcodes.remove(match)
            added.remove(match)
            moves += 1
    if moves > 1:
        return Verdict(False, said("merge.trade"))
    changes = [([token for token, _ in words_a[i1:i2]], [token for token, _ in words_b[j1:j2]])
               for _, i1, i2, j1, j2 in opcodes]
    # Opposite predicates in two different changes ("will increase traffic" / "traffic will fall"): a restructured
    # statement moves its predicate away from where the other has its own, and no alignment pairs them.
    everything_left = [token for left, _ in changes for token in left]
    everything_right = [token for _, right in changes for token in right]
    for left_word in everything_left:
        for right_word in everything_right:
            if opposite_sides(left_word.key, right_word.key):
                return Verdict(False, said("merge.opposite", shown=_shown(left_word.surface, right_word.surface)))
    reasons: list[Reason] = []
    for left, right in changes:
        shown = _shown(_surface(left), _surface(right))
        refused = _changed(left, right)
        if refused is not None:
            return refused
        known = _known_equivalent(left, right)
        if known is not None:
            reasons.append(said("merge.known", shown=shown, how=known))
            continue
        if sentiment is not None and sentiment(_surface(left)) * sentiment(_surface(right)) < 0:
            return Verdict(False, said("merge.sentiment", shown=shown))
        small = len(left) <= WORD_CHANGE_SIZE and len(right) <= WORD_CHANGE_SIZE
        if small:
            refused_reason = _why_not_similar_enough(left, right)
            if refused_reason is not None:
                return Verdict(False, refused_reason)
        if span_similarity is None:
            return Verdict(False, said("merge.phrase", shown=shown))
        similarity = span_similarity(_surface(left), _surface(right))
        threshold = word_threshold if small else span_threshold
        if similarity < threshold:
            return Verdict(False, said("merge.phrase-meaning", similarity=round(similarity, 4),
                                       threshold=threshold, shown=shown))
        reasons.append(said("merge.close", shown=shown, similarity=round(similarity, 4)))
    if moves:
        reasons.append(said("merge.one-moved"))
    return Verdict(True, said("merge.other-words", changes=[reason.model_dump() for reason in reasons]))
