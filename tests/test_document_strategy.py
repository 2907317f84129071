"""The document strategy: discuss (map over groups of documents), reduce, distil, and real checks."""

import json
from pathlib import Path

from typer.testing import CliRunner

from polis_seed import cli
from polis_seed.prompts import DiscussPrompt, DistilPrompt, load_angles, load_prompt
from polis_seed.stages.chunk import chunk_documents
from polis_seed.stages.document import DocumentSettings, discuss_documents, plan_groups, write_list
from polis_seed.stages.load import load_documents
from polis_seed.language.tokens import count_tokens
from tests.replay import ReplayProvider

DATA = Path(__file__).parent / "data"
QUOTE_COST = "人件費削減によって5年程度で回収できる見込みである"
QUOTE_CON = "毎年の保守費用が想定より高くなれば、コスト削減の効果は小さくなる"
QUOTE_RESIDENTS = "住民の利便性は大きく向上する"


def documents():
    loaded = load_documents([DATA / "facility_booking_ja.md", DATA / "council_streaming_en.md"]).documents
    return loaded, chunk_documents(loaded)


def test_documents_larger_than_the_budget_are_split_into_groups_that_fit():
    docs, chunks = documents()
    tokens = [count_tokens(d.text) for d in docs]
    one_group = plan_groups(docs, chunks, budget=sum(tokens) + 10)
    assert [[s.label for s in g] for g in one_group] == [["D1", "D2"]]
    split = plan_groups(docs, chunks, budget=max(tokens) // 2)
    assert len(split) > 2 and all(sum(s.tokens for s in g) <= max(tokens) // 2 for g in split)
    assert {s.label for g in split for s in g} == {"D1", "D2"}  # parts keep their document's label


def run(provider, count=3, context_tokens=8000, side_reader=None, **options):
    docs, chunks = documents()
    angles = load_angles(DATA / "two_angles.yaml")
    settings = DocumentSettings(language="ja", max_chars=140, count=count, context_tokens=context_tokens, **options)
    discussed = discuss_documents(docs[:1], chunks, angles, provider, load_prompt("discuss.yaml", DiscussPrompt),
                                  settings)
    return write_list(discussed, angles, provider, load_prompt("distil.yaml", DistilPrompt), settings, side_reader)


def test_quotes_are_checked_in_their_document_and_only_failing_items_go_back():
    provider = ReplayProvider([
        {"claims": [
            {"angle": "cost", "stance": "pro", "claim": "費用は回収できる", "document": "D1", "quote": QUOTE_COST},
            {"angle": "cost", "stance": "con", "claim": "保守費用で効果が減る", "document": "D1", "quote": QUOTE_CON},
            {"angle": "cost", "stance": "con", "claim": "作り話", "document": "D1", "quote": "どこにも書かれていない一文"},
            {"angle": "resident_services", "stance": "pro", "claim": "便利になる", "document": "D1",
             "quote": QUOTE_RESIDENTS},
        ]},
        {"statements": [
            {"text": "予約システムの費用は人件費削減で回収できる", "angle": "cost", "stance": "pro", "document": "D1",
             "quote": QUOTE_COST},
            {"text": "予約システムの保守費用が高いと削減効果は小さい", "angle": "cost", "stance": "con", "document": "D1",
             "quote": "保守費用は毎年ゼロである"},  # made up: re-asked
            {"text": "予約システムのオンライン化は住民の利便性を高める", "angle": "resident_services", "stance": "pro",
             "document": "D2", "quote": QUOTE_RESIDENTS},  # wrong document: re-asked
        ]},
        {"statements": [
            {"item": 2, "text": "予約システムの保守費用が高いと削減効果は小さい", "angle": "cost", "stance": "con",
             "document": "D1", "quote": QUOTE_CON},
            {"item": 3, "text": "予約システムのオンライン化は住民の利便性を高める", "angle": "resident_services",
             "stance": "pro", "document": "D1", "quote": "やはり作り話"},
        ]},
    ])
    result = run(provider)
    texts = [s.text for s in result.statements]
    assert texts == ["予約システムの費用は人件費削減で回収できる", "予約システムの保守費用が高いと削減効果は小さい"]
    source = (DATA / "facility_booking_ja.md").read_text(encoding="utf-8")
    assert all(s.quote in source and s.document_id and s.stance for s in result.statements)
    # The made-up claim never reached the distil request; the one fix request lists only the failing items.
    distil_prompt = provider.history[1].messages[-1].content
    assert "作り話" not in distil_prompt and QUOTE_CON in distil_prompt
    fix = provider.history[2]
    assert fix.messages[-1].content.startswith("These statements need fixing")
    assert "\n2. " in fix.messages[-1].content and "\n3. " in fix.messages[-1].content
    assert "\n1. " not in fix.messages[-1].content and "予約システムの費用は人件費削減" not in fix.messages[-1].content
    # What still failed after its one fix is dropped and counted, with its reasons.
    counts = result.report.drop_counts()
    assert counts["claim-quote-not-found"] == 1 and counts["quote-not-found"] == 1
    assert [a.purpose for a in result.report.attempts] == ["discuss", "distil", "distil"]


def test_the_documents_are_a_stable_cached_prefix_of_every_request_of_their_group():
    claims = {"claims": [{"angle": "cost", "stance": "pro", "claim": "回収できる", "document": "D1", "quote": QUOTE_COST}]}
    provider = ReplayProvider([claims, claims, {"statements": [
        {"text": "予約システムの費用は人件費削減で回収できる", "angle": "cost", "stance": "pro", "document": "D1",
         "quote": QUOTE_COST}]}])
    docs, chunks = documents()
    angles = load_angles(DATA / "two_angles.yaml")
    settings = DocumentSettings(language="ja", max_chars=140, count=2, context_tokens=8000, angles_per_request=1)
    discussed = discuss_documents(docs[:1], chunks, angles, provider, load_prompt("discuss.yaml", DiscussPrompt),
                                  settings)
    write_list(discussed, angles, provider, load_prompt("distil.yaml", DistilPrompt), settings)
    first, second = provider.history[0].messages, provider.history[1].messages
    assert first[:2] == second[:2] and first[-1] != second[-1]
    assert first[1].cache_breakpoint and "<document id=\"D1\"" in first[1].content


def test_generate_with_the_document_strategy_from_the_command_line(tmp_path, replay):
    replay.enqueue({"claims": [
        {"angle": "cost", "stance": "pro", "claim": "費用は回収できる", "document": "D1", "quote": QUOTE_COST},
        {"angle": "cost", "stance": "con", "claim": "保守費用で効果が減る", "document": "D1", "quote": QUOTE_CON}]})
    replay.enqueue({"statements": [
        {"text": "予約システムの費用は人件費削減で回収できる", "angle": "cost", "stance": "pro", "document": "D1",
         "quote": QUOTE_COST},
        {"text": "予約システムの保守費用が高いと削減効果は小さい", "angle": "cost", "stance": "con", "document": "D1",
         "quote": QUOTE_CON}]})
    result = CliRunner().invoke(cli.app, ["generate", str(DATA / "facility_booking_ja.md"), "-o", str(tmp_path / "s.jsonl"),
                                          "--angles", str(DATA / "two_angles.yaml"), "--strategy", "document",
                                          "--count", "2", "--no-stance-check"])
    assert result.exit_code == 0, result.output
    assert result.output.count("strategy document (--strategy document") == 1
    report = json.loads((tmp_path / "s.report.json").read_text(encoding="utf-8"))
    assert report["strategy"] == "document"
    records = [json.loads(line) for line in (tmp_path / "s.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [(r["angle"], r["stance"]) for r in records] == [("cost", "pro"), ("cost", "con")]
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
                    content, usage = {"topic": "公共施設予約のオンライン化", "terms": ["予約"]}, {"input_tokens": 0,
                                                                                  "output_tokens": 0}
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
    claims = {"claims": [{"angle": "cost", "stance": "pro", "claim": "回収できる", "document": "D1", "quote": QUOTE_COST}]}
    # Usage blocks as Anthropic reports them: the first request writes the documents to the cache, the next reads them.
    # (answer, usage, a piece of the request it answers: the angles asked for, or None for the distil request)
    answers = [({"claims": []}, {"input_tokens": 120, "output_tokens": 80, "cache_creation_input_tokens": 900,
                                 "cache_read_input_tokens": 0}, "- a1:"),
               (claims, {"input_tokens": 110, "output_tokens": 70, "cache_creation_input_tokens": 0,
                         "cache_read_input_tokens": 900}, "- cost:"),
               ({"statements": [{"text": "予約システムの費用は人件費削減で回収できる", "angle": "cost", "stance": "pro",
                                 "document": "D1", "quote": QUOTE_COST}]},
                {"input_tokens": 300, "output_tokens": 40}, "Claims found")]
    with RecordedMessagesServer(answers) as server:
        # Five angles: two discuss requests (four angles fit one) share the documents as their prefix.
        angles = tmp_path / "angles.yaml"
        angles.write_text("angles:\n" + "".join(
            f"  - {{id: {name}, name: {name}, pro: p, con: c}}\n" for name in ("a1", "a2", "a3", "a4", "cost")),
            encoding="utf-8")
        result = CliRunner().invoke(cli.app, [
            "run", str(DATA / "facility_booking_ja.md"), "-o", str(tmp_path / "out"), "--angles", str(angles),
            "--provider", "anthropic", "--base-url", server.base_url, "--model", "claude-haiku-4-5",
            "--strategy", "document", "--count", "1", "--cache-dir", str(tmp_path / "cache"), "--tiers", "exact",
            "--no-stance-check"])
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


def test_the_list_is_as_long_as_the_distinct_claims_not_the_cap():
    from polis_seed.stages.document import Claim, distil_request

    same = "人件費削減によって5年程度で回収できる見込みである"
    claims = [Claim(angle="cost", stance="pro", claim="回収できる", document="D1", quote=same),
              Claim(angle="resident_services", stance="pro", claim="住民の負担も減る", document="D1", quote=same),
              Claim(angle="cost", stance="con", claim="保守費用で効果が減る", document="D1", quote=QUOTE_CON)]
    settings = DocumentSettings(language="ja", max_chars=140, count=36, context_tokens=8000)
    request = distil_request(claims, load_prompt("distil.yaml", DistilPrompt), settings)
    assert "write 2 statements" in request.messages[0].content.casefold()  # two quotes: two claims, not 36


def test_a_statement_that_says_the_opposite_of_its_quote_goes_back_once_and_is_dropped_if_it_still_does():
    opposite = "予約システムの利便性は向上しない"  # its quote says the service improves a lot
    provider = ReplayProvider([
        {"claims": [{"angle": "cost", "stance": "pro", "claim": "費用は回収できる", "document": "D1", "quote": QUOTE_COST},
                    {"angle": "resident_services", "stance": "pro", "claim": "便利になる", "document": "D1",
                     "quote": QUOTE_RESIDENTS}]},
        {"statements": [
            {"text": "予約システムの費用は人件費削減で回収できる", "angle": "cost", "stance": "pro", "document": "D1",
             "quote": QUOTE_COST},
            {"text": opposite, "angle": "resident_services", "stance": "pro", "document": "D1", "quote": QUOTE_RESIDENTS},
        ]},
        {"statements": [{"item": 2, "text": opposite, "angle": "resident_services", "stance": "pro", "document": "D1",
                         "quote": QUOTE_RESIDENTS}]},
    ])
    result = run(provider)
    assert [s.text for s in result.statements] == ["予約システムの費用は人件費削減で回収できる"]
    fix = provider.history[2].messages[-1].content
    assert "contradicts-quote" in fix and opposite in fix
    assert result.report.drop_counts()["contradicts-quote"] == 1
