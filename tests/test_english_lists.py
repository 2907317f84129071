"""English lists: their own length (about 70 characters, at most 100 unless --max-chars is given)."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from polis_seed import cli
from polis_seed.rules import Context, VoteLength, problems, vote_length

DATA = Path(__file__).parent / "data"
QUOTE_COST = "Some members argued that the cost is small compared with the value of open government."
QUOTE_FEE = "Others warned that the hosting fee would grow every year and take money away from road repairs."
SHORT = "Streaming council meetings is worth its small cost for open government."
LONG = ("Streaming council meetings online would take money away from road repairs, as the yearly hosting fee "
        "grows.")


def test_english_statements_are_asked_for_70_characters_and_sent_back_over_100():
    assert vote_length("en", 140) == VoteLength(70, 100, 100)
    assert vote_length("en", 140, max_chars_given=True) == VoteLength(70, 140, 140)  # the user's limit rules
    assert vote_length("en", 80) == VoteLength(70, 80, 80)
    assert vote_length("en", 60, max_chars_given=True) == VoteLength(60, 60, 60)
    assert vote_length("ja", 140) == vote_length("ja", 140, max_chars_given=True) == VoteLength(45, 60, 140)  # as before
    assert 100 < len(LONG) <= 140
    context = Context(max_chars=140, language="en", vote_chars=vote_length("en", 140).most)
    assert any(p.startswith("long") for p in problems(LONG, context)) and not problems(SHORT, context)


def generate(tmp_path, replay, *options):
    # The document fits one request: its claims and the list come in one answer (the document strategy's write).
    claims = [
        {"id": 1, "angle": "cost", "stance": "pro", "subject": "streaming council meetings", "claim": "worth it",
         "document": "D1", "quote": QUOTE_COST, "comments": []},
        {"id": 2, "angle": "cost", "stance": "con", "subject": "streaming council meetings", "claim": "the fee grows",
         "document": "D1", "quote": QUOTE_FEE, "comments": []}]
    listed = [{"text": SHORT, "angle": "cost", "stance": "pro", "claims": [1]},
              {"text": LONG, "angle": "cost", "stance": "con", "claims": [2]}]
    replay.enqueue({"subjects": ["streaming council meetings"], "claims": claims, "statements": listed})
    replay.enqueue({"statements": [{"item": 2, **listed[1]}]})  # the fix: as long as before
    out = tmp_path / "s.jsonl"
    result = CliRunner().invoke(cli.app, ["generate", str(DATA / "council_streaming_en.md"), "-o", str(out),
                                          "--angles", str(DATA / "two_angles_en.yaml"), "--strategy", "document",
                                          "--topic", "streaming council meetings", "--no-stance-check", "--context-tokens", "32000",
                                          *options])
    assert result.exit_code == 0, result.output
    written = next(request for request in replay.history if "seed statements" in request.messages[0].content)
    return [json.loads(line)["text"] for line in out.read_text(encoding="utf-8").splitlines()], written


def test_an_english_list_keeps_to_100_characters_by_default(tmp_path, replay):
    texts, distil = generate(tmp_path, replay)
    assert texts == [SHORT]  # the long one went back once, came back as long, and was dropped
    assert "about 70 characters, never more than 100" in distil.messages[0].content


@pytest.mark.parametrize("given", [["--max-chars", "140"], ["--config", "CONFIG"]])
def test_a_max_chars_the_user_gives_is_the_limit_of_an_english_list(tmp_path, replay, given):
    if given[0] == "--config":
        config = tmp_path / "polis-seed.yaml"
        config.write_text("max_chars: 140\n", encoding="utf-8")
        given = ["--config", str(config)]
    texts, distil = generate(tmp_path, replay, *given)
    assert texts == [SHORT, LONG]
    assert "about 70 characters, never more than 140" in distil.messages[0].content


@pytest.mark.parametrize("text, found", [
    ("The 18F Methods help agencies release their code.", ["18F"]),
    ("OMB should require agencies to release a fifth of new custom code.", ["OMB"]),
    ("First past the post (FPTP) should be replaced.", []),  # spelled out in brackets
    ("Replacing first past the post FPTP would make votes count.", []),  # after the words its letters stand for
    ("Western Kentucky University (WKU) needs a parking structure.", []),
    ("The EU, the UK and NATO should agree on GDP targets.", []),  # words of general English
    ("A STOP sign means STOP, not just slow down.", []),  # a word in capitals
    ("IT staff in NZ need more training.", []),  # a word, a country's code
])
def test_an_acronym_a_participant_may_not_know_is_a_warning_in_english(text, found):
    context = Context(max_chars=140)
    assert [f for f in problems(text, context) if f.startswith("acronym")] == (
        [f"acronym: {', '.join(found)} may mean nothing to a participant; say what it is in plain words, or spell it "
         "out in brackets"] if found else [])
    assert not [f for f in problems("OMBの承認が必要だ", context) if f.startswith("acronym")]  # English only
