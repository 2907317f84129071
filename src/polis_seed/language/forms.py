"""The forms a view takes besides a plain claim, in Japanese and English: a question that asserts, a comparison
with another option, and a view someone is reported to hold.

Documents argue in these forms as often as in plain claims: 「…する必要があるのではないか」, 「ほかに方策があるのでは」,
"Isn't there a better way to spend the money?", "Critics say other roads are more suitable". Passage selection
(stages/select.py) reads them as views; a real question ("When will the lanes open?", 「いつから予約できますか」) and a
sentence that only names another thing ("Other members spoke") are not.

These are grammar (question endings, negative auxiliaries, comparatives, verbs of saying), not words of a topic,
so they hold for documents on any subject.
"""

from __future__ import annotations

import re
import unicodedata

from .text import is_question

_TRAILING = "。．.!！?？ 　"
_KANA = re.compile(r"[\u3040-\u30ff]")

# ----- a question that asserts -----------------------------------------------------------------------------------
# 「…のではないか」「…必要ではないでしょうか」「…じゃないか」「…のでは」: the speaker's own view, put as a question.
_ASSERTING_END_JA = re.compile(r"(?:のでは|(?:で|じゃ)は?ない(?:の|ん)?(?:でしょう|だろう|です)?か(?:な|ね)?"
                               r"|んじゃない(?:でしょう|だろう)?か?(?:な|ね)?)$")
# A negative question (「…提供することはできないのか」「問題はないか」「…ませんか」) asserts, unless a chair asks whether
# anyone has a question or an objection (「ほかにご意見はありませんか」).
_NEGATIVE_END_JA = re.compile(r"(?:ない|ません|なく)(?:の|ん)?(?:でしょう|だろう|です)?か(?:な|ね)?$")
_CALL_FOR_VIEWS_JA = re.compile(r"(?:質問|意見|異議|異論|発言|指摘)(?:等|など)?(?:は|が)?(?:ほかに|他に)?(?:ござい|あり|ない)")
# Doubt: 「本当に…のか」「果たして…だろうか」「…は本当？」.
_DOUBT_JA = re.compile(r"本当に|本当$|果たして|そもそも|一体")
# Asking for information: the question words of a real question.
_ASKS_JA = re.compile(r"いつ|どこ|だれ|誰|いくら|何時|何人|何か所|どれくらい|どのくらい|どのよう|どう(?:お考え|思い|する|します)")

_NEGATIVE_START_EN = re.compile(
    r"^(?:isn't|aren't|wasn't|weren't|doesn't|don't|didn't|won't|wouldn't|shouldn't|can't|cannot|couldn't|hasn't|"
    r"haven't|hadn't|mustn't|ain't)\b"
    r"|^(?:is|are|was|were|would|should|could|can|do|does|did|will|has|have|must)\s+(?:it|this|that|there|we|they|you|"
    r"the\s+\w+|our\s+\w+|their\s+\w+)\s+not\b", re.I)
_TAG_EN = re.compile(r",\s*(?:isn't|aren't|don't|doesn't|won't|wouldn't|shouldn't|can't|right)\b[^,]*$", re.I)
_WHY_EN = re.compile(r"^why\s+(?:not|should|would|must|on earth|spend|pay|build|keep|force|make)\b", re.I)
_DOUBT_EN = re.compile(r"\b(?:really|actually|truly|seriously|honestly)\b|\bworth\s+(?:it|the)\b", re.I)
_YES_NO_EN = re.compile(r"^(?:is|are|was|were|do|does|did|can|could|would|should|will|has|have|must|might|shall)\b",
                        re.I)


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip().rstrip(_TRAILING)


def asserts_by_question(text: str) -> bool:
    """A question that holds a view (a rhetorical question): 「…必要があるのではないか」, 「本当に吸収可能なのか」,
    「…の問題はないか」, "Isn't there a better way …?", "Do we really need …?", "Why should residents pay …?",
    "Would a tram not be cheaper?". A question that asks for information or leaves the choice open ("When will it
    open?", "Should the city stream its meetings?", 「どのようなDXが求められるのか」) does not."""
    if not is_question(text) and not _plain(text).endswith(("のでは", "んじゃない")):
        return False
    body = _plain(text)
    if _KANA.search(body):
        if _ASSERTING_END_JA.search(body):
            return True
        if _ASKS_JA.search(body):
            return False
        return bool(_DOUBT_JA.search(body)) or bool(_NEGATIVE_END_JA.search(body) and not _CALL_FOR_VIEWS_JA.search(body)) \
            or (compares_options(body) and not body.endswith("どちらか"))
    if _NEGATIVE_START_EN.search(body) or _TAG_EN.search(body) or _WHY_EN.search(body):
        return True
    return bool(_YES_NO_EN.search(body)) and bool(_DOUBT_EN.search(body) or compares_options(body))


