"""The document strategy: one request when everything fits (subjects, claims with quotes, the list), else discuss per
group (map), claims made one (reduce) and distilled; real checks of every quote and row id either way."""

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from polis_seed import cli
from polis_seed.language.tokens import count_tokens
from polis_seed.prompts import DiscussPrompt, DistilPrompt, WritePrompt, load_angles, load_prompt
from polis_seed.stages.chunk import chunk_documents
from polis_seed.stages.claims import Found, Units
from polis_seed.stages.document import (DocumentSettings, Prompts, distil_request, plan_groups, plan_reading,
                                        write_document_list)
from polis_seed.stages.load import load_documents
from tests.replay import ReplayProvider

DATA = Path(__file__).parent / "data"
QUOTE_COST = "人件費削減によって5年程度で回収できる見込みである"
QUOTE_CON = "毎年の保守費用が想定より高くなれば、コスト削減の効果は小さくなる"
QUOTE_RESIDENTS = "住民の利便性は大きく向上する"
SUBJECT = "公共施設予約のオンライン化"


def documents():
    loaded = load_documents([DATA / "facility_booking_ja.md", DATA / "council_streaming_en.md"]).documents
    return loaded, chunk_documents(loaded)


def prompts() -> Prompts:
    return Prompts(load_prompt("write.yaml", WritePrompt), load_prompt("discuss.yaml", DiscussPrompt),
                   load_prompt("distil.yaml", DistilPrompt))


def claim(number, angle, stance, text, quote, document="D1", comments=()):
    return {"id": number, "angle": angle, "stance": stance, "subject": SUBJECT, "claim": text, "document": document,
            "quote": quote, "comments": list(comments)}


def statement(text, angle, stance, claims):
    return {"text": text, "angle": angle, "stance": stance, "claims": claims}


def run(provider, count=3, context_tokens=16000, side_reader=None, docs=None, **options):
    loaded, chunks = documents()
    angles = load_angles(DATA / "two_angles.yaml")
    settings = DocumentSettings(language="ja", max_chars=140, count=count, context_tokens=context_tokens, **options)
    return write_document_list(docs or loaded[:1], chunks, angles, provider, prompts(), settings,
                               side_reader_for=lambda topic, subjects: side_reader)


