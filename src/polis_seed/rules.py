"""The one rule engine: what makes a seed statement usable, as structured findings.

`generate` rejects an answer on any finding and sends the messages back to the model; `lint`, the
review sheet and the report show the same findings to a person. Each rule has a name, a severity,
the languages it knows (a rule that only knows Japanese and English says so for other languages
instead of guessing), and a message that says what to do.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from rapidfuzz import fuzz

from .language.text import is_question, normalize_for_matching, statement_language
from .models import Reason, said

Severity = Literal["error", "warning", "info"]
JA_EN = frozenset({"ja", "en"})
# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A statement this close to its source sentence (rapidfuzz ratio on normalised text) is a copy,
# not a claim written for voting.
NEAR_COPY_RATIO = 85.0
# Share of a statement's content units that must also occur in its source sentence.
MIN_SOURCE_OVERLAP = 0.25


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    message: str  # in English
    line: int | None = None
    reason: Reason | None = None  # the message as an id and parameters (messages.py), to say in a page's language

    @classmethod
    def of(cls, severity: Severity, reason: Reason, line: int | None = None) -> Finding:
        return cls(reason.rule, severity, reason.text(), line, reason)

    def text(self, language: str = "en") -> str:
        """The message in a page's language (English for a finding made without a reason)."""
        return self.reason.text(language) if self.reason else self.message

    def as_dict(self) -> dict:
        return {"line": self.line, "rule": self.rule, "severity": self.severity, "message": self.message}

    def as_reason(self) -> str:
        """The form sent back to a model and stored with a dropped candidate: 'rule: what to do'."""
        return f"{self.rule}: {self.message}"


@dataclass(frozen=True)
class Topic:
    """What the documents are about, so statements can be checked to name it: the subject, its key terms, and
    the noun phrases the documents use (normalised), any of which a statement may start with."""

    name: str
    terms: tuple[str, ...] = ()
    vocabulary: str = ""  # the documents' text, normalised (documents_vocabulary)


@dataclass(frozen=True)
class VoteLength:
    target: int  # what prompts ask for
    most: int  # longer than this, a generated statement is sent back
    limit: int  # the "never more than" a prompt says


# Seed statements of 15-50 Japanese characters or up to about 100 English ones vote best (QUALITY.md): the length
# a prompt asks for, and the most a generated statement may have.
VOTE_LENGTHS = {"ja": (45, 60), "en": (70, 100)}
# English's most is the limit of an English list, which prompts say and a --max-chars the user gave replaces.
# Japanese's is where a Japanese statement stops voting well, under the limit the prompts say (--max-chars).
_MOST_IS_THE_LIMIT = frozenset({"en"})


def vote_length(language: str | None, max_chars: int, max_chars_given: bool = False) -> VoteLength:
    """What a run asks for and keeps to, under the hard limit. `max_chars_given`: --max-chars came from the user
    (flag or config file), so an English list may be as long as it says (--max-chars 140: up to 140)."""
    language = language if language in VOTE_LENGTHS else "en"
    target, most = VOTE_LENGTHS[language]
    if language not in _MOST_IS_THE_LIMIT:
        return VoteLength(min(target, max_chars), min(most, max_chars), max_chars)
    most = max_chars if max_chars_given else min(most, max_chars)
    return VoteLength(min(target, most), most, most)


@dataclass(frozen=True)
class Context:
    """What a statement is checked against. `language` is the language asked for (generate); when
    None each statement's own language decides which rules apply."""

    max_chars: int
    language: str | None = None
    min_chars: int = 0
    source: str | None = None
    topic: Topic | None = None
    vote_chars: int | None = None  # generate: longer than this is sent back (see vote_length)
    quote: str | None = None  # lint, the report: the passage a statement cites (generate checks against `source`)


def run_context(language: str, max_chars: int, max_chars_given: bool = False, topic: Topic | None = None) -> Context:
    """The context generate checks a statement in, without its source passage: what the review page checks a
    statement the facilitator types against (the run's language, length targets and subject)."""
    length = vote_length(language, max_chars, max_chars_given)
    return Context(max_chars=max_chars, language=language, min_chars=min(length.target, 12 if language == "ja" else 25),
                   topic=topic, vote_chars=length.most)


@dataclass(frozen=True)
class Rule:
    name: str
    severity: Severity
    finds: str
    check: Callable[[str, Context, str], Reason | None]
    languages: frozenset[str] | None = None  # None: any language


def rule_of(reason: str) -> str:
    """The rule a reason names: 'too-long: it is 150 characters…' → 'too-long'."""
    return reason.split(":", 1)[0]


# ----- the checks: each returns what to do (a message of messages.py), or None ---------------------------------

def _too_long(text: str, context: Context, language: str) -> Reason | None:
    if len(text) > context.max_chars:
        return said("too-long", length=len(text), limit=context.max_chars)
    return None


# A clause left open: a conjunction or an article last. A preposition last is ordinary English ("people I
# disagree with", "as they used to"), so prepositions are not on the list.
_OPEN_END_EN = re.compile(r"\b(?:and|or|nor|but|because|if|the|a|an|than)$", re.I)
# "It is the system, with …, that causes …": a cleft sentence names its subject after "It is".
_CLEFT_EN = re.compile(r"^it(?:'s|’s|\s+(?:is|was|isn't|wasn't|is not|was not))\s.+?\b(?:that|who|which)\b", re.I)


def _fragment(text: str, context: Context, language: str) -> Reason | None:
    body = text.strip().rstrip("。.!！、,…")
    if language == "ja":
        from .language.morphology import ends_mid_sentence

        stops = ends_mid_sentence(body)
    else:
        stops = bool(_OPEN_END_EN.search(body))
    return said("fragment") if stops else None


def _long(text: str, context: Context, language: str) -> Reason | None:
    if context.vote_chars and context.vote_chars < context.max_chars and len(text) > context.vote_chars:
        return said("long", length=len(text), most=context.vote_chars)
    return None


def _too_short(text: str, context: Context, language: str) -> Reason | None:
    if context.min_chars and len(text) < context.min_chars:
        return said("too-short", length=len(text), least=context.min_chars)
    return None


def _question(text: str, context: Context, language: str) -> Reason | None:
    return said("question") if is_question(text) else None


