"""What report.html and the review page tell a person, in the page's language: one catalogue keyed by id.

A finding, a dropped candidate's reason, a note or a merge decision is stored as an id and its parameters
(models.Reason); the English text is made from the same catalogue when it is created (report.json keeps it,
and it is what a model is sent back), and a page says it again in its own language. Each id is a rule's name,
or a rule's name and a variant after a dot (`garbled.brackets`); its rule is the part before the dot.

A template is a `str.format` string. Besides the usual specs (`{score:.2f}`) a field may say how to show a value
in the page's language: `list` (a list of words), `quoted` (one word or a list, quoted), `repr` (a character
that may be invisible), `term` (a word of TERMS: a side, a language, a judge's measure, a dedupe tier), `angle`
and `name` (an angle id by its name on the page, quoted or not), `angles` and `names` (a list of them),
`sentences` (a count of sentences), `how` (the kinds of knowledge that make two words the same), `scores`
(a dict of measures and numbers), `reason` (a nested reason) and `reasons` (a list of them). Without names (report.json) an angle is shown by its id, as the English text always was.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

MESSAGES: dict[str, dict[str, str]] = {
    # ----- rules.py: the rule engine's findings -----
    "empty": {"en": "an empty or whitespace-only statement; remove it or write a claim",
              "ja": "空か空白だけの文です。削除するか、主張を書いてください"},
    "empty.line": {"en": "empty or whitespace-only line; remove it",
                   "ja": "空か空白だけの行です。削除してください"},
    "too-long": {"en": "it is {length} characters; the limit is {limit}, so shorten it",
                 "ja": "{length}文字あり、上限の{limit}文字を超えています。短くしてください"},
    "question": {"en": "write a claim people can agree or disagree with, not a question",
                 "ja": "質問ではなく、賛成か反対かを選べる主張にしてください"},
    "formula": {"en": "starts with {start:repr}, which a spreadsheet runs as a formula; reword the start",
                "ja": "{start:repr}で始まっており、表計算ソフトが数式として実行します。書き出しを変えてください"},
    "language": {"en": "write the statement in {language:term}",
                 "ja": "{language:term}で書いてください"},
    "garbled.symbol": {"en": "it holds a stray symbol ({symbol:repr}); write plain text",
                       "ja": "余計な記号（{symbol:repr}）が入っています。ふつうの文章にしてください"},
    "garbled.spaced": {"en": "{letters:quoted} is spaced out letter by letter; write the word normally",
                       "ja": "{letters:quoted}は1文字ずつ空白で区切られています。ふつうに書いてください"},
    "garbled.brackets": {"en": "its {brackets} brackets do not pair up; close or remove them",
                         "ja": "括弧 {brackets} の数が合っていません。閉じるか取り除いてください"},
    "too-short": {"en": "it is {length} characters; write a full claim of at least {least}",
                  "ja": "{length}文字しかありません。{least}文字以上の主張として書いてください"},
    "long": {"en": "it is {length} characters; short statements vote best: say it in at most {most}, "
                   "without adding words",
             "ja": "{length}文字あります。短い文ほど投票されやすいので、言葉を足さずに{most}文字以内で言ってください"},
    "fragment": {"en": "it stops in the middle of a sentence; finish the claim",
                 "ja": "文の途中で終わっています。主張を最後まで言い切ってください"},
    "compound": {"en": "it holds more than one claim; keep only the main one",
                 "ja": "複数の主張が入っています。主な主張だけを残してください"},
    "not-votable": {"en": "it is only a number; state a view people can agree or disagree with",
                    "ja": "数字だけです。賛成か反対かを選べる意見にしてください"},
    "bare-figure": {"en": "it reports a figure; state a view about it that people can agree or disagree with",
                    "ja": "数値を述べているだけです。それについて賛成か反対かを選べる意見にしてください"},
    "fact-report": {"en": "it reports a fact or an event; state a view about it that people can agree or disagree with",
                    "ja": "事実や出来事の報告です。それについて賛成か反対かを選べる意見にしてください"},
    "fact-report.list": {"en": "{reports} of the {count} statements report a fact, an event or a figure rather than a "
                                 "view: Polis needs claims people can agree or disagree with; rewrite them as views",
                         "ja": "{count}件のうち{reports}件が、意見ではなく事実・出来事・数値の報告です。賛成か反対かを"
                               "選べる意見に書き直してください"},
    "contradicts-quote.negated": {
        "en": "it says the opposite of its quote (「{word}」 is negated where the quote uses it); write what the source says",
        "ja": "引用と逆のことを言っています（引用では「{word}」が否定されています）。出典が言うとおりに書いてください"},
    "contradicts-quote.affirmed": {
        "en": "it says the opposite of its quote (「{word}」 is affirmed where the quote uses it); write what the source says",
        "ja": "引用と逆のことを言っています（引用では「{word}」が否定されていません）。出典が言うとおりに書いてください"},
    "loaded": {"en": "avoid loaded words ({words:list}); state the claim neutrally",
               "ja": "決めつける言葉（{words:list}）を避け、中立な言い方にしてください"},
    "no-subject": {"en": "it starts with {start:quoted}, which points at a context the voter never sees; "
                         "name the subject itself",
                   "ja": "{start:quoted}で始まっており、投票する人が見ていない文脈を指しています。主題そのものを書いてください"},
    "own-voice": {"en": "{phrase:quoted} is a party speaking about itself; state the view as a claim anyone could "
                        "hold, naming the party",
                  "ja": "{phrase:quoted}は当事者が自分のことを語る言い方です。当事者の名前を出し、誰もが持ちうる主張として述べてください"},
    "acronym": {"en": "{words:list} may mean nothing to a participant; say what it is in plain words, or spell it out "
                      "in brackets",
                "ja": "{words:list}は参加者に通じないかもしれません。平易な言葉で言い換えるか、括弧で正式名称を書いてください"},
    "mixed-language": {"en": "it mixes in English words ({words:list}); write them in Japanese",
                       "ja": "英単語（{words:list}）が混じっています。日本語で書いてください"},
    "off-topic": {"en": "it does not say what it is about; start with what it is about, in the documents' own words "
                        "(for example {terms:quoted}), without making it longer",
                  "ja": "何についての文かが書かれていません。文書の言葉で主題から書き始めてください（例: {terms:quoted}）。"
                        "長くはしないでください"},
    "near-copy": {"en": "it copies the source sentence; state the claim in your own shorter words",
                  "ja": "出典の文の書き写しです。自分の言葉で、より短く主張を述べてください"},
    "off-source": {"en": "it is not about the source sentence; use its subject and key words",
                   "ja": "出典の文の内容から離れています。出典の文の主題と重要な言葉を使ってください"},
    # ----- stages/lint.py: list-level findings -----
    "duplicate": {"en": "duplicates line {line}; keep one",
                  "ja": "{line}番目の文と重複しています。どちらか一つを残してください"},
    "balance": {"en": "angle {angle:angle} has only {side} statements; add the other side",
                "ja": "観点{angle:angle}には{side:term}の文しかありません。反対の立場の文を加えてください"},
    "balance.unclear": {"en": "angle {angle:angle} has no statement that reads as either side; sharpen them or add "
                              "one for each side",
                        "ja": "観点{angle:angle}には、どちらかの立場と読める文がありません。文をはっきりさせるか、"
                              "両方の立場の文を加えてください"},
    # ----- stages/generate.py and usability.py: candidates of the sentence strategy left out -----
    "judge": {"en": "score {score:.2f} below {threshold:.2f} ({features:scores}); restore it if it reads well",
              "ja": "評価 {score:.2f} が基準の {threshold:.2f} に届きません（{features:scores}）。読んで良い文なら戻してください"},
    "not-best": {"en": "another statement from the same source sentence scored higher",
                 "ja": "同じ出典の文から書いた別の文のほうが評価が高かった"},
    "surplus": {"en": "{side} on {angle:angle} already has its best statements",
                "ja": "観点{angle:angle}の{side:term}には、より良い文がすでにそろっています"},
    "repeat": {"en": "「{kept}」, a better statement on the same side, says the same",
               "ja": "同じ立場のより良い文「{kept}」が同じことを言っています"},
    # ----- stages/document.py and stance.py: claims and statements of the document strategy left out -----
    "claim-angle": {"en": "{angle:angle} was not asked for",
                    "ja": "観点{angle:angle}は依頼していません"},
    "claim-quote-not-found": {"en": "{problem:reason}", "ja": "{problem:reason}"},
    "quote-not-found.document": {"en": "document {label:quoted} does not exist; name one of {labels:list}",
                                 "ja": "文書{label:quoted}はありません。次のどれかを挙げてください: {labels:list}"},
    "quote-not-found.quote": {"en": "its quote is not in {label}; copy the quote exactly from that document",
                              "ja": "引用が{label}の中にありません。その文書からそのまま写してください"},
    "quote-not-found.free": {"en": "only a side the documents do not support may be written without a quote; copy the "
                                   "quote of the claim this statement comes from",
                             "ja": "引用なしで書けるのは文書が支えていない立場だけです。この文のもとになった主張の引用を写してください"},
    "claim-rows": {"en": "{label} has no comment with the row id(s) {rows:list}; name only the rows shown as #N in it",
                   "ja": "{label}には行番号{rows:list}のコメントがありません。#Nと示した行だけを挙げてください"},
    "claim-number": {"en": "it names no claim found in the documents (claims {claims:list}); name the number of a "
                           "listed claim it comes from",
                     "ja": "文書で見つかった主張を挙げていません（主張{claims:list}）。もとになった主張の番号を挙げてください"},
    "claim-sides": {"en": "its claims take both sides of {angle:angle}; a statement comes from claims of one side",
                    "ja": "もとになった主張が観点{angle:angle}の両方の立場にまたがっています。片方の立場の主張から書いてください"},
    "same-claim": {"en": "「{kept}」 comes from the same claim; one claim gives one statement",
                   "ja": "「{kept}」が同じ主張から書かれています。1つの主張からは1つの文だけです"},
    "fewer-holders": {"en": "the list holds {count} statements; the claims chosen for {side} on {angle:angle} are held "
                            "by more documents or comments (this one by {support})",
                      "ja": "一覧は{count}文です。観点{angle:angle}の{side:term}には、より多くの文書やコメントが持つ主張を"
                            "選びました（この主張は{support}件）"},
    "angle": {"en": "{angle:angle} is not one of {angles:list}",
              "ja": "観点{angle:angle}は次のどれでもありません: {angles:angles}"},
    "neither": {"en": "it takes neither side of {angle:angle}; write the {side} side's view: {view}",
                "ja": "観点{angle:angle}のどちらの立場もとっていません。{side:term}の意見を書いてください: {view}"},
    "stance": {"en": "it reads as the {other} side; write it for the {side} side: {view}",
               "ja": "{other:term}の意見に読めます。{side:term}の意見として書いてください: {view}"},
    # ----- notes of a run: what it could not do and why -----
    "no-passages": {"en": "no sentence of the documents can carry a claim: of {sentences} read, every one is a heading, "
                          "a table row, navigation, a line about the source, a question, or under 15 or over {most} "
                          "characters; `{command}` shows the text as read",
                    "ja": "文書のどの文も主張になりません。読んだ{sentences}文はすべて見出し、表の行、ナビゲーション、出典などの"
                          "行、質問、または15文字未満か{most}文字を超える文でした。読み取った本文は `{command}` で確かめられます"},
    "left-out": {"en": "left out, as no passage of the documents is about them: {angles:names} (try --discover-angles, "
                       "or an --angles file written for your topic)",
                 "ja": "文書のどの段落も扱っていないため、次の観点を外しました: {angles:angles}（--discover-angles か、"
                       "主題に合わせて書いた --angles ファイルを試してください）"},
    "no-side.judged": {"en": "{angle:name}: no {side} statement; none written from {tried:sentences} passed the judge; "
                             "nothing was invented",
                       "ja": "観点{angle:angle}: {side:term}の文がありません。{tried:sentences}から書いた文はどれも判定を"
                             "通りませんでした。文を作り足してはいません"},
    "no-side.unleaning": {"en": "{angle:name}: no {side} statement; no sentence of the documents leans to that side; "
                                "nothing was invented",
                          "ja": "観点{angle:angle}: {side:term}の文がありません。文書にその立場に傾く文がありません。"
                                "文を作り足してはいません"},
    "groups": {"en": "the documents ({tokens:,} tokens) are more than the context budget ({budget:,} tokens): read in "
                     "{groups} groups and the claims merged",
               "ja": "文書（{tokens:,}トークン）が文脈の上限（{budget:,}トークン）を超えるため、{groups}組に分けて読み、"
                     "主張をまとめました"},
    "no-claim": {"en": "{angle:name}: the documents gave no claim for the {side} side; nothing was invented "
                       "(--fill-from-knowledge lets the model write it)",
                 "ja": "観点{angle:angle}: 文書から{side:term}の主張が出ませんでした。文を作り足してはいません"
                       "（--fill-from-knowledge でモデルに書かせることができます）"},
    "no-claim.filled": {"en": "{angle:name}: the documents gave no claim for the {side} side; the model may write it "
                              "from its own knowledge (marked 'not from the documents')",
                        "ja": "観点{angle:angle}: 文書から{side:term}の主張が出ませんでした。モデルが自分の知識から書くことが"
                              "あります（「文書にない」と示します）"},
    # ----- report.html and the review page: who holds a statement's claim (document strategy) -----
    "held-by": {"en": "held by {count} of {of} {unit:term}", "ja": "{unit:term}{of}件中{count}件が持つ主張"},
    "held-by.row": {"en": "held by {count} of {of} {unit:term} (row {rows:list})",
                    "ja": "{unit:term}{of}件中{count}件が持つ主張（行 {rows:list}）"},
    "held-by.rows": {"en": "held by {count} of {of} {unit:term} (rows {rows:list}{more})",
                     "ja": "{unit:term}{of}件中{count}件が持つ主張（行 {rows:list}{more}）"},
    # ----- review/store.py: a change the review page asked for that cannot be made -----
    "review.unknown-change": {"en": "unknown change {op:quoted}", "ja": "不明な変更です: {op:quoted}"},
    "review.no-such-statement": {"en": "no statement with id {id:quoted}", "ja": "id が{id:quoted}の文はありません"},
    "review.nothing-to-add": {"en": "write the statement first", "ja": "先に文を書いてください"},
    "review.not-restorable": {"en": "only a dropped candidate or an absorbed duplicate can be restored",
                              "ja": "戻せるのは、ルールで落とした候補と統合された重複だけです"},
    "review.emptied": {"en": "a statement cannot be empty; drop it instead",
                       "ja": "文を空にはできません。落とす場合は「落とす」を使ってください"},
    # ----- review/report.py and the review page: the passages shown for a cell no statement fills -----
    "evidence.title": {"en": "Passages for the empty cells", "ja": "空欄の観点・立場について文書が述べている箇所"},
    "evidence.intro": {"en": "No statement fills these angles and sides (or none the checks kept). These are the "
                             "document passages that speak to each, best first: write the statement from them "
                             "({command} checks what you type with the run's rules).",
                       "ja": "次の観点・立場には残したシード文がありません。それぞれについて文書が述べている箇所を、近い順に示します。"
                             "これをもとに文を書いてください（{command} は入力した文を生成と同じルールで確かめます）。"},
    "evidence.review": {"en": "No kept statement fills this angle and side. The document passages that speak to it, "
                              "best first: write a statement from them below; the rules check it as you type.",
                        "ja": "この観点・立場には残す文がありません。文書でこれについて述べている箇所を近い順に示します。"
                              "これをもとに下の欄に文を書いてください。入力中にルールで確かめます。"},
    "evidence.cell": {"en": "{angle:name}, {side:term} side", "ja": "観点{angle:angle}の{side:term}"},
    "evidence.none": {"en": "no passage of the documents speaks to it",
                      "ja": "この観点・立場について述べている箇所は文書にありません"},
    "evidence.context": {"en": "show it in context", "ja": "前後の文を見る"},
    "evidence.source": {"en": "source", "ja": "出典"},
    "evidence.write": {"en": "Write a statement for this cell", "ja": "この欄の文を書く"},
    "evidence.passages": {"en": "{count} passages", "ja": "根拠{count}件"},
    # ----- stages/dedupe.py and language/compare.py: why two statements merged, or were kept apart -----
    "merge.exact": {"en": "equal after normalisation", "ja": "正規化すると同じ文"},
    "merge.guard-off": {"en": "guard off", "ja": "ガードなし（言葉の違いを確かめずに統合）"},
    "merge.model-same": {"en": "the model judged them the same claim ({because:reason})",
                         "ja": "モデルが同じ主張と判定しました（{because:reason}）"},
    "merge.model-different": {"en": "the model judged them different claims ({because:reason})",
                              "ja": "モデルが別の主張と判定しました（{because:reason}）"},
    "merge.word-unshown": {"en": "a word is changed", "ja": "言葉が変わっています"},
    "merge.number": {"en": "a number differs: {shown}", "ja": "数が違います: {shown}"},
    "merge.negation": {"en": "one says no where the other does not: {shown}",
                       "ja": "一方だけが否定しています: {shown}"},
    "merge.word": {"en": "a word is changed: {shown}", "ja": "言葉が変わっています: {shown}"},
    "merge.opposite": {"en": "opposite predicates: {shown}", "ja": "述語が反対の意味です: {shown}"},
    "merge.opposite-characters": {"en": "opposite predicates ({one} / {other}): {shown}",
                                  "ja": "述語が反対の意味です（{one} / {other}）: {shown}"},
    "merge.added": {"en": "a word is added or dropped: {shown}", "ja": "言葉が足されたか抜けています: {shown}"},
    "merge.concepts": {"en": "a word is changed (different concepts in SudachiDict's synonym dictionary): {shown}",
                       "ja": "言葉が変わっています（SudachiDict の同義語辞書では別の概念）: {shown}"},
    "merge.predicate": {"en": "a predicate is changed for another: {shown}",
                        "ja": "述語が別の述語に変わっています: {shown}"},
    "merge.no-thesaurus": {"en": "a word is changed (no English thesaurus here knows them as the same): {shown}",
                           "ja": "言葉が変わっています（同じ意味だと分かる英語の類語辞書がここにはありません）: {shown}"},
    "merge.voice": {"en": "the same claim in the other voice: each word in its role (who does what to whom is kept)",
                    "ja": "同じ主張を受動態と能動態で言っています。どの言葉も同じ役割です"},
    "merge.spelling": {"en": "the same words; only punctuation, spacing or spelling differ",
                       "ja": "同じ言葉です。句読点・空白・表記だけが違います"},
    "merge.function-words": {"en": "only function words, particles, politeness endings or hedges differ",
                             "ja": "機能語・助詞・丁寧な語尾・ぼかす言い方だけが違います"},
    "merge.negation-moved": {"en": "one says no where the other does not: a negation moved to another word",
                             "ja": "一方だけが否定しています: 否定が別の言葉に移っています"},
    "merge.moved": {"en": "the same words with one phrase moved, in the same role",
                    "ja": "同じ言葉で、一つの句が同じ役割のまま移っています"},
    "merge.roles": {"en": "the same words in other roles: who does what to whom changes",
                    "ja": "同じ言葉ですが役割が違います: 誰が誰に何をするかが変わります"},
    "merge.trade": {"en": "two phrases trade places, so their roles change",
                    "ja": "二つの句が入れ替わり、役割が変わります"},
    "merge.sentiment": {"en": "the changed phrases have opposite sentiment: {shown}",
                        "ja": "変わった句の感情が逆です: {shown}"},
    "merge.phrase": {"en": "a phrase is changed: {shown}", "ja": "句が変わっています: {shown}"},
    "merge.phrase-meaning": {"en": "a phrase is changed and the two phrases differ in meaning "
                                   "({similarity:.2f} < {threshold:.2f}): {shown}",
                             "ja": "句が変わっており、二つの句の意味が違います（{similarity:.2f} < {threshold:.2f}）: {shown}"},
    "merge.other-words": {"en": "the same claim in other words: {changes:reasons}",
                          "ja": "言い方の違う同じ主張です: {changes:reasons}"},
    "merge.known": {"en": "{shown}: {how:how}", "ja": "{shown}: {how:how}"},
    "merge.close": {"en": "{shown}: close in meaning ({similarity:.2f}), same polarity",
                    "ja": "{shown}: 意味が近く（{similarity:.2f}）、肯定・否定も同じ"},
    "merge.one-moved": {"en": "one phrase moved", "ja": "一つの句が移っています"},
}

# Words a template shows by name: the sides, the languages, the judge's measures, dedupe's tiers.
TERMS: dict[str, dict[str, str]] = {
    "en": {"pro": "pro", "con": "con", "unclear": "unclear", "ja": "Japanese", "en": "English",
           "side_margin": "side margin", "grounding": "grounding", "copy": "copy", "length": "length",
           "key_term": "key term", "source_similarity": "source similarity", "agreement": "agreement",
           "judgement": "judgement", "family": "a predicate of the same family and side",
           "synonyms": "synonyms in SudachiDict's synonym dictionary", "same": "the same words",
           "exact": "exact", "fuzzy": "fuzzy", "semantic": "semantic", "llm": "llm", "documents": "documents",
           "comments": "comments", "documents and comments": "documents and comments"},
    "ja": {"pro": "賛成側", "con": "反対側", "unclear": "どちらでもない", "ja": "日本語", "en": "英語",
           "side_margin": "立場の明確さ", "grounding": "出典との重なり", "copy": "出典の写し", "length": "長さ",
           "key_term": "主題の言葉", "source_similarity": "出典との意味の近さ", "agreement": "他の候補との一致",
           "judgement": "判断の言葉", "family": "同じ系統で同じ向きの述語", "synonyms": "SudachiDict の同義語辞書の同義語",
           "same": "同じ言葉", "exact": "完全一致", "fuzzy": "表記の近さ", "semantic": "意味の近さ", "llm": "モデルの判定",
           "documents": "文書", "comments": "コメント", "documents and comments": "文書・コメント"},
}
LANGUAGES = ("en", "ja")


class _PageFormatter(string.Formatter):
    """str.format with the specs of the module docstring, for one page language and its angle names."""

    def __init__(self, language: str, names: Mapping[str, str]):
        self.language = language
        self.names = names

    def term(self, value: Any) -> str:
        return TERMS[self.language].get(str(value), str(value))

    def join(self, values: list[str]) -> str:
        return ("、" if self.language == "ja" else ", ").join(values)

    def quote(self, value: Any) -> str:
        if isinstance(value, (list, tuple)):
            return ("" if self.language == "ja" else ", ").join(map(self.quote, value))
        return f"「{value}」" if self.language == "ja" else f"'{value}'"

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec == "list":
            return self.join([str(item) for item in value])
        if format_spec == "quoted":
            return self.quote(value)
        if format_spec == "repr":
            return self.quote(repr(str(value))[1:-1])
        if format_spec == "term":
            return self.term(value)
        if format_spec == "angle":
            return self.quote(self.names.get(str(value), str(value)))
        if format_spec == "name":
            return self.names.get(str(value), str(value))
        if format_spec == "angles":
            return self.join([self.quote(self.names.get(str(item), str(item))) for item in value])
        if format_spec == "names":
            return self.join([self.names.get(str(item), str(item)) for item in value])
        if format_spec == "sentences":
            if self.language == "ja":
                return f"{value}文"
            return f"{value} sentence" + ("" if value == 1 else "s")
        if format_spec == "scores":
            return self.join([f"{self.term(name)} {float(number):.2f}" for name, number in value.items()])
        if format_spec == "how":
            return (" and " if self.language == "en" else "、").join(map(self.term, value or ["same"]))
        if format_spec == "reason":
            return say(value.get("id", ""), value.get("params") or {}, self.language, self.names)
        if format_spec == "reasons":
            return ("。" if self.language == "ja" else "; ").join(
                self.format_field(item, "reason") for item in value)
        return super().format_field(value, format_spec)


def say(message_id: str, params: Mapping[str, Any] | None = None, language: str = "en",
        names: Mapping[str, str] | None = None) -> str:
    """The message `message_id` with its parameters, in `language` (English when the catalogue has no such
    language); `names` (a page's) shows angle ids by their names, and then so do the names a message carries
    (`names`: {angle id: {language: name}}). An unknown id is shown as it is."""
    templates = MESSAGES.get(message_id)
    if templates is None:
        return message_id
    language = language if language in templates else "en"
    params = dict(params or {})
    carried = params.pop("names", None)
    if names is not None and carried:
        # Names the message carries, of angles the page does not know (left out of the run).
        names = {angle: by_language.get(language, angle) for angle, by_language in carried.items()} | dict(names)
    return _PageFormatter(language, names or {}).format(templates[language], **params)


def term(word: str, language: str) -> str:
    """A word of TERMS (a side, a language, a dedupe tier) in `language`, or the word itself."""
    return TERMS.get(language, TERMS["en"]).get(word, word)


def rule_of(message_id: str) -> str:
    """The rule a message belongs to: 'garbled.brackets' → 'garbled'."""
    return message_id.split(".", 1)[0]
