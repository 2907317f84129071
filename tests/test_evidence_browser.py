"""The evidence cells in a real browser (headless Chromium from Debian, driven by Playwright): an empty cell shows
the passages that speak to it in report.html and in the review page; opened from a cell, the review page's add
form has the cell's angle and side, and typing a question or a fact shows the rule's finding before it is added."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import expect

from .browser import ReviewProcess, browser
from .run_folder import make_run_folder
from .test_report_html import open_offline

COST_CON = "毎年の保守費用が想定より高くなれば"


def empty_cells(folder: Path) -> int:
    """The angle × side cells (pro, con) no exported statement fills: every con cell, and a pro cell whose
    statement dedupe merged into another angle's."""
    exported = [json.loads(line) for line in (folder / "deduped.jsonl").read_text(encoding="utf-8").splitlines()]
    filled = {(s["angle"], s["stance"]) for s in exported}
    return sum((angle, side) not in filled for angle in ("cost", "resident_services") for side in ("pro", "con"))


def expect_cost_con_passages(cell) -> None:
    """The evidence of the empty cost × con cell, as report.html and the review page show it."""
    expect(cell.locator("h3")).to_have_text("観点「コスト」の反対側")
    expect(cell.locator("li.passage-item")).to_have_count(3)
    expect(cell).to_contain_text(COST_CON)


def test_report_html_shows_an_empty_cells_passages_from_the_grid(tmp_path, replay):
    folder = make_run_folder(tmp_path, replay, per_angle=1)  # the con cells are empty
    with browser() as chromium:
        page, fetched = open_offline(chromium, folder / "report.html")
        assert fetched == []
        expect(page.locator("#grid td.empty")).to_have_count(empty_cells(folder))
        page.locator('#grid td.empty[data-angle="cost"][data-side="con"] a').click()
        cell = page.locator("#evidence-cost-con")
        expect(cell).to_be_in_viewport()
        expect_cost_con_passages(cell)
        expect(cell).to_contain_text("minutes.md")
        item = cell.locator("li.passage-item").filter(has=page.locator(".evidence-text", has_text=COST_CON))
        context = item.locator("details")
        context.locator("summary").click()
        expect(context.locator(".passage mark")).to_contain_text(COST_CON)
        expect(page.locator("#evidence-cost-pro")).to_have_count(0)  # a filled cell shows none


def test_the_review_page_opens_the_add_form_from_an_empty_cell_and_checks_what_is_typed(tmp_path, replay):
    folder = make_run_folder(tmp_path, replay, per_angle=1)
    with ReviewProcess(folder) as server, browser() as chromium:
        page = chromium.new_page()
        page.goto(server.url)
        page.wait_for_selector("li.item")
        empty = empty_cells(folder)
        assert empty >= 2
        expect(page.locator("#grid td.empty")).to_have_count(empty)
        expect(page.locator("#add-evidence")).to_be_hidden()
        page.locator('#grid td.empty[data-angle="cost"][data-side="con"] button.cell-open').click()

        evidence = page.locator("#add-evidence")
        expect(evidence).to_be_visible()
        expect_cost_con_passages(evidence)
        expect(page.locator("#new-angle")).to_have_value("cost")
        expect(page.locator("#new-stance")).to_have_value("con")
        expect(page.locator("#new-text")).to_be_focused()

        # As they type, before anything is added: a question, then a fact, then a claim.
        page.keyboard.type("公共施設予約のオンライン化の保守費用はいくらになるのですか？")
        expect(page.locator("#new-findings li", has_text="question")).to_have_count(1)
        page.locator("#new-text").fill("公共施設予約のオンライン化の保守費用は昨年から上がった")
        expect(page.locator("#new-findings li", has_text="fact-report")).to_have_count(1)
        expect(page.locator("#new-findings li", has_text="question")).to_have_count(0)
        reviewed = folder / "reviewed.jsonl"  # nothing added yet (opening a review writes no output until a change)
        assert not reviewed.is_file() or "保守費用" not in reviewed.read_text(encoding="utf-8")
        claim = "公共施設予約のオンライン化は保守費用がかさめば割に合わない"
        page.locator("#new-text").fill(claim)
        expect(page.locator("#new-findings li")).to_have_count(0)
        page.locator("#new-text").press("Control+Enter")
        expect(page.locator("#status")).to_contain_text("#1)")

        added = [json.loads(line) for line in (folder / "reviewed.jsonl").read_text(encoding="utf-8").splitlines()
                 if claim in line]
        assert [(r["angle"], r["stance"]) for r in added] == [("cost", "con")]
        expect(page.locator('#grid td[data-angle="cost"][data-side="con"]')).to_have_text("1")
        expect(page.locator("#grid td.empty")).to_have_count(empty - 1)
