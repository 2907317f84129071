"""Claims weighed by their support, never by their order: comment files as units with row ids, one claim with many
holders, the list chosen by support and balance, every request within the window, support shown."""

import csv
import hashlib
import io
import json
import random
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from polis_seed import cli
from polis_seed.models import Angle
from polis_seed.prompts import DiscussPrompt, DistilPrompt, WritePrompt, load_angles, load_prompt
from polis_seed.stages.chunk import chunk_documents
from polis_seed.stages.claims import (ClaimAnswer, Corpus, Found, Picked, Shown, Units, check_claim,
                                      dedupe_same_as, distinct_count, merge_claims, merge_overlapping,
                                      select_by_support)
from polis_seed.stages.document import (DocumentSettings, Prompts, discuss_requests, plan_reading,
                                        window_problem)
from polis_seed.stages.load import load_documents
from tests.replay import ReplayProvider

DATA = Path(__file__).parent / "data"
# ../shared/data/polis-open beside the checkout (or beside the worktrees' folder).
POLIS = next((p for p in (Path(__file__).parents[n] / "shared" / "data" / "polis-open" for n in (2, 3)) if p.is_dir()),
             Path(__file__).parents[2] / "shared" / "data" / "polis-open")
runner = CliRunner()


def write_csv(path: Path, rows: list[dict], columns=("comment-id", "moderated", "comment-body")) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns))
        writer.writeheader()
        writer.writerows(rows)
    return path


def comments_csv(tmp_path: Path, comments: list[str], name="comments.csv", ids=True, rejected=()) -> Path:
    rows = [{"comment-id": str(100 + index), "moderated": "-1" if index in rejected else "1", "comment-body": text}
            for index, text in enumerate(comments)]
    if not ids:
        return write_csv(tmp_path / name, [{"意見": row["comment-body"]} for row in rows], columns=("意見",))
    return write_csv(tmp_path / name, rows)


# ----- comment files as units -----------------------------------------------------------------------------------

def test_a_comment_file_is_rows_with_ids_titled_by_its_file_not_by_its_first_comment(tmp_path):
    path = comments_csv(tmp_path, ["Smallhouse Rd needs to be widened to three lanes", "The river downtown needs a "
                                   "walking path", "spam spam spam"], rejected=(2,))
    loaded = load_documents([path])
    document = loaded.documents[0]
    assert [(row.id, row.text) for row in document.rows] == [
        ("100", "Smallhouse Rd needs to be widened to three lanes"), ("101", "The river downtown needs a walking path")]
    assert document.title == "comments.csv (2 comments)" and "Smallhouse" not in document.title
    assert "spam" not in document.text and any("moderator rejected" in w for w in loaded.warnings)
    numbered = load_documents([comments_csv(tmp_path, ["一つ目の意見です", "", "三つ目の意見です"], name="survey.csv",
                                            ids=False)]).documents[0]
    # Without an id column, a comment is its row as a spreadsheet shows it (the header is row 1; empty rows count).
    assert [row.id for row in numbered.rows] == ["2", "4"]


def test_a_quote_is_checked_in_one_comment_and_row_ids_against_the_comments_shown(tmp_path):
    document = load_documents([comments_csv(tmp_path, ["Widen Smallhouse Road to three lanes.",
                                                       "Smallhouse Road is dangerous at rush hour.",
                                                       "More art classes in K-12 schools."])]).documents[0]
    shown = Shown({"D1": document}, {"D1": tuple(document.rows[:2])})
    corpus = Corpus([document])

    def answer(quote, comments):
        return ClaimAnswer(angle="feasibility", stance="pro", subject="roads", claim="Widen the road", document="D1",
                           quote=quote, comments=comments)

    claim, problems = check_claim(answer("Smallhouse Road to three", ["#101", "102", "999"]), shown, corpus)
    assert set(claim.holders) == {(document.id, "100"), (document.id, "101")}
    assert claim.holders[(document.id, "100")] == "Smallhouse Road to three" and claim.quoted == (document.id, "100")
    assert [p.id for p in problems] == ["claim-rows"] and problems[0].params["rows"] == ["102", "999"]
    # A quote that runs across two comments is in no comment; one from a comment the request did not show is not
    # either.
    assert check_claim(answer("three lanes. Smallhouse Road", []), shown, corpus)[0] is None
    assert check_claim(answer("More art classes", []), shown, corpus)[0] is None