def test_documents_larger_than_the_budget_are_split_into_groups_that_fit():
    docs, chunks = documents()
    tokens = [count_tokens(d.text) for d in docs]
    one_group = plan_groups(docs, chunks, budget=sum(tokens) + 100)  # the <document> tags and titles count too
    assert [[s.label for s in g] for g in one_group] == [["D1", "D2"]]
    split = plan_groups(docs, chunks, budget=max(tokens) // 2)
    assert len(split) > 2 and all(sum(s.cost for s in g) <= max(tokens) // 2 for g in split)
    assert {s.label for g in split for s in g} == {"D1", "D2"}  # parts keep their document's label


def test_everything_that_fits_one_request_is_asked_in_one_and_failing_quotes_go_back_with_their_statements():
    provider = ReplayProvider([
        {"subjects": [SUBJECT], "claims": [
            claim(1, "cost", "pro", "費用は回収できる", QUOTE_COST),
            claim(2, "cost", "con", "保守費用で効果が減る", QUOTE_CON),
            claim(3, "cost", "con", "作り話", "どこにも書かれていない一文"),
            claim(4, "resident_services", "pro", "便利になる", QUOTE_RESIDENTS, document="D2")],  # wrong document
         "statements": [
            statement("予約システムの費用は人件費削減で回収できる", "cost", "pro", [1]),
            statement("予約システムの保守費用が高いと削減効果は小さい", "cost", "con", [3]),  # a made-up quote
            statement("予約のオンライン化は住民の利便性を高める", "resident_services", "pro", [4])]},
        {"statements": [
            {"item": 2, "text": "予約システムの保守費用が高いと削減効果は小さい", "angle": "cost", "stance": "con",
             "claims": [2]},
            {"item": 3, "text": "予約のオンライン化は住民の利便性を高める", "angle": "resident_services",
             "stance": "pro", "claims": [4]}]},
    ])
    result = run(provider)
    assert [s.text for s in result.statements] == ["予約システムの費用は人件費削減で回収できる",
                                                   "予約システムの保守費用が高いと削減効果は小さい"]
    source = (DATA / "facility_booking_ja.md").read_text(encoding="utf-8")
    assert all(s.quote in source and s.document_id and s.stance for s in result.statements)
    assert result.statements[1].quote == QUOTE_CON  # the quote of the claim the fix named
    # One request for subjects, claims and the list; one fix request listing only the failing items, with why.
    assert [r.schema_name for r in provider.history] == ["Written", "Fixes"]
    fix = provider.history[1].messages[-1].content
    assert fix.startswith("These statements need fixing") and "\n2. " in fix and "\n3. " in fix
    assert "\n1. " not in fix and "quote-not-found" in fix
    counts = result.report.drop_counts()
    assert counts["claim-quote-not-found"] == 2 and counts["quote-not-found"] == 1
    assert result.subjects == [SUBJECT] and result.topic.name == SUBJECT


def test_documents_that_do_not_fit_are_read_in_groups_with_the_documents_as_a_stable_cached_prefix():
    discussion = {"subjects": [SUBJECT], "claims": [
        {"angle": "cost", "stance": "pro", "subject": SUBJECT, "claim": "回収できる", "document": "D1",
         "quote": QUOTE_COST, "comments": []}]}
    provider = ReplayProvider([discussion, discussion, {"statements": [
        statement("予約システムの費用は人件費削減で回収できる", "cost", "pro", [1])]}])
    provider.always("TopicAnswer", {"topic": SUBJECT, "terms": ["予約"]})
    docs, chunks = documents()
    angles = load_angles(DATA / "two_angles.yaml")
    settings = DocumentSettings(language="ja", max_chars=140, count=2, context_tokens=3000, angles_per_request=1)
    from polis_seed.stages.topic import find_topic

    result = write_document_list(docs[:1], chunks, angles, provider, prompts(), settings,
                                 find_topic=lambda: find_topic(docs[:1], "ja", provider, given=None))
    first, second = provider.history[0].messages, provider.history[1].messages
    assert first[:2] == second[:2] and first[-1] != second[-1]
    assert first[1].cache_breakpoint and "<document id=\"D1\"" in first[1].content
    assert [r.schema_name for r in provider.history] == ["Discussion", "Discussion", "Distillation"]
    assert "(文書1件中1件)" in provider.history[2].messages[-1].content  # each claim shown with its support
    assert [s.text for s in result.statements] == ["予約システムの費用は人件費削減で回収できる"]


def test_generate_with_the_document_strategy_from_the_command_line(tmp_path, replay):
    replay.enqueue({"subjects": [SUBJECT], "claims": [
        claim(1, "cost", "pro", "費用は回収できる", QUOTE_COST), claim(2, "cost", "con", "保守費用で効果が減る", QUOTE_CON)],
        "statements": [statement("予約システムの費用は人件費削減で回収できる", "cost", "pro", [1]),
                       statement("予約システムの保守費用が高いと削減効果は小さい", "cost", "con", [2])]})
    result = CliRunner().invoke(cli.app, ["generate", str(DATA / "facility_booking_ja.md"), "-o", str(tmp_path / "s.jsonl"),
                                          "--angles", str(DATA / "two_angles.yaml"), "--strategy", "document",
                                          "--count", "2", "--no-stance-check", "--context-tokens", "32000"])
    assert result.exit_code == 0, result.output
    assert result.output.count("strategy document (--strategy document") == 1
    report = json.loads((tmp_path / "s.report.json").read_text(encoding="utf-8"))
    assert report["strategy"] == "document"
    records = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["angle"], r["stance"]) for r in records] == [("cost", "pro"), ("cost", "con")]
    assert all(r["support"] == {"count": 1, "of": 1, "unit": "documents", "documents": 1, "holders": [
        {"document_id": r["document_id"], "source_path": r["source_path"], "quote": r["quote"]}]}
        for r in records)
    assert "resident_services: the documents gave no claim for the pro side" in result.output


