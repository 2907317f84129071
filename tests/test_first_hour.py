"""What a facilitator's first hour on a fresh clone tripped over (issue 27), each as a class: one test per kind."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from polis_seed import cli
from tests.replay import statement_from_the_source

DATA = Path(__file__).parent / "data"
runner = CliRunner()


def invoke(*args, input=None):
    return runner.invoke(cli.app, [str(a) for a in args], input=input)


def test_the_strategy_and_why_are_said_once(tmp_path, replay):
    replay.always("Candidates", statement_from_the_source)
    result = invoke("run", DATA / "facility_booking_ja.md", "-o", tmp_path / "out", "--angles", DATA / "two_angles.yaml",
                    "--per-angle", "2", "--no-stance-check")
    assert result.exit_code == 0, result.output
    assert result.output.count("strategy sentence") == 1, result.output


# ----- item 7: opening the review changes no output ----------------------------------------------------------------

def test_opening_a_review_rewrites_no_output_and_a_change_that_changes_nothing_rewrites_none(tmp_path, replay):
    import os

    from polis_seed.review.store import Change, ReviewStore
    from tests.run_folder import make_run_folder

    folder = make_run_folder(tmp_path, replay)
    polis = folder / "polis.csv"
    os.utime(polis, ns=(1_000_000_000, 1_000_000_000))  # an old time stamp: any rewrite shows
    before = polis.read_bytes()
    store = ReviewStore(folder)
    ReviewStore(folder)  # and opening it again
    assert polis.read_bytes() == before and polis.stat().st_mtime_ns == 1_000_000_000
    assert not (folder / "reviewed.jsonl").exists()  # the run's statements are the list until a change
    kept = store.kept()[0]
    store.apply(Change(op="keep", id=kept.id))  # kept already: the lists stay as they were
    assert polis.stat().st_mtime_ns == 1_000_000_000
    store.apply(Change(op="drop", id=kept.id))
    assert polis.read_bytes() != before and kept.text not in polis.read_text(encoding="utf-8")


# ----- item 7: the sample documents load without a warning ----------------------------------------------------------

def test_the_sample_seeds_load_without_a_warning_and_say_how_two_were_read():
    result = invoke("chunks", Path(__file__).parent.parent / "seeds")
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output and "rename" not in result.output
    assert result.output.count("read as Markdown, as it holds") == 2  # 000 (front matter) and 003 (lists, tables)


# ----- item 6: merges.csv, one scale per column, and reasons that show what changed --------------------------------

def test_the_merge_report_has_one_scale_per_column(tmp_path):
    import csv
    import io

    source = tmp_path / "new.txt"  # pairs the fuzzy tier finds (ratio) and pairs only the embeddings find (cosine)
    source.write_text("情報システムの共通化はコスト削減につながる\n情報システムの共通化はコスト削減につながらない\n"
                      "標準化により業務効率が向上する\n業務の効率は標準化で向上する\n"
                      "A $15 minimum wage will help small businesses\nA $15 minimum wage will hurt small businesses\n",
                      encoding="utf-8")
    result = invoke("dedupe", source, "-o", tmp_path / "kept.txt", "--report", tmp_path / "merges.csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "merges.csv").read_text(encoding="utf-8"))))
    assert "score" not in rows[0] and len(rows) >= 3
    for row in rows:
        assert row["fuzzy_ratio"].isdigit() and 0 <= int(row["fuzzy_ratio"]) <= 100, row
        assert row["cosine"] == "" or 0.0 <= float(row["cosine"]) <= 1.0, row
    assert {row["cosine"] == "" for row in rows} == {True, False}  # both kinds of pair are in the report
    assert any(row["tier"] == "semantic" and int(row["fuzzy_ratio"]) < 88 for row in rows)


def test_a_reason_never_shows_a_word_as_its_own_opposite():
    import re

    from polis_seed.language.compare import compare

    pairs = [("システムの共通化は必要だ", "システムの共通化は必要ではない"), ("住民への説明が必要だ", "住民への説明は必要ない"),
             ("窓口の統合は可能だ", "窓口の統合は可能ではない"), ("予算は十分だ", "予算は十分ではない"),
             ("The new schedule is fair to riders", "The new schedule is not fair to riders"),
             ("Building the depot here is realistic", "Building the depot here isn't realistic")]
    for first, second in pairs:
        verdict = compare(first, second)
        assert not verdict.equivalent, (first, second)
        shown = re.search(r": (.*) → (.*)$", verdict.reason)
        assert shown is None or shown.group(1) != shown.group(2), verdict.reason


# ----- item 2: one answer to "which side does a statement count on", everywhere -------------------------------------

def _sides_list():
    from polis_seed.models import Statement

    def s(text, angle, stance, checked):
        return Statement(text=text, angle=angle, stance=stance, checked_stance=checked).with_id()

    return [s("Lower fares for students would help families with tight budgets", "cost", "pro", "pro"),
            s("Lower fares for students would cost the transit agency too much", "cost", "con", "con"),
            s("Free fares for everyone would treat riders in every district equally", "fairness", "con", "con"),
            s("Free fares for everyone would matter to riders in every district", "fairness", "con", "unclear"),
            s("Student fares should depend on the family income of each student", "fairness", "pro", None),
            s("A citywide fare change would affect the largest routes first", "scale", "con", None)]


EXPECTED_SIDES = {"cost": {"pro": 1, "con": 1, "unclear": 0}, "fairness": {"pro": 0, "con": 1, "unclear": 2},
                  "scale": {"pro": 0, "con": 0, "unclear": 1}}


def test_every_count_of_sides_agrees_and_an_unread_side_is_unclear(tmp_path):
    import csv
    import io
    import json
    import re

    from rich.console import Console

    from polis_seed.cli.views import stance_table
    from polis_seed.io.statements import statements_jsonl
    from polis_seed.models import Angle
    from polis_seed.review.report import load_run, render_report
    from polis_seed.review.store import ReviewStore
    from polis_seed.stages.lint import lint_statements
    from polis_seed.stages.quality import quality_report

    statements = _sides_list()
    angles = [Angle(id=a, name=a, pro="p", con="c") for a in EXPECTED_SIDES]
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "deduped.jsonl").write_text(statements_jsonl(statements), encoding="utf-8")
    (folder / "report.json").write_text(json.dumps({"language": "en", "angles": [a.model_dump() for a in angles]}),
                                        encoding="utf-8")
    sides = ("pro", "con", "unclear")

    # the terminal table
    console = Console(record=True, width=200)
    console.print(stance_table(angles, statements))
    rows = {m.group(1): dict(zip(sides, map(int, m.groups()[1:])))
            for m in re.finditer(r"│ (\w+)\s+│\s+(\d+) │\s+(\d+) │\s+(\d+) │", console.export_text())}
    assert rows == EXPECTED_SIDES

    # quality.json
    quality = quality_report(statements, statements, __import__("polis_seed.models").models.GenerationReport(), [],
                             angles, 140)
    assert {a: {side: row[side] for side in sides} for a, row in quality["per_angle"].items()} == EXPECTED_SIDES
    assert quality["angles_with_both_sides"] == 1

    # report.html (an empty cell's count links to its evidence)
    page = render_report(load_run(folder))
    cells = {(a, side): int(n) for a, side, n in
             re.findall(r'data-angle="(\w+)" data-side="(\w+)"[^>]*>(?:<a [^>]*>)?(\d+)(?:</a>)?</td>', page)}
    assert {a: {side: cells[(a, side)] for side in sides} for a in EXPECTED_SIDES} == EXPECTED_SIDES

    # the review page (the server says each item's side; the page counts those)
    items = ReviewStore(folder).snapshot()["items"]
    review = {a: {side: sum(1 for i in items if i["status"] == "keep" and i["statement"]["angle"] == a
                            and i["side"] == side) for side in sides} for a in EXPECTED_SIDES}
    assert review == EXPECTED_SIDES

    # lint's balance check, on the JSONL and on the same list as a review sheet
    def balance(path):
        result = invoke("lint", path, "--json")
        return sorted(f["message"] for f in json.loads(result.stdout)["findings"] if f["rule"] == "balance")

    expected = ["angle 'fairness' has only con statements; add the other side",
                "angle 'scale' has no statement that reads as either side; sharpen them or add one for each side"]
    assert balance(folder / "deduped.jsonl") == expected
    assert invoke("export", folder / "deduped.jsonl", "--format", "review", "-o", tmp_path / "sheet.csv").exit_code == 0
    assert balance(tmp_path / "sheet.csv") == expected
    sheet = list(csv.DictReader(io.StringIO((tmp_path / "sheet.csv").read_text(encoding="utf-8-sig"))))
    assert [row["checked stance"] for row in sheet] == ["pro", "con", "con", "unclear", "unclear", "unclear"]


def test_a_list_no_check_read_counts_on_its_labels():
    from polis_seed.models import counted_side, sides_checked

    unchecked = [statement.model_copy(update={"checked_stance": None}) for statement in _sides_list()]
    assert not sides_checked(unchecked)
    assert [counted_side(s, False) for s in unchecked] == ["pro", "con", "con", "con", "pro", "con"]


def test_in_the_review_a_side_a_person_gives_counts_and_an_edit_keeps_the_side(tmp_path):
    import json

    from polis_seed.io.statements import statements_jsonl
    from polis_seed.review.store import Change, ReviewStore

    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "deduped.jsonl").write_text(statements_jsonl(_sides_list()), encoding="utf-8")
    (folder / "report.json").write_text(json.dumps({"language": "en"}), encoding="utf-8")
    store = ReviewStore(folder)
    added = store.apply(Change(op="add", text="A citywide fare change would be too large to reverse", angle="scale",
                               stance="con"))["item"]
    assert added["side"] == "con"  # the person read it: it fills the empty cell
    first = store.kept()[0]
    edited = store.apply(Change(op="edit", id=first.id, text=first.text + " each month"))["item"]
    assert edited["side"] == "pro"


# ----- item 3: what lint calls an error never reaches the upload; a list of facts is found ---------------------------

def test_a_question_edited_into_the_review_sheet_stops_the_polis_export_naming_the_row(tmp_path, replay):
    import csv
    import io

    from tests.run_folder import make_run_folder

    folder = make_run_folder(tmp_path, replay)
    sheet = tmp_path / "review.csv"
    assert invoke("export", folder / "deduped.jsonl", "--format", "review", "-o", sheet).exit_code == 0
    rows = list(csv.reader(io.StringIO(sheet.read_text(encoding="utf-8-sig"))))
    rows[2][rows[0].index("statement")] = "この制度は最悪だ?"  # the second statement, row 3 of the sheet
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    sheet.write_text(buffer.getvalue(), encoding="utf-8")
    upload = tmp_path / "polis.csv"
    upload.write_text('"comment_text"\n"earlier"\n', encoding="utf-8")
    for format_name in ("polis", "polis-comments"):
        result = invoke("export", sheet, "--format", format_name, "-o", upload)
        assert result.exit_code == 2, result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith(f"error: {sheet}: 1 statement would go to Polis with an error "
                                                       "(the first, row 3: question:"), result.output
        assert upload.read_text(encoding="utf-8") == '"comment_text"\n"earlier"\n'
    # the review sheet itself, for fixing, is still written; its edited row's findings say their severity
    review = invoke("export", sheet, "--format", "review", "-o", tmp_path / "again.csv")
    assert review.exit_code == 0 and "error: " in review.output and "row 3 (edited): question:" in review.output


def test_the_review_pages_polis_csv_leaves_out_a_statement_with_an_error_and_says_so(tmp_path, replay):
    import csv
    import io

    from polis_seed.review.store import Change, ReviewStore
    from tests.run_folder import make_run_folder

    folder = make_run_folder(tmp_path, replay)
    store = ReviewStore(folder)
    target, other = store.kept()[0], store.kept()[1]
    item = store.apply(Change(op="edit", id=target.id, text="この制度は最悪だ?"))["item"]
    assert item["left_out"] and item["left_out"][0].startswith("question: ")
    uploaded = [row["comment_text"] for row in csv.DictReader(io.StringIO((folder / "polis.csv").read_text("utf-8")))]
    assert "この制度は最悪だ?" not in uploaded and other.text in uploaded
    assert "この制度は最悪だ?" in (folder / "reviewed.jsonl").read_text(encoding="utf-8")  # kept, with its provenance
    fixed = store.apply(Change(op="edit", id=target.id, text="公共施設予約のオンライン化は窓口の負担を減らす"))["item"]
    assert fixed["left_out"] == []
    assert "公共施設予約のオンライン化は窓口の負担を減らす" in (folder / "polis.csv").read_text(encoding="utf-8")


FACTS_EN = ["Ramsey County is still considering the plan.", "There are bike lanes in Highland Park.",
            "Finance & Commerce is located in downtown Minneapolis.", "Metro Transit is reviewing its bus routes.",
            "The city council has approved the new budget.", "Hennepin County operates twelve libraries.",
            "The library is open until 8 pm on weekdays.", "Residents are currently waiting for a decision.",
            "The county board supports the stadium plan.", "Minneapolis has 20 miles of protected bike lanes."]
VIEWS_EN = ["Ramsey County should stop considering the plan.", "There are too few bike lanes in Highland Park.",
            "There is a lack of affordable housing in St. Paul.", "The council is wasting money on consultants.",
            "Bike lanes make Grand Ave safer for children.", "Streaming council meetings helps residents follow debates.",
            "Hennepin County needs more buses at night.", "There is nothing progressive about the new zoning code.",
            "As Saint Paul grows, build more housing near transit.", "City officials might look into the layoffs.",
            "Metro Transit fails its riders every winter.", "Open data portals build trust in the council."]


def lint_findings(path, lines: list[str]) -> list[dict]:
    """`polis-seed lint --json` on a list of these lines, written to `path`: its findings."""
    import json

    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return json.loads(invoke("lint", path, "--json").stdout)["findings"]


def test_lint_finds_a_list_made_of_facts_and_leaves_views_alone(tmp_path):
    found = lint_findings(tmp_path / "facts.txt", FACTS_EN)
    flagged = {f["line"] for f in found if f["rule"] in ("fact-report", "bare-figure") and f["line"]}
    assert flagged == set(range(1, len(FACTS_EN) + 1)), found
    whole = [f["message"] for f in found if f["line"] is None and f["rule"] == "fact-report"]
    assert whole == [f"{len(FACTS_EN)} of the {len(FACTS_EN)} statements report a fact, an event or a figure rather "
                     "than a view: Polis needs claims people can agree or disagree with; rewrite them as views"], found
    found = lint_findings(tmp_path / "views.txt", VIEWS_EN)
    assert not [f for f in found if f["rule"] in ("fact-report", "bare-figure")], found


# What was done, said or scheduled, what a document says, where a thing runs or is done, a share as the subject.
MORE_FACTS_EN = ["The county engineer presented the traffic study to the board.",
                 "The Department of Transport published its guidance in March.",
                 "The zoning code requires one parking space per apartment.",
                 "Ordinance 2026-002 removes the parking minimums downtown.",
                 "The public hearing starts at 6:30 p.m.", "The new clinic opens next month.",
                 "The greenway runs from Lake Street to the river.", "Groceries are delivered on Fridays in the east ward.",
                 "About 18% of households in Duluth rent their homes.", "Bemidji currently limits rentals to 90 nights.",
                 "The state legislature rejected the ban on plastic bags.", "The street market runs from May to September.",
                 "The planning board voted to delay the rezoning.", "Half of the county's buses run on diesel.",
                 "The parking authority issues 2,000 permits a year."]
MORE_VIEWS_EN = ["Ranked ballots give voters real choices if they are used in every election.",
                 "Proportional voting is simpler to understand than ranked ballots.",
                 "Give tenants a say in decisions made about their buildings.",
                 "Fewer parking spaces per apartment would make rents lower.",
                 "The greenway to the river makes the neighbourhood healthier.",
                 "Bemidji is a good place to raise children.", "Ensure Millbrook is a national leader in clean energy."]


def test_lint_finds_what_was_done_said_or_scheduled_and_leaves_views_alone(tmp_path):
    found = lint_findings(tmp_path / "facts.txt", MORE_FACTS_EN)
    flagged = {f["line"] for f in found if f["rule"] in ("fact-report", "bare-figure") and f["line"]}
    assert flagged == set(range(1, len(MORE_FACTS_EN) + 1)), [MORE_FACTS_EN[n - 1] for n in range(1, len(
        MORE_FACTS_EN) + 1) if n not in flagged]
    found = lint_findings(tmp_path / "views.txt", MORE_VIEWS_EN)
    assert not [f for f in found if f["rule"] in ("fact-report", "bare-figure")], found

# ----- item 1: lines about the source are not content; quotes on word boundaries; abbreviations ----------------------

SOURCE_LINES_JA = ["出典: 総務省「自治体DX推進計画」（2020年12月25日）", "URL: https://www.soumu.go.jp/dx/plan.html",
                   "【引用元】市報 2023年5月号", "無断転載を禁じます。"]
SOURCE_LINES_EN = ["Source: Star Tribune, May 3, 2023", "https://www.startribune.com/ramsey-county-bike-plan/600123/",
                   "Retrieved from https://www.mprnews.org/story/2023/05/03/bikes on 4 May 2023",
                   "© 2023 Star Tribune. All rights reserved.", "This article is licensed under CC BY-SA 4.0."]


def test_lines_about_the_source_are_never_the_title_a_key_term_or_a_passage(tmp_path):
    from polis_seed.language.text import is_source_note
    from polis_seed.stages.chunk import split_sentences
    from polis_seed.stages.load import load_documents
    from polis_seed.stages.select import usable_sentence
    from polis_seed.stages.topic import noun_candidates

    ja = tmp_path / "dx.txt"
    ja.write_text("\n".join(SOURCE_LINES_JA[:2]) + "\n\n自治体の情報システムの標準化は職員の負担を減らすと期待されている。\n"
                  "一方で、標準化の移行費用は小規模な自治体には重いという意見が多い。\n\n" + "\n".join(SOURCE_LINES_JA[2:]) + "\n",
                  encoding="utf-8")
    en = tmp_path / "bikes.md"
    en.write_text("\n\n".join(SOURCE_LINES_EN[:3]) + "\n\n# Bike lanes on Grand Avenue\n\nMany riders say protected bike lanes "
                  "would make Grand Avenue safer for children.\n\nShop owners worry that the lanes will take away parking "
                  "their customers need.\n\n" + "\n\n".join(SOURCE_LINES_EN[3:]) + "\n", encoding="utf-8")
    documents = load_documents([ja, en]).documents
    assert [d.title for d in documents] == ["自治体の情報システムの標準化は職員の負担を減らすと期待されている。",
                                             "Bike lanes on Grand Avenue"]
    assert all(is_source_note(line) for line in SOURCE_LINES_JA + SOURCE_LINES_EN)
    ja_terms = noun_candidates([documents[0]], "ja")
    assert not {"出典", "総務省", "引用元", "市報", "転載", "URL"} & set(ja_terms), ja_terms
    en_terms = " ".join(noun_candidates([documents[1]], "en"))
    assert not {"source", "tribune", "retrieved", "rights", "licensed", "https"} & set(en_terms.split()), en_terms
    for document in documents:
        passages = [s for s in split_sentences(document.text) if usable_sentence(s) and s not in document.headings]
        assert len(passages) == 2, passages  # the two sentences of the document, nothing about its source


def test_a_line_about_the_page_is_a_note_and_a_sentence_about_licences_or_sources_is_content():
    from polis_seed.language.text import is_source_note

    notes = ["Reprinted with permission from the author.", "Last updated: 12 February 2024", "Updated 12 February 2024",
             "Text is available under the Creative Commons Attribution-ShareAlike License 4.0; additional terms may apply.",
             "Licensed under CC BY 4.0", "更新日：2024年3月1日"]
    content = ["The city should publish its data under a Creative Commons licence.",
               "Open data licensed under CC BY lets anyone reuse council records.",
               "Sources of funding for the new library remain unclear.", "Updated bus timetables would help riders.",
               "Copyright rules make it hard for libraries to lend e-books.", "出典を明記しない資料は信頼できない。"]
    assert [line for line in notes if not is_source_note(line)] == []
    assert [line for line in content if is_source_note(line)] == []

def test_the_quote_of_a_statement_starts_and_ends_on_word_boundaries():
    from polis_seed.language.morphology import word_spans
    from polis_seed.stages.generate import short_quote

    english = ("The county's plan would move the bus stops on Cleveland Avenue between Ford Parkway and Highland "
               "Parkway farther apart, which riders with strollers and wheelchairs say would make every trip longer "
               "and harder in the winter months when sidewalks are icy.")
    for statement in ["Moving bus stops farther apart makes trips harder for riders with wheelchairs",
                      "Cleveland Avenue bus stops should stay where they are", "Winter trips get longer when stops move",
                      "eveland Avenue between Ford Parkw", "sets the stage for longer trips"]:
        quote = short_quote(english, statement)
        start = english.index(quote)
        end = start + len(quote)
        assert start == 0 or not english[start - 1].isalnum(), quote
        assert end == len(english) or not english[end].isalnum(), quote
    japanese = ("人口が少ない町村では、情報担当の職員が一人か二人しかいないことが多く、自治体の基幹業務システムを標準化してから、"
                "ガバメントクラウドへ移行する計画については、移行の時期が"
                "重なるため、小規模な自治体ほど職員とベンダーの負担が大きくなり、住民サービスに影響が出るおそれがあるとの"
                "意見が委員から相次いだ。")
    starts = {start for start, _ in word_spans(japanese)}
    for statement in ["システムを標準化してからクラウドへ移行するべきだ", "ムを標準化してからガバメントクラウドへ移行",
                      "ベンダーの負担が大きくなる", "住民サービスに影響が出るおそれがある", "テムを標準化してから"]:
        quote = short_quote(japanese, statement)
        assert japanese.index(quote) in starts | {0}, quote


def test_english_sentences_are_not_split_at_abbreviations_initials_or_before_a_lower_case_word():
    from polis_seed.stages.chunk import split_sentences

    text = ("Dr. Lee of St. Paul said the U.S. Senate plan, i.e. the bill Sen. J. Smith wrote, helps Ramsey vs. "
            "Hennepin riders on Cleveland Ave. between 5 p.m. and 7 p.m. every day. Acme Co. and Widget Inc. sued "
            "over No. 5 at the Mt. Curve Blvd. site, etc. and lost. The answer was no. Then came the vote.")
    assert split_sentences(text, "en") == [
        "Dr. Lee of St. Paul said the U.S. Senate plan, i.e. the bill Sen. J. Smith wrote, helps Ramsey vs. Hennepin "
        "riders on Cleveland Ave. between 5 p.m. and 7 p.m. every day.",
        "Acme Co. and Widget Inc. sued over No. 5 at the Mt. Curve Blvd. site, etc. and lost.",
        "The answer was no.", "Then came the vote."]


# ----- item 4: a document of one 110,000-character line ----------------------------------------------------------

def _one_line(text: str, length: int = 110_000) -> str:
    """The document as a transcript gives it: one line, no sentence ends, no commas."""
    import re

    flat = re.sub(r"[\s。、．，,.!?！？#*\-]+", " " if text.isascii() else "", text).strip()
    return ((flat + " ") * (length // len(flat) + 1))[:length]


def test_a_110000_character_line_without_sentence_ends_is_cut_within_the_budget_and_gives_statements(tmp_path, replay):
    import csv
    import io

    from polis_seed.stages.chunk import RUN_ON_PIECE_CHARS, split_sentences

    def short_statement(request):  # what a model writes from a piece: its subject and a few of its words
        import re

        source = re.findall(r"<source>(.*?)</source>", "\n".join(m.content for m in request.messages), re.S)[-1]
        if source.isascii():
            return {"statements": [f"Streaming matters because {' '.join(source.split()[:8])}"]}
        return {"statements": [f"公共施設予約のオンライン化では{source[:18]}ことが重要だ"]}

    replay.always("Candidates", short_statement)
    for name, source in (("ja", DATA / "facility_booking_ja.md"), ("en", DATA / "council_streaming_en.md")):
        document = tmp_path / f"transcript_{name}.txt"
        document.write_text(_one_line(source.read_text(encoding="utf-8")), encoding="utf-8")
        assert len(document.read_text(encoding="utf-8")) == 110_000
        pieces = split_sentences(document.read_text(encoding="utf-8"))
        assert all(15 <= len(piece) <= RUN_ON_PIECE_CHARS for piece in pieces[:-1]), max(map(len, pieces))
        assert "".join(pieces).replace(" ", "") == document.read_text(encoding="utf-8").replace(" ", "")  # nothing lost
        if name == "en":
            replay.always("TopicAnswer", {"topic": "the streaming of council meetings", "terms": ["streaming"]})
        out = tmp_path / f"out_{name}"
        result = invoke("run", document, "-o", out, "--angles", DATA / ("two_angles.yaml" if name == "ja" else
                                                                         "two_angles_en.yaml"),
                        "--per-angle", "2", "--no-stance-check")
        assert result.exit_code == 0, result.output
        rows = list(csv.DictReader(io.StringIO((out / "polis.csv").read_text(encoding="utf-8"))))
        assert rows, result.output
        assert "None" not in result.output


def test_a_line_nothing_can_be_made_of_exits_non_zero_with_one_note_that_says_why(tmp_path, replay):
    document = tmp_path / "table.txt"
    document.write_text(" ".join(f"{n} | {n * 3} | ● ○ ●" for n in range(6000))[:110_000], encoding="utf-8")
    result = invoke("run", document, "-o", tmp_path / "out", "--angles", DATA / "two_angles.yaml", "--no-stance-check")
    assert result.exit_code == 1, result.output
    notes = [line for line in result.output.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1 and notes[0].startswith("note: no sentence of the documents can carry a claim: of "), notes
    assert "mean length -" in result.output and "None" not in result.output
    assert result.output.strip().splitlines()[-1].startswith("error: no statement could be written from ")
    assert (tmp_path / "out" / "report.json").is_file()  # what happened is written


# ----- item 5: progress that can be trusted --------------------------------------------------------------------------

def _progress_lines(stderr: str) -> dict[str, list[tuple[int, int]]]:
    import re

    steps: dict[str, list[tuple[int, int]]] = {}
    for match in re.finditer(r"^generate: (?P<step>[^:\n]+): (?P<done>\d+)/(?P<total>\d+) requests", stderr, re.M):
        steps.setdefault(match["step"], []).append((int(match["done"]), int(match["total"])))
    return steps


def test_each_steps_total_is_known_before_its_first_request_and_never_changes_and_cached_answers_give_no_time_left(
        tmp_path):
    import subprocess
    import sys

    from tests.fault_server import FaultServer

    with FaultServer([], delay_seconds=0.05) as server:
        args = [sys.executable, "-m", "polis_seed.cli", "generate", str(DATA / "facility_booking_ja.md"), "-o",
                str(tmp_path / "s.jsonl"), "--angles", str(DATA / "two_angles.yaml"), "--per-angle", "4", "--provider",
                "openai", "--base-url", server.base_url, "--model", "m", "--concurrency", "2", "--cache-dir",
                str(tmp_path / "cache")]
        first = subprocess.run(args, capture_output=True, text=True, timeout=300)
        again = subprocess.run(args, capture_output=True, text=True, timeout=300)
    for run in (first, again):
        assert run.returncode == 0, run.stderr
        steps = _progress_lines(run.stderr)
        assert {"candidates", "judging the candidates"} <= set(steps), run.stderr
        for name, counts in steps.items():
            totals = {total for _, total in counts}
            assert len(totals) == 1, (name, counts)  # the step's total from its first request to its last
            done = [count for count, _ in counts]
            assert done == sorted(set(done)) and done[-1] == counts[0][1], (name, counts)  # up to it, never past it
        assert "about 0 s left" not in run.stderr
    assert " left" not in again.stderr  # every answer from the cache: no time left is made up
    assert "from the cache" in again.stderr


def test_the_time_left_is_estimated_from_the_answers_the_model_gave_only():
    import io

    from rich.console import Console

    from polis_seed.cli.views import ConsoleEvents
    from polis_seed.models import Attempt

    now = [100.0]
    events = ConsoleEvents(Console(file=io.StringIO(), width=200), clock=lambda: now[0])
    events.step("candidates")
    events.requests_planned(20)
    for _ in range(10):
        events.request_done(Attempt(purpose="statement", from_cache=True))
    assert events.time_left() is None  # ten answers from the cache say nothing about the model's speed
    now[0] += 4.0
    events.request_done(Attempt(purpose="statement"))
    events.request_done(Attempt(purpose="statement"))
    assert events.time_left() == 4.0 / 2 * 8  # 2 s per answer, 8 to go
    events.step("judging the candidates")
    assert events.time_left() is None and events.done == 0 and events.total is None


def test_the_document_strategys_steps_show_their_totals_from_their_first_request(tmp_path, replay):
    """Documents read in groups (the embedded model's window): the subject and one discussion per group, then distil
    and its fixes, one request each: each step's total is known when it starts and the count ends on it."""
    quote_cost, quote_con = "人件費削減によって5年程度で回収できる見込みである", "毎年の保守費用が想定より高くなれば、コスト削減の効果は小さくなる"
    subject = "公共施設予約のオンライン化"
    replay.enqueue({"subjects": [subject], "claims": [
        {"angle": "cost", "stance": "pro", "subject": subject, "claim": "費用は回収できる", "document": "D1",
         "quote": quote_cost, "comments": []},
        {"angle": "cost", "stance": "con", "subject": subject, "claim": "保守費用で効果が減る", "document": "D1",
         "quote": quote_con, "comments": []}]})
    replay.enqueue({"statements": [
        {"text": "予約システムの費用は人件費削減で回収できる", "angle": "cost", "stance": "pro", "claims": [1]},
        {"text": "この制度は最悪だ?", "angle": "cost", "stance": "con", "claims": [2]}]})
    replay.enqueue({"statements": [
        {"item": 2, "text": "予約システムの保守費用が高いと削減効果は小さい", "angle": "cost", "stance": "con",
         "claims": [2]}]})
    result = invoke("generate", DATA / "facility_booking_ja.md", "-o", tmp_path / "s.jsonl", "--angles",
                    DATA / "two_angles.yaml", "--strategy", "document", "--count", "2", "--no-stance-check")
    assert result.exit_code == 0, result.output
    steps = _progress_lines(result.output)
    assert steps == {"subject and claims": [(1, 2), (2, 2)], "distil": [(1, 1)], "fixes": [(1, 1)]}, result.output
