"""`--strategy auto` follows the model's context window, not the provider's name, and so does the prompt."""

import struct

from polis_seed.config import Settings
from polis_seed.providers.local import gguf_context_length
from polis_seed.plan import choose_strategy, provider_of

from .fault_server import FaultServer


def gguf(path, context_length: int | None):
    """A GGUF header with a tokenizer array before the context length, as real files have."""
    def string(text: str) -> bytes:
        data = text.encode()
        return struct.pack("<Q", len(data)) + data

    entries = [string("general.architecture") + struct.pack("<I", 8) + string("qwen2"),
               string("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, 3) + string("a") + string("b") + string("c"),
               string("general.file_type") + struct.pack("<II", 4, 15)]
    if context_length is not None:
        entries.append(string("qwen2.context_length") + struct.pack("<II", 4, context_length))
    path.write_bytes(b"GGUF" + struct.pack("<IQQ", 3, 0, len(entries)) + b"".join(entries))
    return path


def test_the_context_window_is_read_from_a_gguf_header(tmp_path):
    assert gguf_context_length(gguf(tmp_path / "big.gguf", 32768)) == 32768
    assert gguf_context_length(gguf(tmp_path / "none.gguf", None)) is None
    (tmp_path / "text.gguf").write_text("not a model")
    assert gguf_context_length(tmp_path / "text.gguf") is None


def test_a_local_gguf_with_a_large_window_gets_the_document_strategy_and_the_embedded_model_does_not(tmp_path):
    big = Settings(model=str(gguf(tmp_path / "big.gguf", 65536)))
    choice = choose_strategy(provider_of(big))
    assert (choice.strategy, choice.context_tokens) == ("document", 32768)
    assert "trained for 65,536 tokens; served with 32,768" in choice.reason
    small = choose_strategy(provider_of(Settings(model=str(gguf(tmp_path / "small.gguf", 8192)))))
    assert small.strategy == "sentence" and small.sentence_prompt == "generate.yaml"
    embedded = choose_strategy(provider_of(Settings()))
    assert embedded.strategy == "sentence" and "embedded 1.5B" in embedded.reason


def test_a_compatible_server_is_asked_for_its_window_and_the_prompt_follows_it():
    with FaultServer(context_tokens=4096) as small:
        choice = choose_strategy(provider_of(Settings(provider="openai", base_url=small.base_url)))
    assert choice.strategy == "sentence" and choice.sentence_prompt == "generate.yaml"
    assert "reports a 4,096-token window" in choice.reason
    with FaultServer(context_tokens=32768) as large:
        choice = choose_strategy(provider_of(Settings(provider="openai", base_url=large.base_url)))
    assert choice.strategy == "document" and choice.capable
    explicit = choose_strategy(provider_of(Settings(provider="openai", base_url="http://127.0.0.1:9/v1")), "sentence")
    assert explicit.strategy == "sentence" and explicit.sentence_prompt == "generate_rich.yaml"
    assert explicit.reason.startswith("--strategy sentence (the server at http://127.0.0.1:9/v1 reports no context")