class RecordedMessagesServer:
    """A Messages API server on 127.0.0.1 that answers with recorded responses, usage blocks included."""

    def __init__(self, answers):
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.answers = list(answers)
        self.bodies = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status, payload):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                self._send(404, {"type": "error", "error": {"type": "not_found_error", "message": "no"}})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                if body["output_config"]["format"]["schema"].get("title") == "TopicAnswer":
                    content, usage = {"topic": SUBJECT, "terms": ["予約"]}, {"input_tokens": 0, "output_tokens": 0}
                else:
                    server.bodies.append(body)
                    # The two discuss requests go out at once: each gets the answer recorded for its angles.
                    task = body["messages"][-1]["content"][-1]["text"]
                    answer = next((a for a in server.answers if a[2] is None or a[2] in task), server.answers[0])
                    server.answers.remove(answer)
                    content, usage = answer[0], answer[1]
                self._send(200, {"id": "msg_1", "type": "message", "role": "assistant", "model": "m",
                                 "content": [{"type": "text", "text": json.dumps(content, ensure_ascii=False)}],
                                 "stop_reason": "end_turn", "stop_sequence": None, "usage": usage})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}"


def test_anthropic_usage_records_the_cached_prefix_of_a_document_run(tmp_path):
    claims = {"subjects": [SUBJECT], "claims": [{"angle": "cost", "stance": "pro", "subject": SUBJECT,
                                                 "claim": "回収できる", "document": "D1", "quote": QUOTE_COST,
                                                 "comments": []}]}
    # Usage blocks as Anthropic reports them: the first request writes the documents to the cache, the next reads them.
    # (answer, usage, a piece of the request it answers: the angles asked for, or the distil request)
    answers = [({"subjects": [], "claims": []}, {"input_tokens": 120, "output_tokens": 80,
                                                 "cache_creation_input_tokens": 900, "cache_read_input_tokens": 0},
                "- a1:"),
               (claims, {"input_tokens": 110, "output_tokens": 70, "cache_creation_input_tokens": 0,
                         "cache_read_input_tokens": 900}, "- cost:"),
               ({"statements": [statement("予約システムの費用は人件費削減で回収できる", "cost", "pro", [1])]},
                {"input_tokens": 300, "output_tokens": 40}, "Claims found")]
    with RecordedMessagesServer(answers) as server:
        # Five angles and a small window: two discuss requests (four angles fit one) share the documents as their
        # prefix.
        angles = tmp_path / "angles.yaml"
        angles.write_text("angles:\n" + "".join(
            f"  - {{id: {name}, name: {name}, pro: p, con: c}}\n" for name in ("a1", "a2", "a3", "a4", "cost")),
            encoding="utf-8")
        result = CliRunner().invoke(cli.app, [
            "run", str(DATA / "facility_booking_ja.md"), "-o", str(tmp_path / "out"), "--angles", str(angles),
            "--provider", "anthropic", "--base-url", server.base_url, "--model", "claude-haiku-4-5",
            "--strategy", "document", "--count", "1", "--cache-dir", str(tmp_path / "cache"), "--tiers", "exact",
            "--no-stance-check", "--context-tokens", "9000"])
        bodies = server.bodies
    assert result.exit_code == 0, result.output
    usage = json.loads((tmp_path / "out" / "usage.json").read_text(encoding="utf-8"))
    assert usage["cached_input_tokens"] == 900 and usage["cache_write_tokens"] == 900
    assert usage["input_tokens"] == 530 and usage["output_tokens"] == 190
    haiku = (530 * 1.00 + 900 * 0.10 + 900 * 1.25 + 190 * 5.00) / 1_000_000
    assert usage["usd"] == round(haiku, 6)
    documents_block = bodies[0]["messages"][0]["content"][0]
    assert documents_block["cache_control"] == {"type": "ephemeral"} and "<document id=\"D1\"" in documents_block["text"]
    assert bodies[0]["messages"][0]["content"][0] == bodies[1]["messages"][0]["content"][0]


