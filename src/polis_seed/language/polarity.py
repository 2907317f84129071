"""polarity: whether a statement says the opposite of the passage it cites, and where a quote may be cut.

A Japanese clause carries its polarity at its end (「推進すべきものではない」), an English one before its
predicate ("should not be promoted"). So a statement contradicts its quote when a claim word of the statement
stands in the quote with the other polarity (negated there and not in the statement, or the reverse) at every
place the quote uses it. Words are compared by dedupe's tokens (compare.tokenize: SudachiPy keys, lemmas,
the families' absorbed negations: 容易ではない is ¬容易), by the same key only, so that a paraphrase is never
read as a contradiction.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .compare import Token, tokenize
from .text import statement_language

# Where a clause ends: a quote ends at one of these, never inside the clause before it.
_CLAUSE_END = re.compile(r"[。．.!?！？;；、,，]|$")
_SENTENCE_END = re.compile(r"[。．!?！？;；\n]|\.(?:\s|$)")
# What turns a clause's claim around or makes it a must/should: after a cut these belong to the quote.
_POLARITY_JA = re.compile(r"ない|なく|ず|ぬ|ません|まい|べき|なければ|ならない|いけない|困難|難し|反対|否定|懸念|疑問|問題")
_POLARITY_EN = re.compile(r"\b(?:not|no|never|cannot|can't|won't|isn't|aren't|doesn't|don't|shouldn't|mustn't|should|"
                          r"must|without|against|rather than|instead)\b|n't\b", re.I)


def _base(key: str) -> str:
    return key[1:] if key.startswith("¬") else key


# Formal nouns that only nominalise the predicate before them (推進すべき「もの」ではない): the negation after
# them still belongs to it.
_FORMAL_NOUNS_JA = frozenset({"物", "もの", "事", "こと", "訳", "わけ", "筈", "はず", "所", "ところ"})
# Endings that say "hard to" (反映しにくい, 使いづらい, 受け入れがたい, 賛成しかねる): a negation for polarity.
_HARD_TO_JA = frozenset({"難い", "辛い", "兼ねる", "難しい", "困難", "無理"})
# Endings that only shade the verb before them (使いやすい, 増え続ける, ありうる).
_VERB_ENDINGS_JA = frozenset({"易い", "過ぎる", "続ける", "始める", "得る"})
_SAYING_JA = frozenset({"言う", "思う", "考える", "感じる", "聞く", "述べる", "指摘", "意見", "声"})
_CASE_PARTICLES_JA = frozenset({"は", "が", "を", "に", "へ", "で", "も", "の", "から", "より", "や", "まで", "など", "とか"})
_CLAUSE_SPLIT = re.compile(r"[。．、，,;；!?！？]|\.(?:\s|$)")


_MODALS_EN = frozenset({"should", "must", "need", "needs", "ought", "can", "could", "would", "will", "may", "might",
                        "shall", "have", "has", "do", "does", "did"})


def _negates(token: Token, language: str) -> bool:
    return token.kind == "negation" or (language == "ja" and token.key in _HARD_TO_JA)


def _breaks(token: Token, language: str) -> bool:
    """A word that starts the next claim: in Japanese any content word but a formal noun or a "hard to" ending
    (the negation in 「値上げする状況でない」 is the situation's), elsewhere a predicate."""
    if token.kind != "content":
        return False
    if language == "ja":
        return token.key not in _FORMAL_NOUNS_JA and token.key not in _HARD_TO_JA and token.key not in _VERB_ENDINGS_JA
    return token.predicate and token.key not in _MODALS_EN


class Occurrence(NamedTuple):
    key: str
    negated: bool
    needs: bool  # its own clause part holds a must or a need (「すべきではない」, "should not")
    final: bool  # nothing but endings follow it: it is the predicate its negation belongs to


def _occurrences(tokens: tuple[Token, ...], language: str) -> list[Occurrence]:
    """Each claim word of one clause with the polarity of its own part: Japanese counts the negations after it up
    to the next content word, other languages those before it back to the previous predicate; a family's absorbed
    negation (¬) counts too. In Japanese a claim word is a content word at the end of its clause (or of a quoted
    clause, 「…ないとの声」); elsewhere every predicate."""
    necessity = _NECESSITY_JA if language == "ja" else _NECESSITY_EN
    found = []
    for index, token in enumerate(tokens):
        if token.kind != "content" or not _breaks(token, language) or (language != "ja" and not token.predicate):
            continue
        span, final = [], True
        for other in (tokens[index + 1:] if language == "ja" else reversed(tokens[:index])):
            if _breaks(other, language):
                # A quoted clause ends its own claim: 「…ないとの声」, 「…ないという」, 「…ないと考える」.
                final = language == "ja" and bool(span) and (
                    [t.surface for t in span[-2:]] in (["と", "の"], ["と", "いう"])
                    or (span[-1].surface == "と" and other.key in _SAYING_JA))
                break
            span.append(other)
        at_clause_end = len(span) == len(tokens) - index - 1
        if language == "ja" and at_clause_end and not token.key.startswith("¬") and (
                (span and span[-1].surface in _CASE_PARTICLES_JA) or (not span and not token.predicate)):
            final = False  # a phrase cut by a comma (「…の実現には、」), not a clause with its predicate
        negations = sum(_negates(t, language) for t in span) + (1 if token.key.startswith("¬") else 0)
        needs = bool(necessity.search(" ".join(t.surface for t in span)))
        found.append(Occurrence(_base(token.key), negations % 2 == 1, needs, final or language != "ja"))
    return found


def _clauses(text: str) -> list[str]:
    return [part for part in _CLAUSE_SPLIT.split(text) if part.strip()]


def _all_occurrences(text: str, language: str) -> tuple[list[Occurrence], dict[str, str]]:
    occurrences, surfaces = [], {}
    for clause in _clauses(_plain(text, language)):
        tokens = tokenize(clause)
        occurrences += _occurrences(tokens, language)
        surfaces.update({_base(t.key): t.surface for t in tokens})
    return occurrences, surfaces


# Negations that do not negate: a rhetorical 「…のではないか」 asserts, 「…ざるを得ない」 is a must.
_RHETORICAL_JA = re.compile(r"(?:の|ん)?(?:では|じゃ)(?:ない|なかろう|ありません)(?:だろう|でしょう)?か|ないだろうか|ないでしょうか")
_MUST_JA = re.compile(r"ざるを(?:得|え)(?:な(?:い|く|かった)|ません)")
_NECESSITY_JA = re.compile(r"必要|べき|求め|なければ|ねばならない|ほうが(?:よい|良い|いい)|望ましい")
_NECESSITY_EN = re.compile(r"\b(?:should|must|need|needs|needed|require[sd]?|ought|have to|has to|better|more|improve)\b", re.I)


def _plain(text: str, language: str) -> str:
    return _MUST_JA.sub("", _RHETORICAL_JA.sub("", text)) if language == "ja" else text


class Contradiction(NamedTuple):
    word: str  # the statement's claim word, as it is written there
    negated_in_quote: bool  # the quote negates it (and the statement does not), or the reverse


def contradicting_word(statement: str, quote: str) -> Contradiction | None:
    """The claim word whose polarity the statement turns around against its quote, or None.
    A plain negation on one side and a need on the other agree (「示されていない」 and 「示す必要がある」,
    "does not represent" and "needs reform to better represent"); a negated need does not ("should not")."""
    if not statement.strip() or not quote.strip():
        return None
    language = statement_language(statement)
    if statement_language(quote) != language or language not in ("ja", "en"):
        return None
    found, surfaces = _all_occurrences(statement, language)
    claims = [word for word in found if word.final]
    cited = [word for word in _all_occurrences(quote, language)[0] if word.final]
    necessity = _NECESSITY_JA if language == "ja" else _NECESSITY_EN
    needs = {"statement": bool(necessity.search(statement)), "quote": bool(necessity.search(quote))}
    for word in claims:
        same = [other for other in cited if other.key == word.key]
        if not same or any(other.negated == word.negated for other in same):
            continue
        negated, other_side = (word, "quote") if word.negated else (same[0], "statement")
        if not negated.needs and needs[other_side]:
            continue  # what one says is not there, the other says is needed
        return Contradiction(surfaces.get(word.key, word.key), not word.negated)
    return None


def end_of_polar_clause(sentence: str, end: int) -> int:
    """Where a quote that would end at `end` must end instead: at the end of its clause, and at the end of the
    sentence when the words between hold a negation or a must (「…推進すべきものではない」, "… should not"), so that
    a cut never drops the words that carry the clause's polarity."""
    if end >= len(sentence):
        return len(sentence)
    clause = _CLAUSE_END.search(sentence, max(0, end - 1))
    stop = clause.end() if clause else len(sentence)
    sentence_end = _SENTENCE_END.search(sentence, stop)
    closing = sentence_end.end() if sentence_end else len(sentence)
    polarity = _POLARITY_JA if statement_language(sentence) == "ja" else _POLARITY_EN
    return closing if polarity.search(sentence[max(0, end - 1):closing]) else stop
