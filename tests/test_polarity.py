"""A statement that says the opposite of its quote, and quotes that keep the words that carry their polarity."""

import json

import pytest
from typer.testing import CliRunner

from polis_seed import cli
from polis_seed.language.polarity import contradicting_word
from polis_seed.rules import Context, problems
from polis_seed.stages.generate import MAX_QUOTE_CHARS, short_quote

runner = CliRunner()


@pytest.mark.parametrize("statement, quote", [
    ("窓口の廃止は市が進めるべきだ", "窓口の廃止は住民の不安も大きく、市が急いで進めるべきものではない。"),
    ("電子申請は高齢者に使いやすい", "電子申請は高齢者には使いやすくないとの声が多い。"),
    ("共通化は容易だ", "共通化は容易ではない。"),
    ("ごみの有料化は減量に効果がない", "ごみの有料化は減量に効果がある。"),
    ("The council should close the branch library.", "The branch library should not be closed by the council."),
    ("Congestion charges help small shops.", "Congestion charges do not help small shops."),
])
def test_a_statement_that_turns_its_quote_around_is_found(statement, quote):
    assert contradicting_word(statement, quote)
    assert any(p.startswith("contradicts-quote") for p in problems(statement, Context(max_chars=140, source=quote)))


@pytest.mark.parametrize("statement, quote", [
    ("共通化は困難だ", "共通化は容易ではない。"),  # the same claim, said the other way
    ("標準化を無理に進めると現場の混乱を招く", "無理に標準化してしまうと混乱を招くことになるのではないか。"),  # a rhetorical question asserts
    ("共通化の住民へのメリットはまだ示されていない", "住民にどのようなメリットがあるのかを示す必要がある。"),  # a need and its absence agree
    ("給食費は値上げせざるを得ない", "食材費の高騰で給食費を値上げせざるを得ない。"),  # a must, not a negation
    ("給食費の値上げは避けられない", "現在のところ、給食費を値上げする状況でない。"),  # the negation is the situation's
    ("共通システムは各自治体の特性を反映できない", "共通システムは各自治体の特性を反映しにくい。"),  # hard to, and cannot
    ("The voting system needs reform to better represent voters.", "The voting system does not represent voters."),
    ("Congestion charges help small shops.", "Congestion charges help small shops and buses."),
])
def test_the_same_claim_in_other_words_is_not_a_contradiction(statement, quote):
    assert contradicting_word(statement, quote) is None


def test_a_quote_is_never_cut_before_the_words_that_turn_its_clause_around():
    sentence = ("QRコード決済の導入については、キャッシュレス化の流れや店舗側の事務負担の軽減、観光客の利便性の向上など多くの"
                "利点が各方面から挙げられ、国の補助事業も活用できることから前向きな意見が多かったが、手数料の負担や高齢者への"
                "配慮を考えると、市が率先して推進すべきものではない。")
    assert len(sentence) > MAX_QUOTE_CHARS
    quote = short_quote(sentence, "QRコード決済の導入は観光客の利便性を高める")
    assert quote.endswith("推進すべきものではない。") and quote in sentence
    plain = "駅前の駐輪場は、通勤や通学の利用者が多く朝夕には満車になることが多いため、" * 4 + "拡張の計画が示された。"
    assert short_quote(plain, "駅前の駐輪場は満車になる").endswith("ため、")  # a clause end, not the middle of a word


def test_lint_and_the_report_show_a_statement_that_contradicts_its_quote(tmp_path):
    path = tmp_path / "list.jsonl"
    rows = [{"text": "窓口の廃止は市が進めるべきだ", "quote": "窓口の廃止は市が急いで進めるべきものではない。"},
            {"text": "窓口の廃止は職員の負担を減らす", "quote": "窓口を廃止すれば職員の負担は減る。"}]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    result = runner.invoke(cli.app, ["lint", str(path), "--json"])
    found = {(f["line"], f["rule"]) for f in json.loads(result.stdout)["findings"]}
    assert (1, "contradicts-quote") in found and (2, "contradicts-quote") not in found
    assert result.exit_code == 1


# English paraphrases a capable model writes for a quote: a lexical negation ("refrain from", "avoid", "fail to",
# "lack"), a negated antonym, a relative clause on a negated phrase, two antonyms that cancel out.
@pytest.mark.parametrize("statement, quote", [
    ("Agencies should not select proprietary software when open source meets the need.",
     "Agencies should refrain from selecting proprietary software when an open source option meets the same need."),
    ("Custom solutions carry long-term maintenance.",
     "Open source code has no long term maintenance requirements that often accompany custom solutions."),
    ("Schools should not schedule exams on religious holidays.", "Schools should avoid scheduling exams on religious holidays."),
    ("The voting system does not reflect what voters want.", "The voting system fails to reflect what voters want."),
    ("The IT team does not have the skills to run live video.", "The IT team said they lack the skills to run live video."),
    ("Switching energy suppliers is easy.", "Switching energy suppliers is not difficult for most households."),
    ("The road budget is not enough.", "The road budget is insufficient for the backlog of potholes."),
    ("More cars in the centre make bus journeys slower.", "Fewer cars would make bus journeys faster and more reliable."),
    ("Scottsville Road should have fewer traffic lights.", "There are way too many traffic lights along Scottsville Road."),
    ("Cycling in the city centre is dangerous.", "Cycling in the city centre is not safe without protected lanes."),
    ("A congestion charge would reduce traffic in the centre.",
     "Traffic in the centre has grown every year, and the charge is the only measure that will actually reduce it."),
    ("Voters must be able to see how each vote is counted.", "Voters cannot see how each vote is counted."),
])
def test_an_english_paraphrase_is_not_a_contradiction(statement, quote):
    assert contradicting_word(statement, quote) is None


@pytest.mark.parametrize("statement, quote", [
    ("Agencies should select proprietary software.", "Agencies should refrain from selecting proprietary software."),
    ("The IT team has the skills to run live video.", "The IT team said they lack the skills to run live video."),
    ("Cycling in the city centre is safe.", "Cycling in the city centre is dangerous for children."),
    ("Switching energy suppliers is difficult.", "Switching energy suppliers is not difficult for most households."),
    ("Sharing the contract would raise the cost for both towns.", "Sharing the contract could lower the cost for both towns."),
    ("Villages outside the city have good alternatives to driving.",
     "Respondents from villages said there is no real alternative to driving: buses are too infrequent."),
    ("Paper forms are still necessary.", "Paper forms are unnecessary now that every library offers internet access."),
    ("Bike lanes do not need to be wide enough to ride on safely.", "Bike lanes should be wide enough to ride on safely."),
])
def test_an_english_reversal_is_found(statement, quote):
    assert contradicting_word(statement, quote)


def test_the_labelled_english_pairs_developed_on():
    """tests/data/polarity/english_pairs.tsv, the part the rule was developed on: no faithful pair flagged, and
    at most the three reversals no word-level reading finds (a cause turned around, "drive away" for "attract",
    a clause chosen wrongly) missed."""
    import csv
    from pathlib import Path

    path = Path(__file__).parent / "data" / "polarity" / "english_pairs.tsv"
    pairs = [row for row in csv.DictReader(path.open(encoding="utf-8"), delimiter="\t") if row["part"] == "dev"]
    flagged = [row["statement"] for row in pairs if row["label"] == "faithful"
               and contradicting_word(row["statement"], row["quote"])]
    missed = [row["statement"] for row in pairs if row["label"] == "reversed"
              and not contradicting_word(row["statement"], row["quote"])]
    assert len(pairs) >= 120 * 2 // 3 and not flagged and len(missed) <= 3
