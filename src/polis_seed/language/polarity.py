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
from .lexicon import family_sides
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
    if language == "en":
        return english_contradiction(statement, quote)
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


# ----- English ---------------------------------------------------------------------------------------------------
# An English clause carries its polarity in its negations wherever they stand ("should not be closed", "no
# real alternative", "refrain from selecting"), and in the side of its evaluative words (safe/dangerous,
# increase/reduce: lexicon.FAMILIES). So a statement's clause and the quote's clause it restates are compared
# as wholes: the negations of both, plus the words of one family that take opposite sides about the same
# thing, add up odd when one says the opposite of the other ("not difficult" = "easy": a negation and a flip).

# Verbs and nouns that negate what follows them: "refrain from selecting" = "not selecting", "lack the skills"
# = "not have the skills", "fail to reflect" = "not reflect" (keys are simplemma's lemmas).
_NEGATING_VERBS_EN = frozenset({"refrain", "avoid", "fail", "failure", "refuse", "refusal", "neglect", "cease", "lack",
                                "absence", "prevent"})
# Negating only before "to" (decline to act; "numbers decline" is a fall) or a gerund ("stop using").
_NEGATING_BEFORE_TO_EN = frozenset({"decline"})
_NEGATING_BEFORE_GERUND_EN = frozenset({"stop", "quit"})
_NEGATING_PHRASES_EN = re.compile(r"\b(?:rather than|instead of|far from|no longer|not only|not just)\b", re.I)
# "neither A nor B" is one negation.
_NEITHER_NOR_EN = re.compile(r"\bneither\b(.*?)\bnor\b", re.I)
# A must or a need, as a modal: "should", "needs to", "needs reform to", "necessary" (not "the resources they need").
_NEEDS_EN = re.compile(r"\b(?:should|must|ought|(?:have|has|had) to|necessary|essential|required?|need(?:s|ed)?"
                       r"(?=\s+(?:to|a|an|the|more|better|\w+\s+to)\b)|need\s+not)\b", re.I)
# "keep sugary foods off the menu", "kept out of the centre": the place is negated.
_KEEP_OFF_EN = re.compile(r"\b(?:keep|keeps|kept|keeping)\b((?:\s+[\w'-]+){0,3}?)\s+(?:off|out of|away from)\b", re.I)
# Where a clause ends: punctuation, a conjunction that starts a clause of its own, "rather than" / "instead
# of" (what they name is the negated alternative), and "and" before a clause or a conjunct with its own
# negation ("not fully funded and lacking in resources").
_CLAUSE_BREAK_EN = re.compile(
    r"\s*[.;:!?]+(?:\s+|$)|\s*,\s*|\s+(?:but|because|although|though|whereas|while|since|unless)\s+"
    r"|\s+(?=(?:rather than|instead of)\b)"
    r"|\s+(?:and|so|as)\s+(?=(?:it|they|we|he|she|i|you|there|this|these)\b)|\s+[-–—]+\s+|(?<=[a-z])-(?=[A-Z])", re.I)
# "and" before a conjunct with its own negation or modal ("not fully funded and lacking in resources", "does not
# represent voters and should be changed"): the conjuncts are clauses, and a must of the first holds for both.
_CONJUNCT_EN = re.compile(r"\s+and\s+(?=(?:not|no|never|lack\w*|fail\w*|avoid\w*|refus\w*|cannot|should|must|"
                          r"will|would|need|needs)\b)", re.I)
_MODAL_NEED_EN = re.compile(r"\b(?:should|must|ought to|(?:have|has) to|needs? to)\b", re.I)
_ASIDE_EN = re.compile(r"\([^()]*\)")
_RELATIVE_EN = frozenset({"that", "which", "who", "whom"})
# Determiners that negate the noun phrase after them: a relative clause on that phrase says that such a thing
# exists ("no maintenance requirements that accompany custom solutions": custom solutions carry them).
_NEGATING_DETERMINERS_EN = frozenset({"no", "none"}) | (_NEGATING_VERBS_EN - {"failure", "refusal", "absence"})
_NOT_CLAIM_WORDS_EN = frozenset({
    "it", "they", "them", "we", "us", "he", "him", "she", "her", "i", "me", "you", "this", "these", "those", "their",
    "our", "your", "his", "its", "one", "ones", "some", "any", "all", "and", "or", "to", "in", "on", "at", "for", "from",
    "by", "with", "as", "than", "into", "about", "so", "if", "then", "also", "even", "still", "only", "just", "such",
    "each", "every", "other", "be", "get", "make", "let", "say", "said", "very", "most", "way",
    # A negation passes through these to the verb after them: "unlikely to cut traffic", "not able to run".
    "likely", "able", "willing", "ready", "going", "try", "trying"}) | _MODALS_EN
# Nouns that only carry the noun after them: "should not be a part of the menu" turns "menu" around.
_LIGHT_NOUNS_EN = frozenset({"part", "kind", "sort", "type", "lot", "piece", "member", "form", "matter", "means"})
# A need named as a word: "unnecessary" is a negated need.
_NEED_WORDS_EN = frozenset({"necessary", "essential", "need", "require", "required", "needed", "must"})