def test_the_list_is_never_asked_for_more_statements_than_distinct_claims_counted_by_overlap():
    docs, _ = documents()
    key = (docs[0].id, None)
    same = "人件費削減によって5年程度で回収できる見込みである"
    claims = [Found("cost", "pro", SUBJECT, "回収できる", {key: same}, key),
              # the same words under another angle, and a quote inside it: one claim
              Found("resident_services", "pro", SUBJECT, "住民の負担も減る", {key: same}, key),
              Found("cost", "pro", SUBJECT, "5年で回収", {key: "5年程度で回収できる"}, key),
              Found("cost", "con", SUBJECT, "保守費用で効果が減る", {key: QUOTE_CON}, key)]
    settings = DocumentSettings(language="ja", max_chars=140, count=36, context_tokens=8000)
    request = distil_request(claims, Units(docs[:1]), load_prompt("distil.yaml", DistilPrompt), settings)
    assert "write at most 2 statements" in request.messages[0].content.casefold()


def test_a_statement_that_says_the_opposite_of_its_quote_goes_back_once_and_is_dropped_if_it_still_does():
    opposite = "予約システムの利便性は向上しない"  # its quote says the service improves a lot
    provider = ReplayProvider([
        {"subjects": [SUBJECT], "claims": [claim(1, "cost", "pro", "費用は回収できる", QUOTE_COST),
                                           claim(2, "resident_services", "pro", "便利になる", QUOTE_RESIDENTS)],
         "statements": [statement("予約システムの費用は人件費削減で回収できる", "cost", "pro", [1]),
                        statement(opposite, "resident_services", "pro", [2])]},
        {"statements": [{"item": 2, "text": opposite, "angle": "resident_services", "stance": "pro", "claims": [2]}]},
    ])
    result = run(provider)
    assert [s.text for s in result.statements] == ["予約システムの費用は人件費削減で回収できる"]
    fix = provider.history[1].messages[-1].content
    assert "contradicts-quote" in fix and opposite in fix
    assert result.report.drop_counts()["contradicts-quote"] == 1


def test_two_statements_of_one_claim_give_one_statement():
    provider = ReplayProvider([{"subjects": [SUBJECT], "claims": [
        claim(1, "cost", "pro", "費用は回収できる", QUOTE_COST),
        claim(2, "resident_services", "pro", "職員が減り住民の負担も減る", "人件費削減によって5年程度で回収できる")],
        "statements": [statement("予約システムの費用は人件費削減で回収できる", "cost", "pro", [1]),
                       statement("予約システムで住民の負担は減る", "resident_services", "pro", [2])]}])
    result = run(provider)
    assert len(result.statements) == 1
    assert result.report.drop_counts() == {"same-claim": 1}


def test_a_plan_reads_in_one_request_what_fits_and_in_groups_what_does_not():
    docs, chunks = documents()
    angles = load_angles(DATA / "two_angles.yaml")
    roomy = DocumentSettings(language="ja", max_chars=140, count=4, context_tokens=128_000, output_tokens=16_384)
    assert plan_reading(docs, chunks, angles, prompts(), roomy).one_request
    tight = DocumentSettings(language="ja", max_chars=140, count=4, context_tokens=4000, output_tokens=16_384)
    reading = plan_reading(docs, chunks, angles, prompts(), tight)
    assert not reading.one_request and len(reading.groups) >= 1
    # An answer longer than the model gives (many angles and statements) is not asked in one request either.
    short = DocumentSettings(language="ja", max_chars=140, count=40, context_tokens=128_000, output_tokens=4_000)
    assert not plan_reading(docs, chunks, angles, prompts(), short).one_request


