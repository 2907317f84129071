"""topic: what the documents are about, found once per run, so every statement can name its subject.

The candidates come from the documents themselves: the nouns (Japanese: SudachiPy's compounds; other
languages: words and word pairs) that occur most often across the documents and in their titles. One
model request then names the subject as a short noun phrase and picks its key terms; terms that do not
occur in the documents are dropped, and when the answer is unusable the most frequent candidate is the
subject. The topic goes into every generate request (「主題: …」) and into the `off-topic` rule.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Callable

from pydantic import BaseModel, ConfigDict, Field

from ..models import Attempt, Document, Language
from ..prompts import load_system_user_prompt
from ..providers.base import CompletionRequest, Message, Provider
from ..io.markup import clean_markup
from ..language.text import is_not_content, normalize_for_matching
from ..rules import LANGUAGE_NAMES, Topic, documents_vocabulary
from .ask import ask

CANDIDATES = 12
_EN_STOPWORDS = frozenset("""the a an and or but of to in on at for with from by is are was were be been will would
should can could must may this that these those it its their they we our you your he she his her not no as if so than
then there here which who what when where why how all any some more most less many much such also only very just
into over under about after before between during per each other same new would said says said one two""".split())
_EN_WORD = re.compile(r"[A-Za-z][A-Za-z'-]+")


class TopicAnswer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic: str
    terms: list[str] = Field(default_factory=list)


def subject_texts(documents: list[Document]) -> list[str]:
    """What the subject is found in, per document: its title twice, then its text without navigation
    (「会議録を見る」 and breadcrumbs repeat on every page and would outweigh the document's own words). A comment
    file's title is its file name, not what it discusses; its first comments speak for it no more than the rest."""
    texts = []
    for document in documents:
        text = document.text
        if document.rows:  # a sample from all over the file, the same whatever order its rows are in
            text = "\n".join(row.text for row in sorted(document.rows, key=lambda row: hashlib.sha256(
                row.text.encode("utf-8")).hexdigest()))
        lines = clean_markup(text[:20_000]).splitlines()
        titles = [] if document.rows else [document.title, document.title]
        texts.append("\n".join(titles + [line for line in lines if not is_not_content(line)]))
    return texts


def noun_candidates(documents: list[Document], language: Language) -> list[str]:
    """The documents' nouns and noun phrases most likely to name their subject: found in many of the
    documents (titles count double), frequent, and specific (a compound of several words before one word
    alone). Words that only qualify (「必要」, 「重要」) are left out."""
    counts: Counter = Counter()
    document_frequency: Counter = Counter()
    for text in subject_texts(documents):
        if language == "ja":
            from ..language.morphology import compound_nouns

            terms = compound_nouns(text)
        else:
            words = [w.casefold() for w in _EN_WORD.findall(text)]
            terms = [w for w in words if w not in _EN_STOPWORDS and len(w) > 3]
            terms += [f"{a} {b}" for a, b in zip(words, words[1:])
                      if a not in _EN_STOPWORDS and b not in _EN_STOPWORDS and len(a) > 2 and len(b) > 2]
        counts.update(terms)
        document_frequency.update(set(terms))
    if language == "ja":
        from ..language.morphology import word_count, is_qualifier

        specificity = {term: min(word_count(term), 3) for term, _ in counts.most_common(CANDIDATES * 6)}
        counts = Counter({term: count for term, count in counts.items()
                          if term in specificity and not is_qualifier(term)})
    else:
        specificity = {term: min(len(term.split()), 3) for term in counts}

    def score(term: str) -> float:
        return document_frequency[term] * math.log1p(counts[term]) * (1 + 0.5 * (specificity.get(term, 1) - 1))

    ranked = sorted((term for term in counts if len(term) >= 2 and counts[term] >= 2), key=score, reverse=True)
    return ranked[:CANDIDATES] or [term for term, _ in counts.most_common(CANDIDATES)]


def topic_of_subjects(documents: list[Document], language: Language, subjects: list[str]) -> Topic:
    """The topic made of the subjects a model named while reading the documents (the document strategy's one
    request): the first that the documents write is the subject, every one they write a key term; when none is
    written in the documents, their most used noun phrase is the subject."""
    corpus = normalize_for_matching("\n".join(document.text for document in documents))

    def in_documents(term: str) -> bool:
        key = normalize_for_matching(term)
        return len(key) >= 2 and key in corpus

    vocabulary = documents_vocabulary(subject_texts(documents), language)
    named = [core_subject(subject, language) for subject in subjects if subject.strip()]
    written = [name for name in named if in_documents(name)]
    words = [word for name in named for word in _words_of(name, language) if in_documents(word)]
    if not written and not words:
        found, _ = find_topic(documents, language, None)
        return Topic(named[0] if named else found.name, found.terms, vocabulary)
    name = (written or named)[0]
    return Topic(name, tuple(dict.fromkeys(written + words))[:12], vocabulary)


def topic_request(documents: list[Document], candidates: list[str], language: Language) -> CompletionRequest:
    prompt = load_system_user_prompt("topic.yaml")
    titles = "\n".join(f"- {document.title}" for document in documents[:20])
    return CompletionRequest.asking_for(TopicAnswer, [
        Message(role="system", content=prompt.system.format(language_name=LANGUAGE_NAMES[language])),
        Message(role="user", content=prompt.user.format(titles=titles, candidates=", ".join(candidates)))],
        temperature=0.0, max_tokens=160)


def find_topic(documents: list[Document], language: Language, provider: Provider | None,
               on_attempt: Callable[[Attempt], None] | None = None,
               given: str | None = None) -> tuple[Topic, list[Attempt]]:
    """The subject and its key terms (every term occurs in the documents). A subject the facilitator
    gives (--topic) is taken as it is, and no model is asked."""
    corpus = normalize_for_matching("\n".join(document.text for document in documents))

    def in_documents(term: str) -> bool:
        key = normalize_for_matching(term)
        return len(key) >= 2 and key in corpus

    vocabulary = documents_vocabulary(subject_texts(documents), language)
    if given:
        terms = [term for term in [given] + _words_of(given, language) if in_documents(term)]
        return Topic(given, tuple(dict.fromkeys(terms))[:8], vocabulary), []
    candidates = noun_candidates(documents, language)

    attempts: list[Attempt] = []
    if provider is not None and candidates:
        checks = [0]

        def check(answer: TopicAnswer) -> list[str]:
            checks[0] += 1
            if not answer.topic.strip() or len(answer.topic) > 60:
                return ["topic: name the subject as a short noun phrase"]
            if not any(in_documents(term) for term in answer.terms + [answer.topic]):
                return ["terms: copy the key terms exactly from the documents, for example from the candidates"]
            foreign = unattested_parts(answer.topic.strip(), corpus, language)
            if foreign:
                # A small multilingual model may slip into another language (「無痛分娩費用的公費助成」, 「选择」);
                # the subject starts every statement, so it must be written in the documents' own words.
                return [f"topic: 「{'」「'.join(foreign)}」 is not written in the documents; name the subject with "
                        "the documents' own words"]
            if checks[0] == 1 and is_bare_word(answer.topic.strip(), language):
                # One word alone (「自治体」, "city") names who or where, rarely what is decided; ask once more.
                return [f"topic: 「{answer.topic.strip()}」 alone is too broad; name what is done or changed about it, "
                        "combining words from the titles"]
            return []

        asked = ask(provider, topic_request(documents, candidates, language), TopicAnswer, purpose="topic",
                    check=check, max_attempts=2, on_attempt=on_attempt, retry=lambda problems: "; ".join(problems))
        attempts = asked.attempts
        if asked.answer is not None:
            name = core_subject(asked.answer.topic, language)
            if is_bare_word(name, language):
                # Still one bare word after the re-ask: the documents' best phrase that contains it says more
                # (「費用」 → 「無痛分娩費用」, 「自治体」 → 「自治体DX」).
                name = next((c for c in candidates if name in c and c != name and not is_bare_word(c, language)), name)
            terms = [t.strip() for t in dict.fromkeys([name] + asked.answer.terms) if in_documents(t)]
            terms += [t for t in _words_of(name, language) if in_documents(t) and t not in terms]
            return Topic(name, tuple(terms[:8]), vocabulary), attempts
    top = next((c for c in candidates if not is_bare_word(c, language)), candidates[0]) if candidates else (
        documents[0].title if documents else "")
    return Topic(top, tuple(t for t in candidates[:3] if in_documents(t)), vocabulary), attempts


_JA_ABOUT = re.compile(r"(.{2,}?)(?:に関する|についての|について|をめぐる|に係る|に関わる|の検討|の議論|の是非)")
_EN_ABOUT = re.compile(r"^(?:(?:a |the )?(?:summary|report|minutes|discussion|consultation|debate|review)s? "
                       r"(?:of|on|about|into) )(.{3,})$", re.I)


def unattested_parts(phrase: str, corpus: str, language: Language) -> list[str]:
    """Parts of a Japanese subject that the documents never write: a character they do not use (「选」), or a
    suffix joined to a word in a way they never join it (「費用的」). Particles between words are free."""
    if language != "ja":
        return []
    from ..language.morphology import morphemes

    found: list[str] = []
    pieces = morphemes(phrase)
    for index, piece in enumerate(pieces):
        if piece.pos[0] in ("助詞", "補助記号", "空白"):
            continue
        if any(normalize_for_matching(char) and normalize_for_matching(char) not in corpus for char in piece.surface):
            found.append(piece.surface)
        elif piece.pos[0] == "接尾辞" and index > 0 and pieces[index - 1].pos[0] != "助詞":
            joined = pieces[index - 1].surface + piece.surface
            if normalize_for_matching(joined) not in corpus:
                found.append(joined)
    return found


def core_subject(phrase: str, language: Language) -> str:
    """What a phrase is about, without the meeting or report around it: 「無痛分娩の公費助成に関する検討会」 →
    「無痛分娩の公費助成」, "consultation on a congestion charge" → "a congestion charge"."""
    phrase = phrase.strip().strip("「」『』\"'")
    match = (_JA_ABOUT if language == "ja" else _EN_ABOUT).match(phrase)
    return match.group(1).strip() if match else phrase


def is_bare_word(phrase: str, language: Language) -> bool:
    """A subject of one plain word: 「自治体」 or "city" (a compound such as 「無痛分娩」 or "congestion charge"
    is not bare)."""
    if language == "ja":
        from ..language.morphology import word_count

        return word_count(phrase) <= 1 or (len(phrase) <= 3 and word_count(phrase) <= 2)
    return len([w for w in _EN_WORD.findall(phrase.casefold()) if w not in _EN_STOPWORDS]) <= 1


def _words_of(phrase: str, language: Language) -> list[str]:
    """The content words of a phrase, longest first: 「無痛分娩費用の公費助成」 → 公費助成, 分娩費用, …"""
    if language == "ja":
        from ..language.morphology import compound_nouns

        return sorted(dict.fromkeys(compound_nouns(phrase)), key=len, reverse=True)
    return [w for w in _EN_WORD.findall(phrase.casefold()) if w not in _EN_STOPWORDS and len(w) > 3]