# ----- one claim, many holders ----------------------------------------------------------------------------------

def found(angle, stance, text, holders, subject="s"):
    return Found(angle, stance, subject, text, dict(holders), next(iter(holders))[0])


def test_overlapping_quotes_of_one_holder_are_one_claim_on_one_side_whatever_the_angle():
    key = ("doc", None)
    same_words = found("cost", "pro", "回収できる", [(key, "人件費削減によって5年程度で回収できる見込みである")])
    other_angle = found("staffing", "pro", "職員が減る", [(key, "人件費削減によって5年程度で回収できる見込み")])
    inside = found("cost", "pro", "5年で回収", [(key, "5年程度で回収できる")])
    other_side = found("cost", "con", "回収できない", [(key, "5年程度で回収できる")])
    merged = merge_overlapping([same_words, other_angle, inside, other_side])
    assert len(merged) == 2 and distinct_count([same_words, other_angle, inside, other_side]) == 2
    assert {claim.stance for claim in merged} == {"pro", "con"}


def test_claims_of_different_groups_that_dedupe_merges_are_one_claim_with_every_holder_never_with_the_opposite():
    from tests.test_stance import neutral_embed

    a, b, c, d = (("d1", None), ("d2", None), ("d3", None), ("d4", None))
    claims = [found("cost", "pro", "情報システムの共通化はコスト削減につながる", [(a, "q1")]),
              found("cost", "pro", "情報システムの共通化はコスト削減につながる。", [(b, "q2")]),
              found("cost", "pro", "情報システムの共通化はコストの削減につながる", [(c, "q3")]),
              found("cost", "pro", "情報システムの共通化はコスト削減につながらない", [(d, "q4")])]
    merged = merge_claims(claims, dedupe_same_as(neutral_embed))
    assert sorted((claim.support, sorted(claim.holders)) for claim in merged) == [(1, [d]), (3, [a, b, c])]


# ----- selection by support and balance -------------------------------------------------------------------------

ANGLES = [Angle(id="cost", name="cost", pro="p", con="c"), Angle(id="risk", name="risk", pro="p", con="c")]


def picked(angle, stance, holders, text, subject="s"):
    claim = Found(angle, stance, subject, text, {(f"doc{h}", None): "q" for h in holders}, (f"doc{holders[0]}", None))
    return Picked(angle, stance, claim, text)


def test_a_claim_held_by_many_is_never_displaced_by_one_held_by_one_and_every_slot_gets_its_best_first():
    candidates = [picked("cost", "pro", [1], "one comment"), picked("cost", "pro", list(range(400)), "four hundred"),
                  picked("cost", "con", [2, 3], "two"), picked("risk", "pro", [5], "risk pro"),
                  picked("cost", "pro", list(range(50)), "fifty")]
    chosen = [p.value for p in select_by_support(candidates, ANGLES, 3)]
    assert chosen == ["four hundred", "two", "risk pro"]  # balance: each slot's best before a second
    chosen = [p.value for p in select_by_support(candidates, ANGLES, 4)]
    assert chosen[-1] == "fifty" and "one comment" not in chosen


def test_ties_in_support_go_to_claims_that_add_documents_and_subjects_not_yet_represented():
    candidates = [picked("cost", "pro", [1], "doc1 again"), picked("cost", "pro", [1], "doc1"),
                  picked("cost", "pro", [2], "doc2", subject="other"), picked("cost", "con", [1], "con doc1")]
    chosen = [p.value for p in select_by_support(candidates, ANGLES, 3)]
    assert chosen[:2] == ["doc1", "con doc1"] or chosen[:2] == ["doc1 again", "con doc1"]
    assert chosen[2] == "doc2"