class _Clause(NamedTuple):
    negations: int
    words: tuple[str, ...]  # content keys, in order
    # Each family word: its position in words, the families it belongs to with its side in each ("lower" is
    # on the low side of high/low and of increase/decrease), and whether "too" stands before it ("too many").
    sides: tuple[tuple[int, frozenset[tuple[str, bool]], bool], ...]
    needs: bool  # a must or a need ("should", "needs to", "necessary")
    negated: frozenset[str]  # what its negations turn around: the first content words after each


def _english_clauses(text: str) -> list[str]:
    """The clauses of an English text. An aside in brackets is left out; a clause that starts with "without …"
    belongs to the next one ("Without streaming, residents cannot follow debates"); a relative clause on a
    negated noun phrase is a clause of its own, with that phrase and without its negation."""
    parts: list[str] = []
    for piece in _CLAUSE_BREAK_EN.split(_ASIDE_EN.sub(" ", text)):
        if not piece or not piece.strip():
            continue
        if parts and re.match(r"(?i)without\b", parts[-1]) and len(parts[-1].split()) <= 6:
            parts[-1] = parts[-1] + " " + piece
        else:
            parts.append(piece)
    conjuncts: list[str] = []
    for part in parts:
        pieces = _CONJUNCT_EN.split(part)
        modal = _MODAL_NEED_EN.search(pieces[0])
        conjuncts += [pieces[0]] + [(modal.group(0) + " " if modal and not _MODAL_NEED_EN.search(piece) else "") + piece
                                    for piece in pieces[1:]]
    clauses: list[str] = []
    lemma = _lemma_en()
    for part in conjuncts:
        words = part.split()
        for index, word in enumerate(words):
            if word.casefold() not in _RELATIVE_EN or not index:
                continue
            negation = next((j for j in range(index - 1, max(-1, index - 6), -1)
                             if lemma(words[j].casefold().strip(",.;:")) in _NEGATING_DETERMINERS_EN), None)
            if negation is not None and index - negation >= 2 and words[negation + 1].casefold() not in ("longer", "more"):
                clauses += [" ".join(words[:index]), " ".join(words[negation + 1:])]
                break
        else:
            clauses.append(part)
    return clauses


def _verb_of(gerund: str) -> str | None:
    from lemminflect import getAllLemmas

    return (getAllLemmas(gerund).get("VERB") or (None,))[0]


def _lemma_en():
    from .compare import _lemmatizer

    return _lemmatizer("en") or (lambda word: word)


def _families_of(*keys: str) -> frozenset[tuple[str, bool]]:
    return frozenset((name, positive) for key in keys for name, positive, _ in family_sides(key))


def _readings(word: str) -> frozenset[str]:
    from .compare import _english_readings

    return _english_readings(word.casefold())


def _adverb(word: str) -> bool:
    readings = _readings(word)
    return bool(readings) and readings <= {"ADV"}


def _prefix_stem(word: str) -> str | None:
    """An adjective negated by its prefix whose stem the word tables know only as a verb (incomplete, incorrect)."""
    from .compare import _english_readings, _NEGATING_PREFIXES, _NOT_NEGATED

    folded = word.casefold()
    if folded in _NOT_NEGATED or _english_readings(folded) != {"ADJ"}:
        return None
    for prefix in _NEGATING_PREFIXES:
        stem = folded[len(prefix):].lstrip("-")
        if folded.startswith(prefix) and len(stem) >= 5 and _english_readings(stem):
            return stem
    return None