def _formula(text: str, context: Context, language: str) -> Reason | None:
    if text.startswith(FORMULA_STARTS):
        return said("formula", start=text[0])
    return None


def _wrong_language(text: str, context: Context, language: str) -> Reason | None:
    if context.language and statement_language(text) != context.language:
        return said("language", language=context.language)
    return None


LANGUAGE_NAMES = {"ja": "Japanese", "en": "English"}

# Japanese: 〜し、 / 〜であり、 / 〜ており、 join two clauses; 、また / 、さらに add a second claim; a
# concession followed by "…も" (「…をもたらすが、課題も存在する」) weighs two claims against each other.
_COMPOUND_JA = re.compile(
    r"[^、。]{2,}(?:し|であり|ており|ていて|くて|だし|でもあり)、[^、。]{2,}"
    r"|、(?:また|さらに|かつ|しかも|加えて)"
    r"|[^、。]{4,}が、[^。]*も(?:ある|あり|存在|多い|残|必要|大きい|指摘)"
    r"|一方(?:で)?、")
# English: a second independent clause after '; ' or ', and/but' (a subject and a verb follow), or a
# second sentence. A list inside one claim ("parks, schools, and libraries need funding") and an
# example after a semicolon ("; e.g. …") are one claim.
_CLAUSE_START_EN = (r"(?:it|they|we|i|you|he|she|this|that|there|these|those|the\s+\w+|our\s+\w+|their\s+\w+|"
                    r"its\s+\w+)\s+(?:is|are|was|were|will|would|should|must|can|could|has|have|had|do|does|"
                    r"did|need|needs|cost|costs|make|makes|take|takes|help|helps|hurt|hurts)\b")
_SECOND_CLAUSE_EN = re.compile(rf";\s+(?!e\.?g\b|i\.?e\b|ex\b|for example|such as)\w|,\s+(?:and|but|while|whereas)\s+"
                               rf"{_CLAUSE_START_EN}", re.I)
_SENTENCE_BREAK_EN = re.compile(r"([A-Za-z]+)[.!]\s+(?!(?:For instance|For example|See|E\.?g\.?|Like|Such as|Example)\b)"
                                r"([A-Z][a-z']*(?:\s+\S+){2,})")
_ABBREVIATIONS_EN = frozenset("e.g i.e eg ie etc vs st rd dr mr mrs ms no ave blvd ln hwy co inc ltd jr sr govt dept".split())


def _compound(text: str, context: Context, language: str) -> Reason | None:
    body = text.rstrip("。. ")
    if language == "ja":
        found = _COMPOUND_JA.search(body)
    else:
        found = _SECOND_CLAUSE_EN.search(body) or any(
            match.group(1).casefold() not in _ABBREVIATIONS_EN and len(match.group(1)) > 1
            and len(body[:match.start(2)].split()) >= 3  # "Casinos. Bring them here." is one proposal
            for match in _SENTENCE_BREAK_EN.finditer(body))
    return said("compound") if found else None


OPINION_MARKERS = (
    "べき", "必要", "重要", "大切", "良い", "よい", "悪い", "望ましい", "できる", "できない", "につながる", "向上",
    "改善", "悪化", "問題", "リスク", "効果", "メリット", "デメリット", "負担", "難しい", "容易", "賛成", "反対",
    "妥当", "過大", "不十分", "十分", "見合", "高すぎ", "安すぎ", "多すぎ", "少なすぎ", "役立", "役に立", "損な", "妨げ",
    "should", "must", "need", "better", "worse", "risk", "benefit", "good", "bad", "can", "cannot", "will",
    "worth", "too", "important", "harm", "help", "fair", "unfair", "enough", "ought",
)
_DIGIT = re.compile(r"\d")


def _has_opinion_marker(text: str) -> bool:
    lowered = text.casefold()
    return any(marker in lowered for marker in OPINION_MARKERS)


def _not_votable(text: str, context: Context, language: str) -> Reason | None:
    """Mostly a number: nothing to agree or disagree with, in any language."""
    characters = [ch for ch in unicodedata.normalize("NFKC", text) if ch.isalnum()]
    if characters and sum(ch.isdigit() for ch in characters) >= 0.5 * len(characters):
        return said("not-votable")
    return None


# A figure as the whole predicate: 「予算は3億円」, "The budget was 4 million dollars", "I am between 20 and 25".
_FIGURE_PREDICATE_JA = re.compile(r"[はが](?:約|およそ|年間|毎年|計)?[\d０-９][\d０-９.,，．]*[^\s、。はがを]{0,6}"
                                  r"(?:程度|ほど|以上|以下|前後)?(?:だ|です|である|だった|でした)?$")
_FIGURE_PREDICATE_EN = re.compile(r"(?:\b(?:is|are|was|were|am|be)\b|:)\s+(?:about|around|over|under|nearly|almost|only|"
                                  r"approximately|between|less than|more than|up to)?\s*[$£€¥]?\d[\d,.]*%?"
                                  r"(?:\s+(?:and|to)\s+[$£€¥]?\d[\d,.]*%?)?(?:\s+[\w-]+){0,3}$"
                                  # what someone or something has, counted: "Minneapolis has 20 miles of bike lanes"
                                  r"|\b(?:has|have|had)\s+(?:about|around|over|under|nearly|almost|only|approximately|"
                                  r"less than|more than|up to)?\s*[$£€¥]?\d[\d,.]*%?(?:\s+[\w-]+){0,5}$", re.I)


# A figure as the subject, a share or a count of people or things: "Around 12.7% of adults in England smoke", "One in
# five renters moved last year".
_NUMBER_WORDS_EN = r"(?:\d[\d,.]*|one|two|three|four|five|six|seven|eight|nine|ten|a hundred|a thousand)"
_FRACTIONS_EN = r"(?:half|a third|one third|two thirds|a quarter|one quarter|three quarters|a fifth|one fifth)"
_FIGURE_SUBJECT_EN = re.compile(
    r"^(?:about|around|nearly|almost|over|under|only|some|approximately|roughly|just|more than|less than|fewer than|"
    rf"up to)?\s*(?:[$£€¥]?\d[\d,.]*\s*(?:%|percent|per cent)\s+of|{_FRACTIONS_EN}\s+of|{_NUMBER_WORDS_EN}\s+"
    rf"(?:in|out of)\s+(?:every\s+)?{_NUMBER_WORDS_EN})\s", re.I)


