"""report.html: written by `run` and by `polis-seed report DIR`, opened in headless Chromium with every
network request refused; it shows the grid (empty cells marked), quotes, passages and merges, in the
statements' language."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import expect
from typer.testing import CliRunner

from polis_seed import cli

from .browser import browser
from .replay import statement_from_the_source
from .run_folder import MERGED, make_run_folder

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
        assert grid.locator("td.empty").count() >= 1  # resident_services has no pro statement
        for statement in exported:
            expect(page.locator("#statements")).to_contain_text(statement["text"])
        expect(page.locator("#statements")).to_contain_text(exported[1]["quote"])
        passage = page.locator("#statements details").first
        passage.locator("summary").click()
        expect(passage.locator(".passage")).to_be_visible()
        expect(page.locator("#merges")).to_contain_text(MERGED + "。")
        expect(page.locator("#dropped")).to_contain_text("question")


def test_the_report_command_rewrites_it_and_an_english_run_gets_english_labels(tmp_path, replay):
    replay.always("TopicAnswer", {"topic": "the streaming of council meetings", "terms": ["streaming"]})
    replay.always("Candidates", statement_from_the_source)
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
