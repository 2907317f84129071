import pytest

from polis_seed.errors import InputError
from polis_seed.stages.load import load_documents


def test_folder_loads_text_and_markdown_with_stable_ids_and_titles(tmp_path):
    (tmp_path / "a.md").write_text("# 会議録\n本文です。\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("\ufeffBOM付きの文書です。\n", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    first = load_documents([tmp_path]).documents
    again = load_documents([tmp_path]).documents
    assert [d.title for d in first] == ["会議録", "BOM付きの文書です。"]
    assert not first[1].text.startswith("\ufeff")
    assert [d.id for d in first] == [d.id for d in again]


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing.txt", "no such file or folder"),
    (lambda p: (p / "empty").mkdir() or p / "empty", "no documents found"),
    (lambda p: (p / "e.txt").write_text("  \n\n") and p / "e.txt", "is empty"),
    (lambda p: (p / "bin.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00") and p / "bin.txt", "binary"),
    (lambda p: (p / "odd.txt").write_bytes(b"\xfd\xfe\xff\xfd" * 50) and p / "odd.txt", "cannot tell its text encoding"),
    (lambda p: (p / "x.pdf").write_bytes(b"%PDF-1.4 broken") and p / "x.pdf", "not a readable PDF"),
    (lambda p: (p / "x.xlsx").write_bytes(b"PK") and p / "x.xlsx", "unsupported file type"),
])
def test_bad_named_input_is_an_error_naming_the_file(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(InputError) as error:
        load_documents([path])
    assert str(path) in error.value.message and message in error.value.message


def test_a_bad_file_inside_a_folder_is_a_warning_unless_strict(tmp_path):
    (tmp_path / "good.txt").write_text("良い文書です。", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01\x02")
    result = load_documents([tmp_path])
    assert len(result.documents) == 1 and "bad.txt" in result.warnings[0]
    with pytest.raises(InputError):
        load_documents([tmp_path], strict=True)
