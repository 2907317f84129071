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
                                  r"(?:\s+(?:and|to)\s+[$£€¥]?\d[\d,.]*%?)?(?:\s+[\w-]+){0,3}$", re.I)


def _bare_figure(text: str, context: Context, language: str) -> Reason | None:
    """A figure that is the whole predicate, with no word of judgement (Japanese and English)."""
    body = text.strip().rstrip("。.!！")
    pattern = _FIGURE_PREDICATE_JA if language == "ja" else _FIGURE_PREDICATE_EN
    if pattern.search(body) and not _has_opinion_marker(body):
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
    return bool(head) and any(m.pos[2:3] == ("人名",) for m in morphemes(head)) and not _NORMATIVE_JA.search(text)


def _fact_report(text: str, context: Context, language: str) -> Reason | None:
    stripped = text.strip().rstrip(".!。")
    if language == "ja":
        found = _DONE_JA.search(stripped) or (_PAST_JA.search(stripped) and not _has_opinion_marker(stripped)) \
            or _person_does(stripped) or (not _NORMATIVE_JA.search(stripped) and (
                _SPEECH_ACT_JA.search(stripped) or _STANCE_TAKEN_JA.search(stripped) or _DAY_JA.search(stripped)))
    else:
        found = _FACT_REPORT_EN.search(stripped) and not _MODAL_EN.search(stripped) and not _has_opinion_marker(stripped)
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
    Rule("bare-figure", "warning", "a figure with no word of judgement (「予算は3億円」)", _bare_figure, JA_EN),
    Rule("fact-report", "warning", "a report of a fact or an event (past tense, 実際に…ている) rather than a view",
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