def _bare_figure(text: str, context: Context, language: str) -> Reason | None:
    """A figure that is the whole predicate, or a share as the subject, with no word of judgement (Japanese and
    English)."""
    body = text.strip().rstrip("。.!！")
    if language == "ja":
        found = _FIGURE_PREDICATE_JA.search(body)
    else:
        found = _FIGURE_PREDICATE_EN.search(body) or (_FIGURE_SUBJECT_EN.search(body) and not _MODAL_EN.search(body))
    if found and not _has_opinion_marker(body):
        return said("bare-figure")
    return None


# A report of what happened or is being done: past tense, or "is actually being carried out".
_PAST_JA = re.compile(r"(?:た|ました|だった|でした|された|られた)[。]?$")
# "Is actually being done": a report whatever words of judgement it holds.
_DONE_JA = re.compile(r"(?:実際に|既に|すでに)[^。]*(?:ている|ています|てきた)[。]?$"
                      r"|(?:行われ|実施され|導入され|開始され)(?:ている|ています)[。]?$")
_FACT_REPORT_EN = re.compile(r"\b(?:was|were|has been|have been|had been)\s+(?:\w+ed|held|built|made|done|closed|opened|"
                             r"cut|shut|set up)\b|\b(?:announced|reported|approved|launched|decided|opened|closed|"
                             r"passed|introduced|began|started)\s+(?:the|a|an|its|their|our|this|that|in|on|last)\b",
                             re.I)
_MODAL_EN = re.compile(r"\b(?:should|must|need|needs|ought|would|could|can|will|better|worse|too|more|less)\b", re.I)

# A present-tense report of how things stand, with no judgement in it (English):
# existential: "There are bike lanes in Highland Park";
_EXISTENTIAL_EN = re.compile(r"^there\s+(?:is|are|was|were|remains?|exists?|has been|have been)\b"
                             r"(?!\s+(?:nothing|nobody|no one|little)\b)", re.I)  # "there is nothing … about": a view
# locative and status: "Finance & Commerce is located in Minneapolis", "The pool is closed on Mondays", "The depot is on
# Pierce Butler Route";
_LOCATED_EN = re.compile(r"\b(?:is|are|was|were)\s+(?:(?:now|still|also|currently)\s+)?(?:located|based|situated|"
                         r"headquartered|housed|held|open|closed|available)\b"
                         r"|\b(?:is|are)\s+(?:in|at|on|near|along|inside|outside|beside|behind|between|next to|across from)"
                         r"\s+(?:the\s+)?[A-Z]")
# what is going on: "Ramsey County is still considering the plan", "Residents are currently waiting for a decision";
_ONGOING_EN = re.compile(r"\b(?:is|are)\s+(?:still|currently|now|already|presently)\s+[a-z]+ing\b")
# and what a named body does or is: a name (two capitalised words or more, "Metro Transit", "Finance & Commerce", "The
# City Council") or an institution ("the council", "The county board") with a verb in the present, its perfect or its
# progressive, or a noun phrase after is: "Ramsey County operates 12 libraries", "The council has approved the plan",
# "Metro Transit is reviewing the routes", "Ramsey County is a county in Minnesota".
_CAPITALISED = r"[A-Z][\w.'’-]*"
_INSTITUTION_EN = (r"(?:council|city|county|state|government|board|committee|commission|department|agency|authority|"
                   r"district|legislature|parliament|senate|assembly|mayor|governor|ministry|administration|company|"
                   r"corporation|university|police|court|library|museum|hospital|trust|bureau|office|center|centre|"
                   r"service|association|union|foundation|school|sheriff|township|borough|utility|utilities|"
                   r"operator|provider)s?")
# "The City Council", "Metro Transit", "the county board", "The transit agency", "The housing authority".
_NAMED_BODY_EN = (rf"(?:[Tt]he\s+)?(?:{_CAPITALISED}(?:\s+(?:&\s+|of\s+|and\s+|for\s+)?{_CAPITALISED})+"
                  rf"|(?:{_CAPITALISED}\s+)*(?:[a-z][\w-]*\s+){{0,2}}(?i:{_INSTITUTION_EN})(?:\s+(?i:{_INSTITUTION_EN}))?)")
_BODY_DOES_EN = re.compile(rf"^{_NAMED_BODY_EN}\s+(?:(?:is|are)\s+(?:[a-z]+ly\s+)?[a-z]+ing\b|(?:is|are)\s+(?:a|an|the|one)\s"
                           rf"|(?:has|have|had)\b(?!\s+to\b)|(?!(?:is|was|has|does)\b)(?P<verb>[a-z]+s)\b)")
# "may" in lower case only: "from May to October" is a month.
_NAMED_BODY_START_EN = re.compile(rf"{_NAMED_BODY_EN}(?=\s)")
_HEDGE_EN = re.compile(r"\b(?i:might|maybe|perhaps|probably|likely|hopefully)\b|\bmay\b")


# A stance or a decision someone takes ("The council supports the plan") reports the stance: the sentiment of these
# verbs is their object's, not the writer's judgement.
_STANCE_VERBS_EN = re.compile(r"^(?:support|oppose|back|approve|reject|endorse|favou?r|welcome|delay|postpone|vote|"
                              r"adopt|pass|agree|disagree|recommend|propose|request|urge|deny|denie|grant)"
                              r"(?:s|d|ed|ing)?$", re.I)


def _judges_en(text: str, reported: bool = False, subject_chars: int = 0) -> bool:
    """Whether an English sentence holds a judgement: a word of opinion or a modal, a comparison, or a word with a
    sentiment (VADER) outside the names it mentions ("Grand Ave" is a name, not praise) and the stance it reports.
    `reported`: the sentence reports a stance someone took ("The Welsh Government supports the ban on vapes"), so
    what follows the stance verb is what the stance is about, and its sentiment ("ban") is not the writer's.
    `subject_chars`: the sentence starts with that many characters of a body's name ("The housing authority"), whose
    words are a name, not a judgement."""
    if _has_opinion_marker(text) or _MODAL_EN.search(text) or re.search(r"\bthan\b|\benough\b", text, re.I):
        return True
    words = []
    for index, word in enumerate(text[subject_chars:].split(), start=1 if subject_chars else 0):
        if _STANCE_VERBS_EN.match(word.strip(".,;:!")):
            if reported and index:
                break
            continue
        if index == 0 or not word[:1].isupper():
            words.append(word)
    from .language.sentiment import sentiment

    return abs(sentiment(" ".join(words))) >= 0.05