def test_the_subject_is_named_by_the_one_request_not_by_a_request_of_its_own():
    provider = ReplayProvider([{"subjects": ["施設予約のオンライン化", "個人情報の保護"], "claims": [
        claim(1, "cost", "pro", "費用は回収できる", QUOTE_COST)],
        "statements": [statement("予約システムの費用は人件費削減で回収できる", "cost", "pro", [1])]}])
    from polis_seed.stages.topic import topic_of_subjects

    loaded, chunks = documents()
    angles = load_angles(DATA / "two_angles.yaml")
    settings = DocumentSettings(language="ja", max_chars=140, count=3, context_tokens=16000)
    result = write_document_list(loaded[:1], chunks, angles, provider, prompts(), settings,
                                 topic_from=lambda subjects: topic_of_subjects(loaded[:1], "ja", subjects))
    assert result.subjects == ["施設予約のオンライン化", "個人情報の保護"]
    assert result.topic.name == "施設予約のオンライン化" and "個人情報" in result.topic.terms
    assert not any(r.schema_name == "TopicAnswer" for r in provider.history)


def test_a_prompt_before_any_subject_speaks_of_each_claims_own_subject():
    from polis_seed.stages.document import write_request

    docs, chunks = documents()
    settings = DocumentSettings(language="ja", max_chars=140, count=3, context_tokens=16000)
    request = write_request(plan_groups(docs[:1], chunks, 16000)[0], load_angles(), prompts().write, settings)
    task = request.messages[-1].content
    assert "{topic}" in (Path(__file__).parents[1] / "prompts" / "angles.yaml").read_text(encoding="utf-8")
    assert "その主張の対象" in task and "議論されている施策" not in task
    assert "up to 3 claims on the pro side" in task


def test_the_dry_run_predicts_requests_tokens_and_rounds_for_the_whole_input(tmp_path):
    one = CliRunner().invoke(cli.app, ["generate", str(DATA / "facility_booking_ja.md"), "--dry-run", "--provider",
                                       "openai", "--model", "gpt-4o", "--strategy", "document"])
    assert one.exit_code == 0, one.output
    assert "batch rounds: at most 5, 2 when every answer passes its checks" in one.output
    assert "everything fits one request" in one.output
    # Documents too large for one request: read in groups, and the rounds of the map said before anything is sent.
    big = tmp_path / "big.md"
    big.write_text("\n\n".join((DATA / "facility_booking_ja.md").read_text(encoding="utf-8") + f"\n第{n}回の記録です。"
                               for n in range(60)), encoding="utf-8")
    grouped = CliRunner().invoke(cli.app, ["generate", str(big), "--dry-run", "--provider", "openai", "--model",
                                           "gpt-4o", "--strategy", "document", "--context-tokens", "8000"])
    assert grouped.exit_code == 0, grouped.output
    at_most, usually = map(int, re.search(r"batch rounds: at most (\d+), (\d+) when every answer passes its checks",
                                          grouped.output).groups())
    merges = re.search(r"merge request\(s\) in (\d+) round", grouped.output)
    levels = int(merges.group(1)) if merges else 0
    # subject and claims (2 attempts), the merge levels, distil (2), side check and fixes, two more fix rounds
    assert (at_most, usually) == (2 + levels + 2 + 3, 1 + levels + 1 + 1)
    assert re.search(r"document strategy: \d+ group\(s\) of documents", grouped.output)
    largest = int(re.search(r"the largest request takes ([\d,]+) tokens", grouped.output).group(1).replace(",", ""))
    assert largest <= 8000