# ----- a deterministic answerer: the same answer for the same content, whatever the order ---------------------

def _key(text: str) -> int:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16)


def opinion(claim: str) -> str:
    return " ".join(claim.split()[:6]).rstrip(".,;:!?") + " should be a priority"


def content_answerer(request):
    """Claims from each comment's own words (its angle and side from a hash of its text, the comments that share
    its first word hold it too), statements one per claim; the same content gives the same answer."""
    text = "\n".join(m.content for m in request.messages)
    if request.schema_name == "TopicAnswer":
        return {"topic": "Bowling Green", "terms": []}
    if request.schema_name in ("Written", "Discussion"):
        task = request.messages[2].content
        angles = re.findall(r"^- ([\w-]+): ", task, re.M)
        claims = []
        for label, body in re.findall(r'<document id="(D\d+)"[^>]*>\n(.*?)\n</document>', text, re.S):
            lines = [re.match(r"#(\S+): (.*)$", line) for line in body.splitlines()]
            rows = [(m.group(1), m.group(2)) for m in lines if m and len(m.group(2)) > 25]
            for row, comment in sorted(rows, key=lambda r: r[1]):
                if _key(comment) % 4:
                    continue  # a quarter of the comments voice a claim
                word = comment.split()[0]
                claims.append({"angle": angles[_key(comment) % len(angles)],
                               "stance": ("pro", "con")[_key(comment) // 7 % 2], "subject": word,
                               "claim": comment[:50], "document": label, "quote": comment[-30:],
                               "comments": [r for r, c in rows if c.split()[0] == word]})
        if request.schema_name == "Discussion":
            return {"subjects": sorted({c["subject"] for c in claims})[:6], "claims": claims}
        numbered = [{"id": n, **c} for n, c in enumerate(claims, start=1)]
        return {"subjects": sorted({c["subject"] for c in claims})[:6], "claims": numbered,
                "statements": [{"text": opinion(c["claim"]), "angle": c["angle"], "stance": c["stance"],
                                "claims": [c["id"]]} for c in numbered]}
    if request.schema_name == "Distillation":
        listed = re.findall(r"^\[(\d+)\] ([\w-]+) (pro|con) «(.*?)» \((.*?)\) 「(.*?)」 (.*)$", text, re.M)
        return {"statements": [{"text": opinion(claim), "angle": angle, "stance": stance, "claims": [int(n)]}
                               for n, angle, stance, _, _, _, claim in sorted(listed, key=lambda c: c[6])]}
    if request.schema_name == "SidesAnswer":
        numbered = re.findall(r"^(\d+)\. \[([\w-]+)\] (.*)$", request.messages[-1].content, re.M)
        return {"sides": [{"item": int(n), "side": "pro" if _key(t) // 7 % 2 == 0 else "con"} for n, _, t in numbered]}
    if request.schema_name == "Fixes":
        return {"statements": []}
    raise AssertionError(request.schema_name)


def bowling_green(tmp_path: Path, order_seed: int | None, repeat: int = 1) -> Path:
    """The real comments of a Polis conversation, optionally shuffled (their ids kept)."""
    with (POLIS / "american-assembly.bowling-green" / "comments.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rows = [dict(row, **{"comment-id": f"{row['comment-id']}-{copy}" if copy else row["comment-id"]})
            for copy in range(repeat) for row in rows]
    if order_seed is not None:
        random.Random(order_seed).shuffle(rows)
    return write_csv(tmp_path / f"comments-{order_seed}.csv", rows, columns=list(rows[0]))


def selected(tmp_path: Path, path: Path, *args: str) -> list[tuple]:
    out = tmp_path / f"out-{path.stem}"
    provider = ReplayProvider()
    for schema in ("TopicAnswer", "Written", "Discussion", "Distillation", "SidesAnswer", "Fixes"):
        provider.always(schema, content_answerer)
    import contextlib

    from polis_seed.providers.registry import ResolvedProvider

    @contextlib.contextmanager
    def fake_open(self, cache_dir, debug=False, batch_queue=None):
        yield provider

    original = ResolvedProvider.open
    ResolvedProvider.open = fake_open
    try:
        result = runner.invoke(cli.app, ["generate", str(path), "-o", str(out / "s.jsonl"), "--strategy", "document",
                                         "--lang", "en", "--no-cache", "--provider", "openai", "--base-url",
                                         "http://127.0.0.1:9", *args])
    finally:
        ResolvedProvider.open = original
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in (out / "s.jsonl").read_text(encoding="utf-8").splitlines()]
    return sorted((r["text"], r["angle"], r["stance"], r["support"]["count"]) for r in records)


@pytest.mark.skipif(not POLIS.is_dir(), reason="needs ../shared/data/polis-open")
@pytest.mark.parametrize("window", ["128000", "30000"], ids=["one request", "groups"])
def test_the_same_comments_in_two_shuffled_orders_select_the_same_claims(tmp_path, window):
    first = selected(tmp_path, bowling_green(tmp_path, 1), "--context-tokens", window)
    second = selected(tmp_path, bowling_green(tmp_path, 2), "--context-tokens", window)
    assert first and first == second
    assert max(count for *_, count in first) > 1  # support is counted in comments, not by the order they came in


def test_a_folder_in_two_orders_selects_the_same_claims(tmp_path):
    texts = [(DATA / "facility_booking_ja.md").read_text(encoding="utf-8"),
             (DATA / "council_streaming_en.md").read_text(encoding="utf-8")]
    for order, folder in ((0, tmp_path / "a"), (1, tmp_path / "b")):
        folder.mkdir()
        for index, text in enumerate(texts if order == 0 else texts[::-1]):
            (folder / f"{index}.md").write_text(text, encoding="utf-8")
    plans = []
    for folder in (tmp_path / "a", tmp_path / "b"):
        documents = load_documents([folder]).documents
        settings = DocumentSettings(language="ja", max_chars=140, count=8, context_tokens=3000)
        prompts = Prompts(load_prompt("write.yaml", WritePrompt), load_prompt("discuss.yaml", DiscussPrompt),
                          load_prompt("distil.yaml", DistilPrompt))
        reading = plan_reading(documents, chunk_documents(documents), load_angles(DATA / "two_angles.yaml"),
                               prompts, settings)
        plans.append([[(s.label, s.document.id, s.text) for s in group] for group in reading.groups])
    assert plans[0] == plans[1]  # the same groups, labels and texts: the same requests, whatever the order


# ----- any size within the window -------------------------------------------------------------------------------

@pytest.mark.skipif(not POLIS.is_dir(), reason="needs ../shared/data/polis-open")
def test_every_discuss_request_of_a_large_comment_file_fits_the_window_with_its_longest_answer(tmp_path):
    documents = load_documents([bowling_green(tmp_path, None, repeat=8)]).documents
    settings = DocumentSettings(language="en", max_chars=140, count=36, context_tokens=128_000, output_tokens=16_384)
    prompts = Prompts(load_prompt("write.yaml", WritePrompt), load_prompt("discuss.yaml", DiscussPrompt),
                      load_prompt("distil.yaml", DistilPrompt))
    angles = load_angles()
    reading = plan_reading(documents, chunk_documents(documents), angles, prompts, settings)
    assert not reading.one_request and len(reading.groups) > 1
    requests = [request for _, _, request in discuss_requests(reading.groups, angles, prompts.discuss, settings)]
    assert all(window_problem(request, 128_000) is None for request in requests)
    assert all(request.max_tokens <= 16_384 for request in requests)
    assert sum(len(s.rows) for g in reading.groups for s in g) == len(documents[0].rows)


def test_a_folder_of_many_short_documents_fits_the_window_with_every_documents_tags_and_title(tmp_path):
    """Each document's <document> tags and title take tokens of the group too: 200 short ones spend thousands."""
    for number in range(200):
        (tmp_path / f"note_{number:03}.txt").write_text(
            f"地区{number}の住民説明会の記録です。公共施設予約のオンライン化について、費用は回収できるという意見と、"
            f"高齢者には使いにくいという意見が出されました。({number}番)\n", encoding="utf-8")
    documents = load_documents([tmp_path]).documents
    settings = DocumentSettings(language="ja", max_chars=140, count=12, context_tokens=12_000)
    prompts = Prompts(load_prompt("write.yaml", WritePrompt), load_prompt("discuss.yaml", DiscussPrompt),
                      load_prompt("distil.yaml", DistilPrompt))
    angles = load_angles(DATA / "two_angles.yaml")
    reading = plan_reading(documents, chunk_documents(documents), angles, prompts, settings)
    assert not reading.one_request and len(reading.groups) > 1
    requests = [request for _, _, request in discuss_requests(reading.groups, angles, prompts.discuss, settings)]
    assert all(window_problem(request, 12_000) is None for request in requests)
    assert sum(len(g) for g in reading.groups) == 200


# ----- support shown --------------------------------------------------------------------------------------------

def test_support_is_in_statements_jsonl_report_html_and_quality_json(tmp_path, replay):
    path = comments_csv(tmp_path, ["Widen Smallhouse Road to three lanes now.",
                                   "Smallhouse Road needs three lanes at rush hour.",
                                   "Smallhouse Road should get a turn lane soon.",
                                   "Offer more art classes in K-12 schools please."])
    replay.always("Written", lambda request: {
        "subjects": ["Smallhouse Road", "art classes"],
        "claims": [{"id": 1, "angle": "cost", "stance": "pro", "subject": "Smallhouse Road",
                    "claim": "Smallhouse Road should be widened", "document": "D1",
                    "quote": "Widen Smallhouse Road to three lanes", "comments": ["100", "101", "102"]},
                   {"id": 2, "angle": "resident_services", "stance": "pro", "subject": "art classes",
                    "claim": "Schools need more art", "document": "D1", "quote": "more art classes in K-12",
                    "comments": ["103"]}],
        "statements": [{"text": "Smallhouse Road should be widened to three lanes", "angle": "cost", "stance": "pro",
                        "claims": [1]},
                       {"text": "K-12 schools should offer more art classes", "angle": "resident_services",
                        "stance": "pro", "claims": [2]}]})
    out = tmp_path / "out"
    result = runner.invoke(cli.app, ["run", str(path), "-o", str(out), "--angles", str(DATA / "two_angles.yaml"),
                                     "--strategy", "document", "--no-stance-check", "--context-tokens", "32000",
                                     "--tiers", "exact", "--lang", "en"])
    assert result.exit_code == 0, result.output
    records = {json.loads(line)["text"]: json.loads(line)
               for line in (out / "statements.jsonl").read_text(encoding="utf-8").splitlines()}
    road = records["Smallhouse Road should be widened to three lanes"]["support"]
    assert (road["count"], road["of"], road["unit"]) == (3, 4, "comments")
    assert [h["row"] for h in road["holders"]] == ["100", "101", "102"]
    assert road["holders"][0]["quote"] == "Widen Smallhouse Road to three lanes"
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "held by 3 of 4 comments (rows 100, 101, 102)" in html
    quality = json.loads((out / "quality.json").read_text(encoding="utf-8"))
    assert quality["represented"]["comments"] == {"with_a_selected_claim": 4, "of": 4, "share": 1.0}
    assert quality["represented"]["documents"]["share"] == 1.0
    assert "represented: 4 of 4 comments hold a claim of the list" in result.output
    from polis_seed.review.store import ReviewStore

    store = ReviewStore(out)
    views = [store.view(item, "ja") for item in store.state.items if item.statement.support]
    assert "コメント4件中3件が持つ主張（行 100、101、102）" in {view["held_by"] for view in views}