def _english_parts_of_speech(word: str) -> set[str]:
    from lemminflect import getAllLemmas

    return set(getAllLemmas(word.casefold()))


def _named_body_does(text: str) -> bool:
    """What a named body does or is: the name starts the sentence (not "As BG grows, …"), and a verb in -s is a verb
    ("city officials look" is a noun and a verb)."""
    from .language.text import _FUNCTION_WORDS

    first = text.split(maxsplit=1)[0].casefold() if text.split() else ""
    match = _BODY_DOES_EN.search(text)
    if match is None or (first != "the" and first in _FUNCTION_WORDS["en"]):
        return False
    return match.group("verb") is None or "VERB" in _english_parts_of_speech(match.group("verb"))


def _describes_with_an_adjective(text: str) -> bool:
    """A lower-case word that is only an adjective ("There are large fees", "dangerous intersections"): in a sentence
    of what there is, the adjective is where a judgement sits."""
    return any(_english_parts_of_speech(word) == {"ADJ"} for word in re.findall(r"\b[a-z][a-z-]+\b", text))


def _reports_state_en(text: str) -> bool:
    """A plain report of how things stand or what happened: there is …, … is located in …, … runs from … to …, … is
    still considering …, what a named body does or is, what a document says ("The ordinance requires …"), an event
    at a time ("The meeting starts at 6 p.m."), or what someone did (a verb in the past), with no judgement (a view
    about any of these is not a report)."""
    if _imperative(re.findall(r"[A-Za-z'’-]+", text)):
        return False  # "Ensure BG is a national leader …" asks for something, whatever follows
    existential = bool(_EXISTENTIAL_EN.search(text))
    body = _named_body_does(text) or _name_does(text)
    if not (existential or _located(text) or _ONGOING_EN.search(text) or body
            or _DOCUMENT_SAYS_EN.search(text) or _AT_A_TIME_EN.search(text) or _past_main_verb(text)):
        return False
    if existential and _describes_with_an_adjective(text):
        return False
    reported = bool(body and any(_STANCE_VERBS_EN.match(word) for word in re.findall(r"[a-z]+", text)[:6])) \
        or _past_main_verb(text, stance=True)
    document = _DOCUMENT_SAYS_EN.search(text)
    if document and not existential:  # what a document says is the document's: judged before its verb only
        return not (_judges_en(text[:document.end()]) or _HEDGE_EN.search(text))
    name = _NAMED_BODY_START_EN.match(text) if body else None
    return not (_judges_en(text, reported, name.end() if name else 0) or _HEDGE_EN.search(text))


# Where a thing runs or lies: "The bike lane runs from Ford Parkway to Highland Parkway", "The depot sits on …".
_ROUTE_EN = (r"|\b(?:runs?|goes|stretches|stretch|extends?|leads?)\s+(?:[a-z]+\s+){0,2}?from\s+\S.*\s+to\s+\S"
             r"|\b(?:lies|lie|sits|sit|stands|stand)\s+(?:in|at|on|near|along|beside|next to|across from)\s+(?:the\s+)?[A-Z]")
# Where or when something is done, in the passive: "Vapes are sold in corner shops across Wales", "Waste is collected
# on Mondays", "The meetings are streamed on the city's website".
_DONE_WHERE_EN = (r"|\b(?:is|are)\s+(?:(?:now|still|also|currently|usually|often|mostly|only)\s+)?[a-z]+(?:ed|en|wn|ld|lt|nt)"
                  r"\s+(?:in|at|on|across|throughout|every|each|from)\b")
_LOCATED_EN = re.compile(_LOCATED_EN.pattern + _ROUTE_EN + _DONE_WHERE_EN)
# A clause that is not the sentence's own: "… if they are used in a proportional system" says nothing of what is.
_SUBORDINATE_EN = re.compile(r"\b(?:if|when|whenever|unless|because|although|though|whether|where|while|that|which|"
                             r"who|once|until|so)\b|[,;:]", re.I)


def _located(text: str) -> bool:
    """Where something is, runs or is done, said in the sentence's own clause, not in an if- or that-clause."""
    match = _LOCATED_EN.search(text)
    return bool(match) and not _SUBORDINATE_EN.search(text[:match.start()])


# What a document says: a law, plan or report as the subject of a verb of content ("The ordinance requires two
# spaces per unit", "Ordinance 2026-002 removes the minimums", "The proposal includes a ban on disposable vapes").
_DOCUMENT_EN = (r"(?:ordinance|proposal|plan|bill|law|act|policy|code|rules?|regulations?|report|budget|permit|"
                r"amendment|agreement|resolution|consultation|strategy|programme|program|scheme|statement|paper|"
                r"memo(?:randum)?|contract|licen[cs]e|standard|guidance|draft|order|measure)")
_DOCUMENT_SAYS_EN = re.compile(
    rf"^(?:the|this|that|a|an|its|their)?\s*(?:[\w'’&-]+\s+){{0,3}}?(?i:{_DOCUMENT_EN})(?:\s+[\w-]*\d[\w-]*)?\s+"
    r"(?:requires?|includes?|allows?|permits?|proposes?|provides?|limits?|caps?|contains?|"
    r"covers?|defines?|bans?|prohibits?|lists?|exempts?|establishes|establish|removes?|replaces?|amends?|applies|"
    r"apply|takes? effect|calls? for|says?|states?|describes?|outlines?|names?|sets?)\b", re.I)
# An event at a time: a clock time, a day, a date or a year, or next / last week: "The meeting starts at 6:00 p.m.",
# "The new park opens next spring", "The council votes on the ordinance next week".
_MONTHS_EN = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_DAYS_EN = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)s?"
_AT_A_TIME_EN = re.compile(
    rf"\b\d{{1,2}}(?::\d{{2}})?\s*(?:a\.m\.?|p\.m\.?|am\b|pm\b)|\b(?:on|by|until|from|since|before|after)\s+{_DAYS_EN}\b"
    rf"|\b{_MONTHS_EN}\s+\d{{1,2}}\b|\b\d{{1,2}}\s+{_MONTHS_EN}\b|\b(?:in|since|until|by|from)\s+(?:{_MONTHS_EN}|(?:19|20)\d\d)\b"
    r"|\b(?:next|last|this|coming)\s+(?:week|month|year|spring|summer|autumn|fall|winter|term|session|"
    rf"{_DAYS_EN})\b|\b(?:yesterday|tomorrow|tonight|ago)\b")


