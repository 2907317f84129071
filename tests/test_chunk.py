import hashlib

from polis_seed.models import Document
from polis_seed.stages.chunk import chunk_document, split_sentences
from polis_seed.language.tokens import count_tokens, install_offline_encoding


def test_japanese_splits_at_terminal_marks_but_not_inside_quotes():
    text = "彼は「今日は雨だ。明日は晴れる。」と言った。次の文です！本当に？"
    assert split_sentences(text, "ja") == ["彼は「今日は雨だ。明日は晴れる。」と言った。", "次の文です！", "本当に？"]


def test_japanese_hard_wrapped_lines_are_rejoined_but_list_lines_are_not():
    wrapped = "情報システムの標準化は自治体の業務\n効率を高めると期待されているが、移行\n作業の負担は大きい。"
    assert split_sentences(wrapped, "ja") == ["情報システムの標準化は自治体の業務効率を高めると期待されているが、移行作業の負担は大きい。"]
    listed = "共通化はコスト削減につながる\n共通システムは独自性を損なう\n標準化で効率が上がる"
    assert split_sentences(listed, "ja") == ["共通化はコスト削減につながる", "共通システムは独自性を損なう", "標準化で効率が上がる"]


def test_english_sentences_and_abbreviations():
    text = "This line is\nwrapped mid sentence. Dr. Smith agreed, e.g. on cost. Is it cheap?"
    assert split_sentences(text, "en") == [
        "This line is wrapped mid sentence.", "Dr. Smith agreed, e.g. on cost.", "Is it cheap?"]


def test_markup_is_removed():
    text = "---\ntitle: x\n---\n[リンク文字](https://example.org) を見よ。<img src='a.png'/>画像の後。"
    assert split_sentences(text, "ja") == ["リンク文字 を見よ。", "画像の後。"]


def test_chunks_hold_whole_sentences_within_the_token_budget():
    text = "。".join(f"これは{i}番目の文で、自治体の情報システムについて述べている" for i in range(60)) + "。"
    document = Document(id="d1", path="x.txt", title="x", text=text)
    chunks = chunk_document(document, max_tokens=100)
    assert len(chunks) > 1
    assert [s for c in chunks for s in c.sentences] == split_sentences(text)
    assert all(c.token_count <= 100 for c in chunks)
    assert chunks[1].id == "d1:1"


def test_tiktoken_file_is_installed_offline_under_the_name_tiktoken_expects(tmp_path):
    path = install_offline_encoding("o200k_base", tmp_path)
    url = "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken"
    assert path.name == hashlib.sha1(url.encode()).hexdigest()
    assert hashlib.sha256(path.read_bytes()).hexdigest().startswith("446a9538")
    path.write_bytes(b"corrupted")
    assert install_offline_encoding("o200k_base", tmp_path).read_bytes() != b"corrupted"


def test_token_counts_use_o200k_base():
    assert count_tokens("hello world") == 2
    assert count_tokens("情報システムの共通化") > 0