def _english_clause(text: str) -> _Clause:
    needs = bool(_NEEDS_EN.search(text))
    text = _NEITHER_NOR_EN.sub(r"not \1 or", text)
    phrases = len(_NEGATING_PHRASES_EN.findall(text))
    text = _NEGATING_PHRASES_EN.sub(" not ", text)
    text = _KEEP_OFF_EN.sub(lambda match: match.group(1) + " not ", text)
    tokens = tokenize(text)
    folded = [token.surface.casefold() for token in tokens]
    negations, words, sides, negated = 0, [], [], set()
    pending = 0  # negations still looking for the word they turn around (-1: the noun of a negated adjective)
    excess = False  # "too many lights": there are many, and there should be fewer
    for index, token in enumerate(tokens):
        after = folded[index + 1] if index + 1 < len(folded) else ""
        key = _base(token.key)
        if folded[index].endswith("ing") and token.kind == "content":
            key = _verb_of(folded[index]) or key  # "borrowing" is "borrow"
        if folded[index] == "without" and index:
            continue  # "safe without protected lanes": a condition, not the clause's negation
        if folded[index] == "too":
            if "to" in folded[index + 2:index + 8]:
                negations, pending = negations + 1, pending + 1  # "too rarely to replace the car"
            else:
                excess = True
            continue
        if token.kind == "negation" and folded[index] in _PREFIXES_EN and index + 1 < len(tokens) \
                and "VERB" in _readings(tokens[index + 1].surface):
            continue  # "informed", "involved": a verb's participle, not a prefix that negates
        if token.kind == "negation" or key in _NEGATING_VERBS_EN \
                or (key in _NEGATING_BEFORE_TO_EN and after == "to") \
                or (key in _NEGATING_BEFORE_GERUND_EN and after.endswith("ing")):
            negations, pending = negations + 1, pending + 1
            continue
        if token.key.startswith("¬"):
            negations += 1  # a family word with its negation absorbed: "not difficult", "unsafe"
            negated.add(key)
        if folded[index] in ("needed", "required"):
            key = folded[index]  # "not needed": the need is the claim word (its family knows the form)
        elif token.kind != "content" or key in _NOT_CLAIM_WORDS_EN or len(key) < 2:
            continue
        split_already = index and tokens[index - 1].kind == "negation" and folded[index - 1] in _PREFIXES_EN
        stem = _prefix_stem(token.surface) if not token.key.startswith("¬") and not split_already else None
        if stem:
            negations += 1
            negated.add(stem)
            key = stem
        if pending and key in _LIGHT_NOUNS_EN:
            pass  # "not a part of the menu": the negation goes on to "menu"
        elif pending and not _adverb(token.surface):
            negated.add(key)
            # An adjective takes its noun with it: "no real alternative" turns "alternative" around too.
            readings = _readings(token.surface)
            pending = 0 if pending < 0 or "ADJ" not in readings or "VERB" in readings else -1
        families = _families_of(key) if split_already else _families_of(key, folded[index])
        if families:
            sides.append((len(words), families, excess))
        words.append(key)
        excess = False
    needs = needs or bool(negated & _NEED_WORDS_EN)
    return _Clause(negations, tuple(words), tuple(sides), needs, frozenset(negated))


_PREFIXES_EN = frozenset({"un", "in", "im", "ir", "il", "dis", "non"})


def _family_names(words: frozenset[str]) -> set[str]:
    return {name for word in words for name, _ in _families_of(word)}


def _flips(statement: _Clause, quote: _Clause) -> tuple[int, str]:
    """The family words that take the other side in the quote about the same thing (a word before or after
    them is shared): each one turns the claim around, so two cancel out ("more cars … slower" / "fewer cars …
    faster"). Returns their count and the first, as the statement's key."""
    count, first = 0, ""
    for position, families, excess in statement.sides:
        before, after = set(statement.words[:position]), set(statement.words[position + 1:])
        names = {name for name, _ in families}
        same_thing = [(other, too) for at, other, too in quote.sides if names & {name for name, _ in other}
                      and ((before & set(quote.words[:at])) or (after & set(quote.words[at + 1:])))]
        # "too many lights" says there are many, and that there should be fewer: a need of the other side agrees.
        if same_thing and not any(families & other or (too and statement.needs) or (excess and quote.needs)
                                  for other, too in same_thing):
            count += 1
            first = first or statement.words[position]
    return count, first


def _restates(statement: _Clause, quote: _Clause) -> float:
    """How closely a quote's clause restates a statement's (Dice over their words); 0 when they share fewer than
    two words, unless the quote's clause has one word only and it is shared ("…, not a mix!")."""
    shared = set(statement.words) & set(quote.words)
    # Two words of one family are one thing said either way ("raise the cost" / "lower the cost").
    names = {name for _, families, _ in quote.sides for name, _ in families}
    count = len(shared) + sum(1 for at, families, _ in statement.sides if statement.words[at] not in shared
                              and names & {name for name, _ in families})
    if count < 2 and not (count and len(set(quote.words)) == 1):
        return 0.0
    return 2 * count / (len(set(statement.words)) + len(set(quote.words)))


def english_contradiction(statement: str, quote: str) -> Contradiction | None:
    """Each clause of the statement against the clauses of the quote that restate it best: it contradicts them
    all when the negations of both and the flipped family words add up odd, and what the odd side negates is
    in the other clause. A plain negation on one side and a need on the other agree ("must be able to see" /
    "cannot see"); a negated need does not ("do not need to be wide")."""
    cited = [_english_clause(clause) for clause in _english_clauses(quote)]
    for text in _english_clauses(statement):
        clause = _english_clause(text)
        scored = [(score, other) for other in cited if (score := _restates(clause, other)) > 0]
        if not scored:
            continue
        best = max(score for score, _ in scored)
        found = []
        for other in (other for score, other in scored if score == best):
            flips, flipped = _flips(clause, other)
            if (clause.negations + other.negations + flips) % 2 == 0:
                break
            if not flips:
                negated, plain = (other, clause) if other.negations % 2 else (clause, other)
                if not negated.negated & set(plain.words) and not _family_names(negated.negated) & {
                        name for _, families, _ in plain.sides for name, _ in families}:
                    break  # what the negation turns around is not in the other clause
                if plain.needs and not negated.needs:
                    break  # what one says is not there, the other says is needed
            found.append((other, flipped))
        else:
            other, flipped = found[0]
            word = flipped or next(iter(sorted((clause.negated | other.negated) & (set(clause.words) | set(other.words)))),
                                   text.split()[0])
            return Contradiction(word, other.negations % 2 == 1)
    return None
