"""Real files made by the tests load to the exact expected text, seen through `polis-seed chunks --text`."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from polis_seed import cli
from polis_seed.errors import InputError
from polis_seed.stages.load import load_documents

runner = CliRunner()
JA = "情報システムの共通化はコスト削減につながる。①番目の論点として、窓口の混雑も減るとの意見があった。"


def loaded_text(path: Path) -> str:
    return load_documents([path]).documents[0].text


def chunks_text(path: Path) -> str:
    result = runner.invoke(cli.app, ["chunks", str(path), "--text"])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("encoding, name", [("utf-8-sig", "bom.txt"), ("cp932", "sjis.txt"), ("euc_jp", "euc.txt"),
                                            ("iso2022_jp_2004", "jis.txt"), ("utf-8", "plain.md")])
def test_japanese_text_files_in_every_common_encoding(tmp_path, encoding, name):
    if encoding == "iso2022_jp_2004":
        text = JA.replace("①", "1")  # ISO-2022-JP has no circled digits
        raw = text.encode("iso2022_jp")
    else:
        text = JA if encoding != "euc_jp" else JA.replace("①", "1")
        raw = text.encode(encoding)
    path = tmp_path / name
    path.write_bytes(raw)
    assert loaded_text(path) == text
    document = load_documents([path]).documents[0]
    expected = {"utf-8-sig": "utf-8-sig", "cp932": "cp932", "euc_jp": "euc_jp", "iso2022_jp_2004": "iso2022_jp",
                "utf-8": "utf-8"}[encoding]
    assert document.encoding == expected
    assert text in chunks_text(path)


def test_shift_jis_html_with_meta_charset_gives_the_main_content(tmp_path):
    html = ("<html><head><meta charset=\"Shift_JIS\"><title>検討会</title><script>var x='広告';</script></head>"
            "<body><nav>メニュー ホーム</nav><main><h1>議事要旨</h1><p>オンライン予約で住民の利便性が高まる。</p>"
            "<ul><li>高齢者への配慮が必要だ。</li></ul></main><footer>著作権 ①</footer></body></html>")
    path = tmp_path / "page.html"
    path.write_bytes(html.encode("cp932"))
    document = load_documents([path]).documents[0]
    assert document.text == "議事要旨\n\nオンライン予約で住民の利便性が高まる。\n\n高齢者への配慮が必要だ。"
    assert (document.kind, document.encoding, document.title) == ("html", "cp932", "検討会")
    assert "メニュー" not in chunks_text(path) and "広告" not in chunks_text(path)


def test_docx_paragraphs_and_table_cells_in_document_order(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("共通化の論点を整理した。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "論点"
    table.cell(0, 1).text = "意見"
    table.cell(1, 0).text = "コスト"
    table.cell(1, 1).text = "移行費用は国が負担すべきだ。"
    document.add_paragraph("以上。")
    path = tmp_path / "minutes.docx"
    document.save(path)
    assert loaded_text(path) == "共通化の論点を整理した。\n\n論点\t意見\n\nコスト\t移行費用は国が負担すべきだ。\n\n以上。"
    assert "移行費用は国が負担すべきだ。" in chunks_text(path)


def test_pdf_with_a_japanese_cid_font_and_hard_wrapped_lines(tmp_path):
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiMin-W3"))
    path = tmp_path / "slides.pdf"
    page = canvas.Canvas(str(path))
    page.setFont("HeiseiMin-W3", 12)
    for row, line in enumerate(["情報システムの共通化はコスト削減に", "つながると期待されている。", "Open source needs skilled staff."]):
        page.drawString(72, 750 - 16 * row, line)
    page.showPage()
    page.save()
    assert loaded_text(path) == "情報システムの共通化はコスト削減に\nつながると期待されている。\nOpen source needs skilled staff."
    result = runner.invoke(cli.app, ["chunks", str(path), "-o", str(tmp_path / "chunks.jsonl")])
    assert result.exit_code == 0, result.output
    record = json.loads((tmp_path / "chunks.jsonl").read_text(encoding="utf-8"))
    # the chunker rejoins the line that was cut after the particle に
    assert record["chunks"][0]["text"].startswith("情報システムの共通化はコスト削減につながると期待されている。")
    assert record["document"]["kind"] == "pdf" and record["chunks"][0]["token_count"] > 0


def test_a_pdf_without_text_layer_is_a_clear_error(tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    page = canvas.Canvas(str(path))
    page.rect(50, 50, 100, 100, fill=1)
    page.showPage()
    page.save()
    with pytest.raises(InputError) as error:
        load_documents([path])
    assert "no text layer" in error.value.message and "OCR" in error.value.message


def test_polis_comments_csv_is_a_source_too(tmp_path):
    path = tmp_path / "comments.csv"
    path.write_text("timestamp,datetime,comment-id,author-id,agrees,disagrees,moderated,comment-body\n"
                    "1,x,0,1,2,0,1,窓口の待ち時間を減らしてほしい\n2,x,1,2,0,0,1,\"夜間も予約できると助かる, 特に平日\"\n",
                    encoding="utf-8")
    assert loaded_text(path) == "窓口の待ち時間を減らしてほしい\n\n夜間も予約できると助かる, 特に平日"


def test_unknown_type_lists_the_supported_ones(tmp_path):
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError) as error:
        load_documents([path])
    assert ".pdf" in error.value.message and ".docx" in error.value.message and ".html" in error.value.message


SURVEY = "番号,氏名,自由記述\n1,山田太郎,夜間も予約できると助かる\n2,佐藤花子,窓口の待ち時間を減らしてほしい\n"


def test_a_comment_csv_reads_the_column_named_and_nothing_else(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_bytes(("\ufeff 番号 , 氏名 , 自由記述 " + SURVEY[SURVEY.index("\n"):]).encode("utf-8"))
    text = load_documents([path], column="自由記述").documents[0].text
    assert text == "夜間も予約できると助かる\n\n窓口の待ち時間を減らしてほしい"
    assert "山田" not in text and "佐藤" not in text  # the names never reach a model


@pytest.mark.parametrize("name", ["comment-body", "comment_text", "comment body", "text", "コメント", "意見", "body",
                                  "comment", "ご意見", "opinion", " Comment-Body "])
def test_every_recognised_name_is_read_without_column(tmp_path, name):
    path = tmp_path / "comments.csv"
    path.write_text(f"番号,氏名,{name}\n1,山田太郎,夜間も予約できると助かる\n", encoding="utf-8")
    assert loaded_text(path) == "夜間も予約できると助かる"


def test_a_column_the_csv_does_not_have_names_the_file_the_column_and_its_columns(tmp_path):
    path = tmp_path / "survey.csv"
    path.write_text(SURVEY, encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_documents([path], column="ご意見")
    assert error.value.message == (f"{path}: has no column 'ご意見'; its columns: 番号, 氏名, 自由記述; "
                                   "pass --column with one of them")


def test_a_csv_without_a_recognised_column_lists_the_names_and_asks_for_column(tmp_path):
    from polis_seed.io.readers import COMMENT_COLUMNS

    path = tmp_path / "survey.csv"
    path.write_text(SURVEY, encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_documents([path])
    message = error.value.message
    assert message.startswith(f"{path}: no comment column (recognised: {', '.join(COMMENT_COLUMNS)});")
    assert "its columns: 番号, 氏名, 自由記述" in message and "--column" in message
    assert "\n" not in message


@pytest.mark.parametrize("content", ["", "\n", "番号,氏名,ご意見\n"])
def test_a_csv_with_no_comments_is_empty_not_a_column_problem(tmp_path, content):
    path = tmp_path / "survey.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as error:
        load_documents([path])
    assert error.value.message == f"{path}: is empty; remove it or add the document's text"


def test_the_readme_lists_every_recognised_comment_column():
    from polis_seed.io.readers import COMMENT_COLUMNS

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `.csv` |"))
    assert "--column" in row
    assert [name for name in COMMENT_COLUMNS if f"`{name}`" not in row] == []