def _name_does(text: str) -> bool:
    """A one-word name that is no word of English (lemminflect's dictionary), then a verb in the present: "Columbia
    currently allows up to 210 nights", "Seward requires two spaces per unit"."""
    words = re.findall(r"[\w'’-]+", text)
    if len(words) < 3 or not words[0][:1].isupper() or "-" in words[0] or _english_parts_of_speech(words[0]):
        return False
    verb = words[2] if words[1].casefold() in ("currently", "now", "still", "already", "also", "only") else words[1]
    return verb.casefold() not in ("is", "was", "has", "does") and _present_form(verb, also_a_noun=True) \
        and verb.endswith("s")


# A past form after a preposition's noun describes that noun ("a say in decisions made about …").
_PREPOSITIONS_EN = frozenset("in on at for about with to from by into over under after before".split())
# Words after which a past form is an adjective or a participle, not the sentence's verb ("the closed road", "is
# closed", "has approved" (the perfect is read by the named-body rule), "to be held").
_BEFORE_A_PARTICIPLE_EN = frozenset("""the a an this that these those its their our my your his her some any no each
every is are was were be been being has have had get gets got newly recently""".split())


def _past_form(word: str) -> bool:
    """A verb's simple past, and only that: "published", "went", "recommended"; not "cut", "put" or "read", which are
    also its present, nor a word that is also a noun or an adjective ("left", "felt", "closed")."""
    from lemminflect import getAllInflections, getAllLemmas

    lemmas = getAllLemmas(word)
    if set(lemmas) != {"VERB"}:
        return False
    for lemma in lemmas["VERB"]:
        forms = getAllInflections(lemma, upos="VERB")
        if word in forms.get("VBD", ()) and not any(word in forms.get(tag, ()) for tag in ("VB", "VBP", "VBZ")):
            return True
    return False


def _past_main_verb(text: str, stance: bool = False) -> bool:
    """The sentence's verb is in the past: the first verb after its subject ("The Department of Health published a
    paper in October", "The commission recommended approval", "Residents complained about the noise"), not a past
    form that describes a noun ("Rentals located in the ward bring money": a verb in the present follows)."""
    words = re.findall(r"[A-Za-z'’-]+", text)
    if _imperative(words):
        return False  # an imperative ("Give them the power to influence decisions made …") asks, it does not report
    for index in range(1, min(len(words), 10)):
        word = words[index]
        if word[:1].isupper():
            continue
        if _past_form(word):
            if words[index - 1].casefold() in _BEFORE_A_PARTICIPLE_EN or (stance and not _STANCE_VERBS_EN.match(word)):
                return False
            if any(w.casefold() in _PREPOSITIONS_EN for w in words[:index]):
                return False
            rest = [w for w, before in zip(words[index + 1:], words[index:]) if not w[:1].isupper()
                    and before.casefold() != "to"]  # "voted to extend": an infinitive, not a verb in the present
            return not any(_present_form(w) for w in rest)
        if _present_form(word) or word.casefold() in ("is", "are", "am", "do", "does", "has", "have"):
            return False
    return False


def _imperative(words: list[str]) -> bool:
    """A sentence that starts with a verb's base form: one that is no noun ("Eliminate …"), or one followed by an object
    ("Give them …", "Build more …", "Keep the …")."""
    from lemminflect import getAllLemmas

    if not words:
        return False
    first = words[0].casefold()
    lemmas = getAllLemmas(first)
    if first not in lemmas.get("VERB", ()):
        return False
    return "NOUN" not in lemmas or (len(words) > 1 and words[1].casefold() in _OBJECT_STARTS_EN)


_OBJECT_STARTS_EN = frozenset("them him her us it me you the a an more less all every our their its this that these "
                              "those some no".split())


def _present_form(word: str, also_a_noun: bool = False) -> bool:
    """A verb in the present that is no noun or adjective: "bring", "brings"; "keeps" is also a noun, so not, unless
    `also_a_noun` (where a verb is expected: "Columbia allows", "Seward limits")."""
    from lemminflect import getAllInflections, getAllLemmas

    lemmas = getAllLemmas(word)
    if "VERB" not in lemmas or (set(lemmas) != {"VERB"} and not also_a_noun):
        return False
    return any(word in getAllInflections(lemma, upos="VERB").get(tag, ())
               for lemma in lemmas["VERB"] for tag in ("VBP", "VBZ"))


# What was said or done at a meeting is a report whatever it was about: a predicate that is an act of speaking,
# proposing or deciding (「…について説明した」, 「…を提案します」, 「…を議論」), a stance someone took (「…に反対しました」),
# or an event on a day (「…は6月21日に開会する」).
_SPEECH_ACT_JA = re.compile(
    r"(?:提案|説明|議論|討論|報告|発言|質問|答弁|回答|表明|主張|要望|要請|提出|審議|可決|否決|採択|開会|閉会|開催|決定|"
    r"決議|申し上げ|述べ|尋ね|聞い|聞か)"
    r"(?:する|します|した|しました|している|しています|された|されました|される|されます|を行う|を行った|を行いました|"
    r"が行われた|ます|ました|た|れた|られた)?[。]?$")
_STANCE_TAKEN_JA = re.compile(r"(?:賛成|反対|支持)(?:した|しました|している|しています|された|されました)[。]?$")
_DAY_JA = re.compile(r"[0-9０-９一二三四五六七八九十]+月[0-9０-９一二三四五六七八九十]+日")

# A normative predicate: what someone should do is a view even when a person is its subject.
_NORMATIVE_JA = re.compile(r"べき|必要|ほうが(?:よい|良い|いい)|なければならない|てはならない|望ましい")


