"""report.html: written by `run` and by `polis-seed report DIR`, opened in headless Chromium with every
network request refused; it shows the grid (empty cells marked), quotes, passages and merges, in the
statements' language."""

from __future__ import annotations

import json
import re
from pathlib import Path

from playwright.sync_api import expect
from typer.testing import CliRunner

from polis_seed import cli

from .browser import browser
from .replay import statement_from_the_source
from .run_folder import MERGED, judged_answer, make_judged_run_folder, make_run_folder

DATA = Path(__file__).parent / "data"


def open_offline(chromium, path: Path):
    """The page from a file, with anything that is not that file refused (and recorded)."""
    context = chromium.new_context(offline=True)
    asked: list[str] = []

    def refuse(route):
        asked.append(route.request.url)
        route.abort() if not route.request.url.startswith("file://") else route.continue_()

    context.route("**/*", refuse)
    page = context.new_page()
    page.goto(path.as_uri())
    return page, [url for url in asked if not url.startswith("file://")]


def test_report_html_works_with_no_network_and_shows_grid_quotes_passages_and_merges(tmp_path, replay):
    folder = make_run_folder(tmp_path, replay)
    exported = [json.loads(line) for line in (folder / "deduped.jsonl").read_text(encoding="utf-8").splitlines()]
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html and "<link" not in html  # nothing to fetch
    with browser() as chromium:
        page, fetched = open_offline(chromium, folder / "report.html")
        assert fetched == []
        expect(page.locator("html")).to_have_attribute("lang", "ja")
        grid = page.locator("#grid table")
        expect(grid).to_be_visible()
        filled = {(s["angle"], s["stance"]) for s in exported}
        empty = [(a, side) for a in ("cost", "resident_services") for side in ("pro", "con") if (a, side) not in filled]
        assert grid.locator("td.empty").count() == len(empty)  # an angle × side with no statement stands out
        for statement in exported:
            expect(page.locator("#statements")).to_contain_text(statement["text"])
        expect(page.locator("#statements")).to_contain_text(exported[1]["quote"])
        passage = page.locator("#statements details").first
        passage.locator("summary").click()
        expect(passage.locator(".passage")).to_be_visible()
        expect(page.locator("#merges")).to_contain_text(MERGED + "。")
        expect(page.locator("#dropped")).to_contain_text("question")
        expect(page.locator("#dropped")).to_contain_text("off-source: 出典の文の内容から離れています")
        expect(page.locator("#dropped")).not_to_contain_text("it is not about the source sentence")


def test_the_report_command_rewrites_it_and_an_english_run_gets_english_labels(tmp_path, replay):
    replay.always("TopicAnswer", {"topic": "the streaming of council meetings", "terms": ["streaming"]})
    replay.always("Candidates", judged_answer)  # English statements (a run that writes none exits 1)
    out = tmp_path / "run"
    result = CliRunner().invoke(cli.app, ["run", str(DATA / "council_streaming_en.md"), "-o", str(out), "--angles",
                                          str(DATA / "two_angles_en.yaml"), "--per-angle", "2", "--no-stance-check"])
    assert result.exit_code == 0, result.output
    (out / "report.html").unlink()
    made = CliRunner().invoke(cli.app, ["report", str(out), "-o", str(tmp_path / "again.html")])
    assert made.exit_code == 0, made.output
    with browser() as chromium:
        page, fetched = open_offline(chromium, tmp_path / "again.html")
        assert fetched == []
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("h1")).to_contain_text("run report")
    missing = CliRunner().invoke(cli.app, ["report", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "report.json" in missing.output


# What the English messages say: none of it may be on a Japanese page.
ENGLISH_WORDING = ("it is not about", "below", "restore it", "a claim people can agree", "side margin",
                   "another statement", "left out, as no passage", "equal after normalisation", "write a claim")
# What the same messages say in Japanese: none of it may be on an English page.
JAPANESE_WORDING = ("質問ではなく", "基準の", "読んで良い文なら戻してください", "別の文のほうが評価が高かった",
                    "観点を外しました", "正規化すると同じ文")


def shown_text(path: Path) -> str:
    """What a reader of the page sees: its text without the styles and the markup."""
    html = re.sub(r"<style>.*?</style>", "", path.read_text(encoding="utf-8"), flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def edit_first_statement(folder: Path, ending: str) -> str:
    """What a facilitator's edit in the review leaves: the first statement turned into a question."""
    statements = [json.loads(line) for line in (folder / "deduped.jsonl").read_text(encoding="utf-8").splitlines()]
    statements[0]["text"] = statements[0]["text"].rstrip("。.") + ending
    (folder / "reviewed.jsonl").write_text("".join(json.dumps(s, ensure_ascii=False) + "\n" for s in statements),
                                           encoding="utf-8")
    made = CliRunner().invoke(cli.app, ["report", str(folder)])
    assert made.exit_code == 0, made.output
    return statements[0]["text"]


def test_a_japanese_report_says_findings_drop_reasons_notes_and_merges_in_japanese(tmp_path, replay, monkeypatch):
    folder = make_judged_run_folder(tmp_path, replay, monkeypatch)
    edited = edit_first_statement(folder, "のではないか？")
    text = shown_text(folder / "report.html")
    assert edited in text
    for wording in ENGLISH_WORDING:
        assert wording not in text, wording
    assert "question: 質問ではなく、賛成か反対かを選べる主張にしてください" in text  # the edited statement, and a drop
    assert re.search(r"judge: 評価 0\.\d\d が基準の 0\.50 に届きません（立場の明確さ 0\.50、出典との重なり 0\.\d\d", text)
    assert "読んで良い文なら戻してください" in text
    assert "not-best: 同じ出典の文から書いた別の文のほうが評価が高かった" in text
    assert "文書のどの段落も扱っていないため、次の観点を外しました: 「宇宙開発」" in text  # the note, by the angle's name
    assert "正規化すると同じ文" in text  # why dedupe merged the duplicate
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    drops = report["report"]["dropped"]
    assert any(reason.startswith("judge: score") for drop in drops for reason in drop["reasons"])  # English kept


def test_an_english_report_says_them_in_english(tmp_path, replay, monkeypatch):
    folder = make_judged_run_folder(tmp_path, replay, monkeypatch, english=True)
    edit_first_statement(folder, "?")
    text = shown_text(folder / "report.html")
    assert not re.search(r"[\u3040-\u30ff\u3400-\u9fff「」]", text)  # no Japanese at all: the documents have none
    assert re.search(r"quote: “[^”]+” — source:", text)  # the page's own quotation marks
    for wording in JAPANESE_WORDING:
        assert wording not in text
    assert "question: write a claim people can agree or disagree with, not a question" in text
    assert "restore it if it reads well" in text and "not-best: another statement" in text
    assert "left out, as no passage of the documents is about them: space flight (try" in text  # by its name
