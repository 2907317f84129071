"""Markdown read as Markdown, HTML or Markdown saved as .txt recognised, and navigation kept out of the passages
and of the subject. The fixtures under tests/data/markup/ are council Q&A summaries on a QR-payment points scheme,
saved the way a blog or a GitHub page serves them."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from polis_seed import cli
from polis_seed.errors import InputError
from polis_seed.io.markup import detect_markup
from polis_seed.language.text import normalize_for_matching
from polis_seed.stages.chunk import chunk_documents, split_sentences
from polis_seed.stages.load import load_documents
from polis_seed.stages.select import SentencePool
from polis_seed.stages.topic import noun_candidates

DATA = Path(__file__).parent / "data" / "markup"
JA_MD = DATA / "council_qr_points_ja.md"
EN_MD = DATA / "council_qr_points_en.md"
runner = CliRunner()

# What the fixtures' markup is made of: tag and attribute names, attribute values, link targets, macro names,
# front-matter keys, code. None of it is the document's text.
MARKUP_WORDS = {"div", "class", "span", "href", "fieldset", "legend", "pnt", "bln", "speaker", "data", "role", "giin",
                "read-kaigiroku", "read-minutes", "summary", "https", "http", "www", "html", "example", "lg", "jp",
                "org", "gikai", "kaigiroku", "img", "png", "chart", "faq", "fees", "site", "first", "last", "layout",
                "post", "tags", "date", "banner", "src", "queryselector", "var", "js"}
MARKUP_TRACES = ("<", "{{", "}}", "{%", "](", "![", "http", "www.", "class=", "href", "div", "span", "fieldset",
                 "layout:", "title:", "querySelector", "**", "|---", "```", "<!--")


def loaded(path: Path):
    return load_documents([path]).documents[0]


def passages(document) -> list[str]:
    def embed(texts):
        return np.zeros((len(texts), 384), dtype=np.float32)

    return [p.sentence for p in SentencePool.build(chunk_documents([document]), [document], embed).passages]


@pytest.mark.parametrize("path", [JA_MD, EN_MD])
def test_chunks_text_of_markdown_with_html_blocks_front_matter_links_and_macros_prints_none_of_the_markup(path):
    result = runner.invoke(cli.app, ["chunks", str(path), "--text"])
    assert result.exit_code == 0, result.output
    text = result.output.split("=====", 2)[2].split("documents\n")[0]
    for trace in MARKUP_TRACES:
        assert trace not in text, trace
    assert "(markdown, utf-8)" in result.output


def test_markdown_keeps_the_text_of_headings_paragraphs_lists_tables_quotes_and_html_blocks():
    text = loaded(JA_MD).text
    for kept in ("QRコード決済ポイント還元事業について",  # heading
                 "質問の要旨",  # <legend> in an HTML block
                 "店舗が負担する決済手数料への支援",  # <li> in an HTML block
                 "山田議員：市は5月から",  # Markdown inside <div> … </div> (blank lines around it)
                 "小規模な店舗では、決済手数料の負担が重く、手数料無料期間の終了後に導入をやめる店舗も出ている。",  # a
                 # Markdown link written inside a one-line HTML block, which CommonMark leaves unparsed
                 "市の見解を問う。",  # paragraph with a link: the link text stays
                 "市長：ポイント還元事業には約3億円を充て",  # quote
                 "店舗の決済手数料は、市が9月まで全額を補助する"):  # table cell
        assert kept in text, kept
    assert "var bln" not in text and "更新日" not in text  # code block, comment
    assert "還元率の推移" not in text  # an image's alt text is not text either


def test_markdown_title_comes_from_the_front_matter_without_its_macro():
    assert loaded(JA_MD).title == "一般質問「QRコード決済ポイント還元事業について」"
    assert loaded(EN_MD).title == "Council questions on the QR payment points scheme"


def test_text_between_two_rules_at_the_top_is_text_not_front_matter(tmp_path):
    path = tmp_path / "note.md"
    path.write_text("---\n還元事業は6月に終わる。\n---\n手数料の補助も終わる。\n", encoding="utf-8")
    assert loaded(path).text == "還元事業は6月に終わる。\n\n手数料の補助も終わる。"


def test_a_line_that_was_only_a_link_is_left_out_and_a_sentence_with_a_link_is_kept():
    ja, en = loaded(JA_MD).text, loaded(EN_MD).text
    assert "会議録を見る" not in ja and "前の質問へ" not in ja and "次の質問へ" not in ja
    assert "Read the minutes" not in en and "Read more" not in en
    assert "Councillor Patel said small shops pay a transaction fee of about 3 percent" in en


def test_a_heading_is_never_a_passage_though_its_hash_is_gone():
    chosen = passages(loaded(EN_MD))
    assert "Questions on the QR payment points scheme" not in chosen
    assert any(p.startswith("Councillor Brown said the points scheme") for p in chosen)


@pytest.mark.parametrize("path, language", [(JA_MD, "ja"), (EN_MD, "en")])
def test_key_terms_of_markdown_with_html_blocks_are_words_of_the_text(path, language):
    document = loaded(path)
    candidates = noun_candidates([document], language)
    assert candidates
    words = {word.casefold() for candidate in candidates for word in re.split(r"[\s/:.#-]+", candidate)}
    assert not words & {word.casefold() for word in MARKUP_WORDS}, candidates
    visible = normalize_for_matching(document.title + "\n" + document.text)
    assert all(normalize_for_matching(candidate) in visible for candidate in candidates), candidates


def test_navigation_lines_feed_neither_the_subject_nor_the_passages():
    ja = loaded(JA_MD)
    assert "ホーム > 市議会 > 会議録 > 一般質問" in ja.text and "録画映像を見る" in ja.text  # kept in the text …
    candidates = noun_candidates([ja], "ja")
    assert "会議録" not in candidates and "録画映像" not in candidates and "ページ" not in candidates  # … not the subject
    chosen = passages(ja)
    assert not [p for p in chosen if "会議録" in p or "録画映像" in p or "ページの先頭" in p]  # … nor a passage
    assert "小規模な店舗では、決済手数料の負担が重く、手数料無料期間の終了後に導入をやめる店舗も出ている。" in chosen

    en = loaded(EN_MD)
    assert not {"video", "watch", "back", "home", "minutes"} & set(" ".join(noun_candidates([en], "en")).split())
    chosen = passages(en)
    assert not [p for p in chosen if "video" in p or "Back to top" in p or "Home" in p]
    assert any(p.startswith("Councillor Patel said small shops pay a transaction fee") for p in chosen)


def test_hand_stripped_shift_jis_page_is_plain_text_whose_navigation_is_not_its_subject():
    result = load_documents([DATA / "council_qr_points_sjis.txt"])
    document = result.documents[0]
    assert (document.kind, document.encoding, result.warnings) == ("text", "cp932", [])
    assert document.text.startswith("会議録を見る\n")  # read as it is …
    assert document.title == "QRコード決済ポイント還元事業について"  # … but the first line is not its title
    candidates = noun_candidates([document], "ja")
    assert candidates[:2] == ["QRコード決済ポイント還元事業", "QRコード決済"] and "会議録" not in candidates


def test_txt_that_is_html_is_decoded_then_read_as_html_with_a_note_naming_it():
    path = DATA / "council_qr_points_page.txt"
    result = load_documents([path])
    document = result.documents[0]
    assert (document.kind, document.encoding) == ("html", "euc_jp")
    assert document.text.split("\n\n") == [
        "ホーム > 市議会 > 一般質問", "QRコード決済ポイント還元事業について",
        "市は5月から、市内の店舗でQRコード決済を使うと支払額の20％をポイントで還元する事業を実施している。",
        "小規模な店舗では、決済手数料の負担が重く、導入をやめる店舗も出ている。"]
    assert result.warnings == [] and len(result.notes) == 1 and str(path) in result.notes[0]
    assert "read as HTML" in result.notes[0] and "rename" not in result.notes[0]


def test_txt_that_is_markdown_is_read_as_markdown_with_a_note_naming_it():
    path = DATA / "facilitator_notes_markdown.txt"
    result = load_documents([path])
    document = result.documents[0]
    assert document.kind == "markdown" and "](" not in document.text and "# " not in document.text
    assert "詳細は市の案内ページにある。" in document.text
    assert result.warnings == [] and len(result.notes) == 1 and str(path) in result.notes[0]
    assert "read as Markdown" in result.notes[0]


def test_txt_with_front_matter_is_markdown_and_takes_its_title(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("---\ntitle: 還元事業の意見交換\n---\n還元率は20％である。\n", encoding="utf-8")
    result = load_documents([path])
    document = result.documents[0]
    assert (document.kind, document.title, document.text) == ("markdown", "還元事業の意見交換", "還元率は20％である。")
    assert "Markdown front matter" in result.notes[0]


def test_plain_text_with_a_stray_angle_bracket_or_hash_stays_plain_text():
    path = DATA / "stray_marks_plain.txt"
    result = load_documents([path])
    document = result.documents[0]
    assert (document.kind, result.warnings) == ("text", [])
    assert document.text == path.read_text(encoding="utf-8")
    assert split_sentences(document.text, "ja") == ["議題 #3 手数料の扱い", "決済手数料が 3% < 5% の場合は、店舗の負担を市が補う案が出た。",
                                                   "<注> 金額は税込みである。"]


@pytest.mark.parametrize("text", [
    "# 議事メモ\n本日の議題は手数料である。\n",  # one heading line alone
    "- 日時：6月10日\n- 場所：議会棟\n本文である。\n",  # list lines alone
    "参考：[市の案内](https://example.org/) を見た。\n",  # one link alone
    "金額が <b>3</b> 円 <br> だった。\n",  # a couple of tags
])
def test_one_kind_of_markup_sign_does_not_make_a_txt_markdown_or_html(text):
    assert detect_markup(text) is None


@pytest.mark.parametrize("encoding", ["cp932", "euc_jp"])
def test_markdown_in_a_japanese_legacy_encoding_is_decoded_before_it_is_parsed(tmp_path, encoding):
    path = tmp_path / "legacy.md"
    path.write_bytes(JA_MD.read_text(encoding="utf-8").replace("％", "%").encode(encoding))
    document = loaded(path)
    assert document.encoding == encoding
    assert document.text == loaded(JA_MD).text.replace("％", "%")


def test_markdown_that_is_only_markup_is_a_one_line_error_naming_the_file(tmp_path):
    path = tmp_path / "template.md"
    path.write_text('---\ntitle: x\n---\n{{first:2022-05-06}}\n<div class="nav"></div>\n\n[会議録を見る](https://e.org/)\n',
                    encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_documents([path])
    assert str(path) in error.value.message and "no text outside its Markdown markup" in error.value.message
    assert "\n" not in error.value.message


def test_a_page_of_thousands_of_unclosed_tags_is_read_without_recursing(tmp_path):
    path = tmp_path / "old.html"
    path.write_text("<html><body>" + "<font size=2>" * 5000 + "決済手数料の補助は9月で終わる。</body></html>", encoding="utf-8")
    assert loaded(path).text == "決済手数料の補助は9月で終わる。"


def test_html_page_wrapped_in_a_form_keeps_its_text_and_drops_link_only_menus(tmp_path):
    # ASP.NET pages, common on municipal sites, put the whole body inside one <form>.
    path = tmp_path / "page.html"
    path.write_text('<html><body><form id="aspnetForm"><div class="menu"><ul><li><a href="/">ホーム</a></li>'
                    '<li><a href="/gikai/">市議会</a></li></ul></div><div id="main">'
                    '<h1><a href="/q1">一般質問</a></h1>決済手数料の補助は9月で終わる。<input type="submit" value="検索">'
                    '<button>印刷する</button></div></form></body></html>', encoding="utf-8")
    document = loaded(path)
    assert document.text == "一般質問\n\n決済手数料の補助は9月で終わる。"
    assert document.headings == ["一般質問"]
