"""The review page in a real browser (headless Chromium from Debian, driven by Playwright): keep, drop,
edit, add and restore by clicks and keys, rule findings while typing, the files it writes, a killed
server that loses no saved change, and two tabs that do not overwrite each other."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from playwright.sync_api import expect

from .browser import ReviewProcess, browser
from .run_folder import MERGED, make_judged_run_folder, make_run_folder


def reviewed(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "reviewed.jsonl").read_text(encoding="utf-8").splitlines()]


def polis_rows(folder: Path) -> list[str]:
    return [row["comment_text"] for row in csv.DictReader(io.StringIO((folder / "polis.csv").read_text(encoding="utf-8")))]


def log_ops(folder: Path) -> list[str]:
    return [json.loads(line)["op"] for line in (folder / "review-log.jsonl").read_text(encoding="utf-8").splitlines()]


def saved(page, version: int) -> None:
    expect(page.locator("#status")).to_contain_text(f"#{version})")


def item(page, text: str):
    return page.locator("li.item", has_text=text)


def test_keep_drop_edit_add_and_restore_by_clicks_and_keys_write_the_files(tmp_path, replay):
    folder = make_run_folder(tmp_path, replay)
    exported = [json.loads(line) for line in (folder / "deduped.jsonl").read_text(encoding="utf-8").splitlines()]
    first, second = exported[-1], exported[1]  # exported[0] absorbed a duplicate, restored below
    with ReviewProcess(folder) as server, browser() as chromium:
        page = chromium.new_page()
        page.goto(server.url)
        page.wait_for_selector("li.item")
        assert page.locator("li.item").count() == len(exported)
        filled = {(s["angle"], s["stance"]) for s in exported}
        empty = [(a, side) for a in ("cost", "resident_services") for side in ("pro", "con") if (a, side) not in filled]
        assert page.locator("#grid td.empty").count() == len(empty)  # an angle × side with no statement stands out

        # drop by a click
        item(page, first["text"]).locator("button.drop").click()
        saved(page, 1)
        assert first["text"] not in polis_rows(folder)

        # edit by keys: select, e, type (the rules answer while typing), Enter
        item(page, second["text"]).click()
        page.keyboard.press("e")
        editor = page.locator("textarea.edit-text")
        editor.fill("公共施設予約のオンライン化は本当に住民のためになるのでしょうか？")
        page.wait_for_selector("li.item .findings li:has-text('question')")
        edited = "公共施設予約のオンライン化で窓口の待ち時間は短くなる"
        editor.fill(edited)
        expect(page.locator("li.item .findings li")).to_have_count(0)
        page.keyboard.press("Enter")
        saved(page, 2)
        after_edit = {r["id"]: r for r in reviewed(folder)}
        assert after_edit[second["id"]]["text"] == edited
        assert after_edit[second["id"]]["quote"] == second["quote"]  # provenance kept by id

        # add with the keyboard: a, type, Ctrl+Enter
        page.keyboard.press("a")
        page.keyboard.type("公共施設予約のオンライン化には紙の申込みも残すべきだ")
        page.locator("#new-stance").select_option("con")
        page.locator("#new-text").press("Control+Enter")
        saved(page, 3)
        added = [r for r in reviewed(folder) if r["text"] == "公共施設予約のオンライン化には紙の申込みも残すべきだ"]
        assert added and added[0]["stance"] == "con" and added[0]["angle"] == "cost"

        # x toggles the selected statement: dropped, then kept again from the dropped list
        page.keyboard.press("Escape")
        page.locator("body").click(position={"x": 5, "y": 5})
        item(page, edited).click()
        page.keyboard.press("x")
        saved(page, 4)
        assert edited not in polis_rows(folder)
        page.locator("nav button[data-filter=dropped]").click()
        item(page, edited).click()
        page.keyboard.press("x")
        saved(page, 5)
        assert edited in polis_rows(folder)

        # restore the duplicate dedupe merged into a kept statement
        page.locator("nav button[data-filter=candidates]").click()
        absorbed = page.locator("li.item", has_text=MERGED).filter(has=page.locator("button.restore")).first
        absorbed.locator("button.restore").click()
        saved(page, 6)
        # It is kept again, but as a duplicate of a kept statement (an error lint names) it stays out of the upload
        # until it is edited or dropped, and the page says so.
        assert len([t for t in polis_rows(folder) if t.startswith(MERGED)]) == 1
        assert len([r for r in reviewed(folder) if r["text"].startswith(MERGED)]) == 2
        page.locator("nav button[data-filter=kept]").click()
        expect(page.locator("li.item .left-out", has_text="duplicate")).to_have_count(1)
        keeper = [r for r in reviewed(folder) if r["text"] == MERGED]
        assert keeper and keeper[0].get("merged", []) == []

    assert log_ops(folder) == ["drop", "edit", "add", "drop", "keep", "restore"]
    state = json.loads((folder / "review.json").read_text(encoding="utf-8"))
    assert state["version"] == 6


def test_killing_the_server_in_the_middle_of_an_edit_loses_no_saved_change(tmp_path, replay):
    folder = make_run_folder(tmp_path, replay)
    exported = [json.loads(line) for line in (folder / "deduped.jsonl").read_text(encoding="utf-8").splitlines()]
    server = ReviewProcess(folder)
    try:
        with browser() as chromium:
            page = chromium.new_page()
            page.goto(server.url)
            page.wait_for_selector("li.item")
            item(page, exported[0]["text"]).locator("button.drop").click()
            saved(page, 1)
            item(page, exported[1]["text"]).locator("button.edit").click()
            page.locator("textarea.edit-text").fill("公共施設予約のオンライン化で窓口の待ち時間は短くなる")
            page.keyboard.press("Enter")
            saved(page, 2)
            # an edit under way when the server dies
            item(page, exported[2]["text"]).locator("button.edit").click()
            half_typed = "公共施設予約のオンライン化は職員の負担を"
            page.locator("textarea.edit-text").fill(half_typed)
            server.kill()
            page.keyboard.press("Enter")
            page.wait_for_selector("#status.error")
            assert "polis-seed review" in page.locator("#status").inner_text()
            assert page.locator("textarea.edit-text").input_value() == half_typed  # what was typed is not thrown away
    finally:
        server.stop()

    texts = polis_rows(folder)
    assert exported[0]["text"] not in texts
    assert "公共施設予約のオンライン化で窓口の待ち時間は短くなる" in texts
    assert exported[2]["text"] in texts  # the unsaved edit changed nothing
    with ReviewProcess(folder) as again, browser() as chromium:
        page = chromium.new_page()
        page.goto(again.url)
        page.wait_for_selector("li.item")
        assert item(page, "公共施設予約のオンライン化で窓口の待ち時間は短くなる").count() == 1
        assert page.locator("nav button[data-filter=dropped]").inner_text().endswith("(1)")
    assert log_ops(folder) == ["drop", "edit"]


def test_two_tabs_do_not_overwrite_each_others_work(tmp_path, replay):
    folder = make_run_folder(tmp_path, replay)
    exported = [json.loads(line) for line in (folder / "deduped.jsonl").read_text(encoding="utf-8").splitlines()]
    target = exported[0]["text"]
    with ReviewProcess(folder) as server, browser() as chromium:
        first, second = chromium.new_page(), chromium.new_page()
        for page in (first, second):
            page.goto(server.url)
            page.wait_for_selector("li.item")
        item(second, target).locator("button.edit").click()  # the second tab starts editing
        item(first, target).locator("button.edit").click()
        first.locator("textarea.edit-text").fill("公共施設予約のオンライン化は一つ目のタブで直した")
        first.keyboard.press("Enter")
        saved(first, 1)
        second.locator("textarea.edit-text").fill("公共施設予約のオンライン化は二つ目のタブで直した")
        second.keyboard.press("Enter")
        second.wait_for_selector("#status.warn")
        assert "another tab" in second.locator("#status").inner_text() or "別のタブ" in second.locator("#status").inner_text()
        second.wait_for_selector("li.item:has-text('一つ目のタブで直した')")  # it now shows the other tab's text
    texts = polis_rows(folder)
    assert "公共施設予約のオンライン化は一つ目のタブで直した" in texts
    assert "公共施設予約のオンライン化は二つ目のタブで直した" not in texts
    assert log_ops(folder) == ["edit"]


def test_findings_while_editing_and_why_candidates_were_dropped_are_in_the_pages_language(tmp_path, replay,
                                                                                         monkeypatch):
    folder = make_judged_run_folder(tmp_path, replay, monkeypatch)
    exported = [json.loads(line) for line in (folder / "deduped.jsonl").read_text(encoding="utf-8").splitlines()]
    with ReviewProcess(folder) as server, browser() as chromium:
        page = chromium.new_page()
        page.goto(server.url)
        page.wait_for_selector("li.item")
        expect(page.locator("html")).to_have_attribute("lang", "ja")
        expect(page.locator("#new-stance option[value=con]")).to_have_text("反対側")

        # the rules answer while a Japanese statement is edited, in Japanese
        item(page, exported[-1]["text"]).locator("button.edit").click()
        page.locator("textarea.edit-text").fill(exported[-1]["text"] + "のではないか？")
        finding = page.locator("li.item .findings li", has_text="question")
        expect(finding).to_have_text("question: 質問ではなく、賛成か反対かを選べる主張にしてください")
        page.locator("textarea.edit-text").press("Escape")

        # and while a new one is typed
        page.locator("#new-text").fill("この制度は絶対に必要だ")
        expect(page.locator("#new-findings")).to_contain_text("loaded: 決めつける言葉（絶対）を避け")
        expect(page.locator("#new-findings")).to_contain_text("no-subject: 「この」で始まっており")

        # a quote in the page's quotation marks
        expect(item(page, exported[0]["text"]).locator(".quote").first).to_contain_text(f"引用: 「{exported[0]['quote']}」")

        # why the candidates were dropped
        page.locator("nav button[data-filter=candidates]").click()
        candidates = page.locator("#items")
        expect(candidates).to_contain_text("読んで良い文なら戻してください")
        expect(candidates).to_contain_text("not-best: 同じ出典の文から書いた別の文のほうが評価が高かった")
        expect(candidates).to_contain_text("question: 質問ではなく")
        for english in ("restore it", "below", "another statement", "a claim people can agree", "avoid loaded"):
            expect(page.locator("main")).not_to_contain_text(english)