def _person_does(text: str) -> bool:
    """A Japanese statement whose subject is a named person (SudachiPy: 人名), 「石川委員が請願に賛成する」: it says
    what someone did or holds, not the view itself."""
    from .language.morphology import morphemes

    match = _JA_SUBJECT_END.search(text, 2)
    head = text[:match.start()] if match and match.start() <= 20 else ""
    if not head or _NORMATIVE_JA.search(text):
        return False
    # The subject's last noun compound names the person: the name itself, or the name and one title or suffix
    # (石川翼委員, 田中氏, 山田太郎市長). A name inside a longer compound or before の is part of a thing's name
    # (マイナ保険証の利用: SudachiPy reads マイナ as a given name).
    compound: list = []
    for morpheme in morphemes(head):
        compound = compound + [morpheme] if morpheme.pos[0] in ("名詞", "接尾辞", "接頭辞") else []
    named = [index for index, morpheme in enumerate(compound) if morpheme.pos[2:3] == ("人名",)]
    return bool(named) and len(compound) - named[-1] - 1 <= 1


def _fact_report(text: str, context: Context, language: str) -> Reason | None:
    stripped = text.strip().rstrip(".!。")
    if language == "ja":
        found = _DONE_JA.search(stripped) or (_PAST_JA.search(stripped) and not _has_opinion_marker(stripped)) \
            or _person_does(stripped) or (not _NORMATIVE_JA.search(stripped) and (
                _SPEECH_ACT_JA.search(stripped) or _STANCE_TAKEN_JA.search(stripped) or _DAY_JA.search(stripped)))
    else:
        found = (_FACT_REPORT_EN.search(stripped) and not _MODAL_EN.search(stripped)
                 and not _has_opinion_marker(stripped)) or _reports_state_en(stripped)
    return said("fact-report") if found else None


def _contradicts_quote(text: str, context: Context, language: str) -> Reason | None:
    from .language.polarity import contradicting_word

    cited = context.quote or context.source
    found = contradicting_word(text, cited) if cited else None
    if found is None:
        return None
    return said("contradicts-quote.negated" if found.negated_in_quote else "contradicts-quote.affirmed", word=found.word)


# Words that push a voter instead of stating a claim (Polis asks for neutral wording).
LOADED_WORDS_JA = ("絶対", "最悪", "最高の", "素晴らしい", "愚か", "馬鹿", "ひどい", "酷い", "論外", "当然", "明らかに",
                   "言うまでもなく")
LOADED_WORDS_EN = ("absurd", "stupid", "terrible", "disastrous", "ridiculous", "idiotic", "amazing", "insane", "pathetic")
# Sentence adverbs are loaded only as sentence adverbs: "clearly wrong", "is obviously", not "clearly marked".
_SENTENCE_ADVERBS_EN = re.compile(
    r"(?:^|[.!;:]\s*)(clearly|obviously|undeniably)\b"
    r"|\b(clearly|obviously|undeniably)\s+(?:the|a|an|not|better|worse|wrong|right|true|false|bad|good|best|worst|"
    r"stupid|failed|failing|broken|useless)\b", re.I)


def loaded_words(text: str, language: str) -> list[str]:
    lowered = text.casefold()
    if language == "ja":
        return [word for word in LOADED_WORDS_JA if word in lowered]
    found = [word for word in LOADED_WORDS_EN if re.search(rf"\b{word}\b", lowered)]
    found += [next(group for group in match.groups() if group).casefold()
              for match in _SENTENCE_ADVERBS_EN.finditer(text)]
    return list(dict.fromkeys(found))


def _loaded(text: str, context: Context, language: str) -> Reason | None:
    found = loaded_words(text, language)
    return said("loaded", words=found) if found else None


# A statement must say what it is about: not a pointer to a context the voter never sees.
_DEICTIC_START_JA = re.compile(r"^(?:この|その|あの|これ|それ|こうした|こういった|そうした|本(?:市|町|村|区|県|事業|取組|取り組み|計画|制度|件|施策|提案|システム)"
                               r"|同(?:市|町|村|区|県|社|事業|制度|計画)|当(?:市|町|村|区|県)|導入(?:により|によって|すると|で|は)"
                               r"|実施(?:により|によって|すると)|これにより|それにより)")
_DEICTIC_START_EN = re.compile(r"^(?:it|this|that|these|those|such|the\s+(?:change|proposal|plan|measure|initiative|policy|"
                               r"project|introduction|implementation|move|idea|above|same))\b"
                               # "It is important to …", "It should not take 3 months to …", "It is X that …", "Those
                               # who …", "The idea of …": the subject follows.
                               r"(?!(?:'s|’s)?\s+(?:\S+\s+){0,15}?(?:to\s+\w+|that|which|who|whether|if|when|how)\b)"
                               r"(?!\s+who\b)(?!\s+(?:of|to|for|that)\b)", re.I)


def _no_subject(text: str, context: Context, language: str) -> Reason | None:
    stripped = text.strip().lstrip("「『\"'")
    pattern = _DEICTIC_START_JA if language == "ja" else _DEICTIC_START_EN
    match = pattern.match(stripped)
    if match and not (language != "ja" and _CLEFT_EN.match(stripped)):
        return said("no-subject", start=match.group(0))
    return None


# Where a Japanese statement's subject ends: the first topic or subject particle after it.
_JA_SUBJECT_END = re.compile(r"(?:では|には|とは|について|にとって|は|が|も|を)")
_EN_VERB = re.compile(r"\b(?:is|are|was|were|will|would|should|must|can|could|may|might|has|have|had|does|do|"
                      r"needs?|makes?|helps?|costs?|gives?|brings?|leads?|puts?|takes?)\b", re.I)


def subject_phrases(text: str, language: str) -> set[str]:
    """The noun phrases a statement starts with (its subject), normalised: 「行政手続きのオンライン化は…」 →
    {行政手続き, オンライン化}; "Online forms will …" → {online, forms}."""
    if language == "ja":
        from .language.morphology import compound_nouns

        match = _JA_SUBJECT_END.search(text, 2)
        head = text[:match.start()] if match and match.start() <= 30 else text[:20]
        return {normalize_for_matching(noun) for noun in compound_nouns(head) if len(noun) >= 2}
    match = _EN_VERB.search(text)
    head = text[:match.start()] if match else " ".join(text.split()[:5])
    return {word for word in re.findall(r"[a-z][a-z'-]{3,}", head.casefold()) if word not in _STOPWORDS_EN}


