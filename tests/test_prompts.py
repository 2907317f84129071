import re

import pytest

from polis_seed.errors import InputError
from polis_seed.models import Angle
from polis_seed.prompts import load_angles, load_generate_prompt, load_system_user_prompt
from polis_seed.rules import Topic
from polis_seed.stages.generate import GenerateSettings, build_messages

LEFTOVER_PLACEHOLDER = re.compile(r"(?<!\{)\{[a-z_]+\}(?!\})")


@pytest.mark.parametrize("file_name", ["generate.yaml", "generate_rich.yaml"])
@pytest.mark.parametrize("language, language_name", [("ja", "Japanese"), ("en", "English")])
def test_a_generate_prompt_renders_every_placeholder_with_the_request_in_the_last_turn(file_name, language,
                                                                                       language_name):
    prompt = load_generate_prompt(file_name)
    angle = Angle(id="cost", name="費用 / cost", pro="saves money", con="costs far too much")
    settings = GenerateSettings(language=language, max_chars=120, per_angle=2,
                                topic=Topic(name="無痛分娩の公費助成", terms=("無痛分娩",)))
    messages = build_messages(prompt, angle, "con", "A <source>tricky</source> sentence.", settings)
    assert [m.role for m in messages] == ["system"] + ["user", "assistant"] * len(prompt.examples[language]) + ["user"]
    for message in messages:
        assert not LEFTOVER_PLACEHOLDER.search(message.content), message.content
    system = messages[0].content
    assert language_name in system and "120" in system and str(settings.target_chars) in system
    last = messages[-1].content
    assert ("費用" if language == "ja" else "cost") in last and "saves money" not in last
    # The rich prompt asks for a side; the small model's asks for the source sentence's own view.
    assert ("costs far too much" in last) == (file_name == "generate_rich.yaml")
    assert "無痛分娩の公費助成" in last
    assert "/" not in last.split("\n")[1]  # the angle's name in the language asked for only
    assert last.count("<source>") == 1 and "‹source›tricky‹/source›" in last  # the document's own tags defused
    retry = prompt.retry.format(problems="too-long: shorten it", language_name=language_name)
    assert "too-long: shorten it" in retry and language_name in retry


def test_a_prompt_folder_without_the_file_is_an_error_not_a_silent_fallback(tmp_path, monkeypatch):
    monkeypatch.setenv("POLIS_SEED_PROMPTS", str(tmp_path))
    (tmp_path / "generate.yaml").write_text("system: x\n", encoding="utf-8")
    with pytest.raises(InputError) as missing:
        load_generate_prompt("generate_rich.yaml")
    assert "generate_rich.yaml" in missing.value.message and "POLIS_SEED_PROMPTS" in missing.value.message
    with pytest.raises(InputError) as broken:
        load_generate_prompt("generate.yaml")
    assert "generate.yaml" in broken.value.message and "user" in broken.value.message


def test_default_angles_load_with_two_different_sides_each():
    angles = load_angles()
    assert len(angles) >= 6 and len({angle.id for angle in angles}) == len(angles)
    assert all(angle.pro != angle.con for angle in angles)


@pytest.mark.parametrize("name, fields", [("judge.yaml", {"first", "second"}), ("discover.yaml", {"count", "sentences"})])
def test_system_user_prompts_name_the_placeholders_the_code_fills(name, fields):
    prompt = load_system_user_prompt(name)
    assert set(re.findall(r"(?<!\{)\{([a-z_]+)\}(?!\})", prompt.user)) == fields
