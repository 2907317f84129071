"""The review server without a browser: only 127.0.0.1, only with the token, only this Host; the store
keeps every change on disk and refuses a change made on an old revision."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request

import pytest
from typer.testing import CliRunner

from polis_seed import cli
from polis_seed.review.server import ReviewServer
from polis_seed.review.store import Change, Conflict, ReviewStore

from .run_folder import make_run_folder


def call(url: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@pytest.fixture
def served(tmp_path, replay):
    folder = make_run_folder(tmp_path, replay)
    server = ReviewServer(ReviewStore(folder)).start()
    yield server, folder
    server.stop()


def test_it_listens_on_127_0_0_1_only_and_answers_only_with_the_token(served):
    server, _ = served
    assert server.httpd.server_address[0] == "127.0.0.1"
    status, state = call(server.url + "api/state")
    assert status == 200 and state["items"]
    assert call(f"http://127.0.0.1:{server.port}/api/state")[0] == 404
    assert call(f"http://127.0.0.1:{server.port}/{'x' * len(server.token)}/api/state")[0] == 404
    assert call(server.url + "api/state", headers={"Host": f"evil.example:{server.port}"})[0] == 403
    others = [address for address in socket.gethostbyname_ex(socket.gethostname())[2] if not address.startswith("127.")]
    for address in others:  # nothing listens on the machine's other addresses
        with pytest.raises(OSError):
            socket.create_connection((address, server.port), timeout=2).close()


def test_a_change_is_on_disk_before_it_is_acknowledged_and_an_old_revision_is_refused(served):
    server, folder = served
    state = call(server.url + "api/state")[1]
    target = state["items"][0]
    status, answer = call(server.url + "api/change", {"op": "edit", "id": target["statement"]["id"],
                                                      "rev": target["rev"], "text": "公共施設予約のオンライン化は急ぐべきだ"})
    assert status == 200 and answer["item"]["rev"] == target["rev"] + 1
    assert "公共施設予約のオンライン化は急ぐべきだ" in (folder / "polis.csv").read_text(encoding="utf-8")
    status, conflict = call(server.url + "api/change", {"op": "drop", "id": target["statement"]["id"],
                                                        "rev": target["rev"]})
    assert status == 409 and conflict["item"]["statement"]["text"] == "公共施設予約のオンライン化は急ぐべきだ"
    assert call(server.url + "api/change", {"op": "edit", "id": target["statement"]["id"], "text": " "})[0] == 400
    assert call(server.url + "api/lint", {"text": "予約はオンラインにすべきでしょうか？"})[1]["findings"]
    reopened = ReviewStore(folder)  # a new server reads the saved review back
    assert reopened.snapshot()["version"] == 1


def test_the_store_refuses_a_stale_revision_and_a_broken_review_file_is_named(tmp_path, replay):
    folder = make_run_folder(tmp_path, replay)
    store = ReviewStore(folder)
    first = store.state.items[0]
    store.apply(Change(op="drop", id=first.statement.id, rev=0))
    with pytest.raises(Conflict):
        store.apply(Change(op="keep", id=first.statement.id, rev=0))
    (folder / "review.json").write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["review", str(folder), "--no-browser"])
    assert result.exit_code == 2 and "review.json: not a review file" in result.output
    assert CliRunner().invoke(cli.app, ["review", str(tmp_path / "nope"), "--no-browser"]).exit_code == 2


def test_a_review_of_an_earlier_run_is_not_applied_to_a_new_one(tmp_path, replay):
    folder = make_run_folder(tmp_path, replay)
    ReviewStore(folder).apply(Change(op="drop", id=ReviewStore(folder).state.items[0].statement.id))
    deduped = folder / "deduped.jsonl"
    deduped.write_text(deduped.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")  # a new run
    result = CliRunner().invoke(cli.app, ["review", str(folder), "--no-browser"])
    assert result.exit_code == 2 and "belongs to an earlier run" in result.output


def test_the_lint_endpoint_and_the_dropped_reasons_speak_the_pages_language(served):
    """A Japanese review: the rules on a text being edited, Japanese or English, answer in Japanese, and so do the
    reasons of the candidates the rules dropped and a change refused; report.json keeps its English reasons."""
    server, folder = served
    for text in ("予約はオンラインにすべきでしょうか？", "Should booking move online?"):
        findings = call(server.url + "api/lint", {"text": text})[1]["findings"]
        question = [finding for finding in findings if finding["rule"] == "question"]
        assert question and question[0]["message"] == "質問ではなく、賛成か反対かを選べる主張にしてください"
    state = call(server.url + "api/state")[1]
    dropped = [item for item in state["items"] if item["origin"] == "dropped candidate"]
    assert dropped and all(reason.startswith(("question: 質問ではなく", "off-source: 出典の文の内容から離れています"))
                           for item in dropped for reason in item["reasons"])
    emptied = call(server.url + "api/change", {"op": "edit", "id": state["items"][0]["statement"]["id"], "text": " "})
    assert emptied == (400, {"error": "文を空にはできません。落とす場合は「落とす」を使ってください"})
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert report["report"]["dropped"][0]["reasons"][0] == ("question: write a claim people can agree or disagree "
                                                            "with, not a question")