def documents_vocabulary(texts: list[str], language: str) -> str:
    """The documents' text as phrases are looked up in it (normalised, one line per document)."""
    return "\n".join(normalize_for_matching(text) for text in texts)


def _used_by_documents(phrase: str, vocabulary: str, language: str) -> bool:
    if len(phrase) < 2:
        return False
    if language == "ja":
        from .language.morphology import is_qualifier

        if is_qualifier(phrase):
            return False
    return phrase in vocabulary


def _off_topic(text: str, context: Context, language: str) -> Reason | None:
    """A statement names its subject when it holds one of the subject's key terms, or when it starts with a
    phrase the documents themselves use (「行政手続きのオンライン化は…」 in documents on municipal IT)."""
    topic = context.topic
    if topic is None or not topic.terms:
        return None
    normalized = normalize_for_matching(text)
    if any(normalize_for_matching(term) in normalized for term in topic.terms):
        return None
    if topic.vocabulary and any(_used_by_documents(phrase, topic.vocabulary, language)
                                for phrase in subject_phrases(text, language)):
        return None
    return said("off-topic", terms=list(topic.terms[:3]))


_OWN_VOICE_JA = re.compile(r"当社|弊社|当行|弊行|当法人|弊法人|当協会|当団体|弊団体|我が社|わが社|当グループ|弊グループ|本会は")
_OWN_VOICE_EN = re.compile(r"\b(?:our|my)\s+(?:company|firm|organi[sz]ation|agency|business|team|group|association)\b"
                           r"|\bwe\s+at\s+\w+", re.I)


def _own_voice(text: str, context: Context, language: str) -> Reason | None:
    pattern = _OWN_VOICE_JA if language == "ja" else _OWN_VOICE_EN
    match = pattern.search(text)
    if match:
        return said("own-voice", phrase=match.group(0))
    return None


# A lower-case Latin word inside Japanese is a stray English word (「大規模 municipalitiesに」); acronyms
# (OSS, DX) and names (Google, SIer) are written with capitals.
_STRAY_LATIN_WORD = re.compile(r"(?<![A-Za-z])[a-z]{3,}(?![A-Za-z])")


def _mixed_language(text: str, context: Context, language: str) -> Reason | None:
    if language != "ja":
        return None
    words = [word for word in _STRAY_LATIN_WORD.findall(unicodedata.normalize("NFKC", text))
             if word not in ("http", "https", "www")]
    if words:
        return said("mixed-language", words=words[:3])
    return None


# An acronym: two or more capitals, digits allowed (FPTP, 18F, OMB, NHS).
_ACRONYM_EN = re.compile(r"(?<![\w'’-])(?=[A-Z0-9&]*[A-Z][A-Z0-9&]*[A-Z0-9]\b|[0-9]+[A-Z])[A-Z0-9][A-Z0-9&]*[A-Z0-9]s?"
                         r"(?![\w'’-])")


def unexplained_acronyms(text: str) -> list[str]:
    """Acronyms a participant may not know: three characters or more (two letters are mostly a place's code), not a
    word of general English (simplemma's English dictionary knows EU, GDP, COVID, NATO; a word in capitals, IT or
    STOP, is a word), and not explained in the statement (in brackets,
    next to brackets, or after the words its letters stand for: "first past the post (FPTP)")."""
    from simplemma import is_known

    if sum(ch.isupper() for ch in text) > 0.5 * sum(ch.isalpha() for ch in text):
        return []  # written in capitals throughout: shouting, not acronyms
    found = []
    for match in _ACRONYM_EN.finditer(text):
        word = match.group(0)
        bare = word[:-1] if word.endswith("s") and word[:-1].isupper() else word
        before, after = text[:match.start()].rstrip(), text[match.end():].lstrip()
        if before.endswith("(") or after.startswith("(") or is_known(bare, lang="en") or is_known(bare.lower(), lang="en") \
                or (len(bare) == 2 and bare.isalpha()):
            continue  # two letters: mostly a country's or a state's code (NZ, TN), which its people know
        initials = "".join(w[0] for w in re.findall(r"[A-Za-z]+", before)[-len(bare):]).upper()
        if bare.isalpha() and initials == bare.upper():
            continue
        found.append(word)
    return list(dict.fromkeys(found))


def _acronym(text: str, context: Context, language: str) -> Reason | None:
    found = unexplained_acronyms(text)
    return said("acronym", words=found) if found else None


# Braces, pipes, backslashes, backticks and carets do not occur in deliberate prose (a generated 「急迫}」
# does); '*', '#', '=', '>' do (Produzent*innen, #hashtag, =>), so they are left alone.
_STRAY_SYMBOL = re.compile(r"[{}|\\^`]|\ufffd|[\x00-\x08\x0b-\x1f]")
# Capitals spaced out one by one ("C I O"), or Japanese characters spaced out.
_SPACED_LETTERS = re.compile(r"(?<![\w'’])[A-Z](?: [A-Z]){2,}(?!\w)|(?:[\u3040-\u9fff] ){3,}")
# ASCII ( ) are left out: "1) … 2) …" numbering leaves them unpaired on purpose.
_PAIRS = ("「」", "『』", "（）", "【】", "[]")


def _garbled(text: str, context: Context, language: str) -> Reason | None:
    # A leading formula character is the formula rule's business.
    symbol = _STRAY_SYMBOL.search(text, 1 if text.startswith(FORMULA_STARTS) else 0)
    if symbol:
        return said("garbled.symbol", symbol=symbol.group(0))
    spaced = _SPACED_LETTERS.search(text)
    if spaced:
        return said("garbled.spaced", letters=spaced.group(0))
    for opening, closing in _PAIRS:
        if text.count(opening) != text.count(closing):
            return said("garbled.brackets", brackets=opening + closing)
    return None


_CONTENT_CHAR = re.compile(r"[\u30a0-\u30ff\u3400-\u4dbf\u4e00-\u9fffa-z0-9]")
# English function words carry no subject: they would let any sentence "overlap" any other.
_STOPWORDS_EN = frozenset("""the and for are was were will would could should can may might must not but with from
that this these those than then there their they them its his her our your you has have had been being into onto
about over under more most less such also only very just some any all each other which what who whom whose when
where why how does did doing because while both either neither change""".split())