# ----- a comparison with another option --------------------------------------------------------------------------
# "than expected", "than last year", "than 300": a measurement, not another option.
_MEASURED = r"\s+(?:expected|planned|forecast|anticipated|predicted|usual|before|ever|last|previous|in\s+\d|\d|a\s+year|a\s+decade)"
# On its own a sign of another option: instead, rather than, an alternative, in place of, elsewhere, preferable;
# or a comparative with "than".
_OPTION_EN = re.compile(r"\b(?:instead|rather than|in place of|alternatives?|alternatively|elsewhere|prefer(?:able|red|s)?)\b"
                        r"|\b(?:better|worse|cheaper|safer|simpler|easier|faster|fairer)\b[^.;:?!]{0,40}?\bthan\b(?!"+_MEASURED+")"
                        r"|\b(?:more|less|fewer)\s+\w[^.;:?!]{0,40}?\bthan\b(?!"+_MEASURED+")"
                        r"|^start(?:ing)?\s+with\b|\bfirst,?\s+before\b", re.I)
# Another thing or an order of priority, which compares only with a judgement: "other roads are more suitable",
# "improve bus services first", "a better way".
_OTHER_EN = re.compile(r"\b(?:other|another)\s+(?!than\b|hand\b)[a-z]|\b(?:better|cheaper|safer|simpler|easier|fairer|smarter|wiser)\s+"
                       r"(?:way|ways|option|options|use|spent|served|suited|placed|off|route|plan|approach|solution)\b|(?<!the )(?<!its )(?<!their )(?<!our )\bfirst\b(?=\s*(?:[,.;:]|$)|"
                       r",?\s+(?:before|then|and then)\b)", re.I)
_JUDGES_EN = re.compile(r"\b(?:better|best|worse|more suitable|suitable|preferable|should|must|ought|would|could|"
                        r"need|needs|cheaper|safer|fairer|wiser|smarter|makes? more sense)\b", re.I)
_OPTION_JA = re.compile(r"代わり|かわりに|代替|むしろ|に比べ|と比べ|比較して|優先|ではなく[^てた]"
                        r"|より(?:も)?[^。、]{0,20}?(?:良い|よい|いい|適|望まし|効果的|安|重要|優れ|有効|まし|大切)"
                        r"|(?:[たるいな]|の)(?:ほう|方)が")
_OTHER_JA = re.compile(r"ほか(?:に|の)|他(?:に|の)|別の|別に|まず|先に")


def _judges_ja(text: str) -> bool:
    return bool(re.search(r"べき|必要|良い|よい|いい|望まし|適|効果|問題|課題|懸念|難し|大切|重要|有効|べきで|方策|手段"
                          r"|[ぁ-ん]のでは", text))


def compares_options(text: str) -> bool:
    """A comparison of the thing discussed with another option, or a call to do something else or first: a view
    for the angle that weighs alternatives. "Critics say other roads are more suitable", "Use a parking levy
    instead", "Improve bus services first", 「ほかに方策があるのでは」, 「限られた財源は、まず妊婦健診に使うべきだ」,
    「カスタマイズをした方が経済合理的だ」. A sentence that only names another thing ("Other members spoke",
    「他の自治体も参加した」) does not."""
    body = unicodedata.normalize("NFKC", text)
    if _KANA.search(body) or re.search(r"[\u4e00-\u9fff]", body):
        return bool(_OPTION_JA.search(body)) or bool(_OTHER_JA.search(body) and _judges_ja(body))
    return bool(_OPTION_EN.search(body)) or bool(_OTHER_EN.search(body) and _JUDGES_EN.search(body))


# ----- a view someone is reported to hold ------------------------------------------------------------------------
_REPORTED_EN = re.compile(r"\b(?:say|says|said|argue|argues|argued|warn|warns|warned|fear|fears|feared|worry|worries|"
                          r"worried|doubt|doubts|doubted|complain|complains|complained|believe|believes|believed|insist|"
                          r"insists|insisted|claim|claims|claimed|object|objects|objected|oppose|opposes|opposed|"
                          r"criticise[sd]?|criticize[sd]?|point(?:s|ed)? out)\b", re.I)
_REPORTED_JA = re.compile(r"(?:との|という|といった)(?:意見|声|指摘|懸念|批判|主張|不安|要望|見方|考え)"
                          r"|と(?:指摘|主張|批判|懸念|反対|強調)|を懸念|を不安視|を疑問視|疑問の声")


def reports_a_view(text: str) -> bool:
    """A sentence that says someone holds a view: "Critics say …", "Many argued …", "Residents fear …",
    「…との意見が出た」, 「…という懸念も示された」, 「…と指摘した」. The view it reports is a passage for its angle."""
    pattern = _REPORTED_JA if _KANA.search(text) else _REPORTED_EN
    return bool(pattern.search(unicodedata.normalize("NFKC", text)))


def doubts(text: str) -> bool:
    """A question that doubts what it asks about (「本当に必要なのか」, "Do we really need …?", "Why should renters
    pay …?"): a concern."""
    if not is_question(text):
        return False
    body = _plain(text)
    return bool(_DOUBT_JA.search(body)) if _KANA.search(body) else bool(_DOUBT_EN.search(body) or _WHY_EN.search(body))