def content_units(text: str) -> set[str]:
    """Japanese: bigrams with a kanji, katakana or Latin letter; English: word stems (first 5 letters)."""
    normalized = normalize_for_matching(text)
    # English words are read from the spaced text (normalising removes the spaces between them).
    spaced = unicodedata.normalize("NFKC", text).casefold()
    words = {word[:5] for word in re.findall(r"[a-z0-9]{3,}", spaced) if word not in _STOPWORDS_EN}
    bigrams = {
        normalized[i:i + 2] for i in range(len(normalized) - 1)
        if _CONTENT_CHAR.search(normalized[i:i + 2]) and not normalized[i:i + 2].isascii()
    }
    return words | bigrams


def source_overlap(statement: str, source: str, subject: str | None = None) -> float:
    """How much of the statement's content comes from the source (0..1): the grounding signal. The words
    of the documents' subject do not count either way: every statement names it, and what it says about
    the subject must come from the source."""
    units = content_units(statement) - (content_units(subject) if subject else set())
    return len(units & content_units(source)) / len(units) if units else 0.0


def near_copy_score(statement: str, source: str) -> float:
    return fuzz.ratio(normalize_for_matching(statement), normalize_for_matching(source))


def _near_copy(text: str, context: Context, language: str) -> Reason | None:
    if context.source is not None and near_copy_score(text, context.source) >= NEAR_COPY_RATIO:
        return said("near-copy")
    return None


def _off_source(text: str, context: Context, language: str) -> Reason | None:
    if context.source is None or near_copy_score(text, context.source) >= NEAR_COPY_RATIO:
        return None
    if source_overlap(text, context.source, context.topic.name if context.topic else None) < MIN_SOURCE_OVERLAP:
        return said("off-source")
    return None


def quote_is_in(quote: str, source_text: str) -> bool:
    """A quote is grounded when its normalised form occurs in the normalised source."""
    needle = normalize_for_matching(quote)
    return bool(needle) and needle in normalize_for_matching(source_text)


RULES: tuple[Rule, ...] = (
    Rule("too-long", "error", "longer than the length limit (`--max-chars`, default 140)", _too_long),
    Rule("question", "error", "a question instead of a claim", _question),
    Rule("formula", "error", "a leading `=`, `+`, `-`, `@`, tab or CR, which a spreadsheet runs as a formula", _formula),
    Rule("language", "error", "not in the language asked for (generate only)", _wrong_language),
    Rule("garbled", "error", "stray symbols (`}`, `|`, `�`), letters spaced out (`C I O`), unpaired brackets", _garbled),
    Rule("too-short", "warning", "shorter than a full claim (generate only)", _too_short),
    Rule("long", "warning", "longer than short statements that vote best (generate only: ja 60, en 100 characters "
         "unless `--max-chars` is given)",
         _long),
    Rule("fragment", "warning", "stops mid-sentence (「…受けられるように」, 「…べきで」, \"… and\")", _fragment, JA_EN),
    Rule("compound", "warning", "more than one claim (〜し、 / 〜であり、 / 、また / …が、…もある / `; ` / `, and` + a new clause)",
         _compound, JA_EN),
    Rule("not-votable", "warning", "only a number (`42%`), with nothing to agree or disagree with", _not_votable),
    Rule("bare-figure", "warning", "a figure with no word of judgement (「予算は3億円」, \"About 18% of households rent\")",
         _bare_figure, JA_EN),
    Rule("fact-report", "warning", "a report of a fact or an event (past tense, 実際に…ている; there is …, … is located in …, "
         "… is still considering …, what a named body does, what a document says, an event at a time) rather than a view",
         _fact_report, JA_EN),
    Rule("loaded", "warning", "loaded words (絶対, 最悪, absurd, `obviously`/`clearly` as sentence adverbs)", _loaded, JA_EN),
    Rule("no-subject", "warning", "starts with a pointer instead of its subject (この, 本市, 導入により, It, This, The change)",
         _no_subject, JA_EN),
    Rule("own-voice", "warning", "a party speaking about itself (当社, 弊社, our company, we at …)", _own_voice, JA_EN),
    Rule("acronym", "warning", "an acronym a participant may not know, not explained (FPTP, OMB; not EU, UK, GDP)",
         _acronym, frozenset({"en"})),
    Rule("mixed-language", "warning", "lower-case English words inside Japanese (「outsourcingする」)", _mixed_language,
         frozenset({"ja"})),
    Rule("off-topic", "warning", "names neither the documents' subject, nor its key terms, nor starts with a phrase the "
         "documents use (generate, with a topic)", _off_topic),
    Rule("near-copy", "warning", "a near-copy of its source sentence (generate)", _near_copy),
    Rule("off-source", "warning", "not about its source sentence: under 25 % of its content is in the source (generate)",
         _off_source),
    Rule("contradicts-quote", "error", "says the opposite of the passage it cites (a negation or a must turned around)",
         _contradicts_quote, JA_EN),
)
RULES_BY_NAME = {rule.name: rule for rule in RULES}


@dataclass
class Checked:
    findings: list[Finding]
    language: str
    # Rules that were not applied because they do not know the statement's language.
    unchecked: list[str] = field(default_factory=list)


def check_statement(text: str, context: Context, skip: tuple[str, ...] = ()) -> Checked:
    """Every finding for one statement, in rule order. An empty text gives one 'empty' error."""
    stripped = text.strip()
    language = context.language or statement_language(stripped)
    if not stripped:
        return Checked([Finding.of("error", said("empty"))], language)
    findings: list[Finding] = []
    unchecked: list[str] = []
    for rule in RULES:
        if rule.name in skip:
            continue
        if rule.languages is not None and language not in rule.languages:
            if language not in JA_EN:
                unchecked.append(rule.name)
            continue
        # The formula rule looks at the raw start (a leading tab); the others at the trimmed text.
        reason = rule.check(text if rule.name == "formula" else stripped, context, language)
        if reason is not None:
            findings.append(Finding.of(rule.severity, reason))
    return Checked(findings, language, unchecked)


def reasons(text: str, context: Context) -> list[Reason]:
    """What the rules find, as message ids and parameters; empty when the text is fine."""
    return [finding.reason for finding in check_statement(text, context).findings if finding.reason]


def problems(text: str, context: Context) -> list[str]:
    """The findings as reasons for a model to fix ('rule: what to do'); empty when the text is fine."""
    return [reason.as_reason() for reason in reasons(text, context)]
