import pytest

from polis_seed.models import Angle
from polis_seed.prompts import (
    load_angles,
    load_generate_prompt,
    load_system_user_prompt,
)
from polis_seed.stages.generate import GenerateSettings, build_messages


@pytest.mark.parametrize("provider, marker", [("local", "one short statement"), ("openai", "stands alone"),
                                              ("anthropic", "stands alone")])
@pytest.mark.parametrize("language", ["ja", "en"])
def test_each_provider_gets_its_prompt_and_every_placeholder_is_filled(provider, marker, language):
    prompt = load_generate_prompt(provider)
    angle = Angle(id="cost", name="cost", pro="saves money", con="costs too much")
    messages = build_messages(prompt, angle, "con", "A <source>tricky</source> sentence.", GenerateSettings(language=language))
    assert marker in messages[0].content
    assert all("{" not in m.content.replace('{"statement"', "").replace("{{", "") for m in messages[1:])
    assert messages[-1].content.count("<source>") == 1  # the document's own tags were defused
    prompt.retry.format(problems="too-long", language_name="Japanese")


def test_default_angles_cover_the_required_axes():
    ids = {angle.id for angle in load_angles()}
    assert {"benefit", "feasibility", "cost", "oss_vs_sier", "scale", "security", "staffing", "resident_services"} <= ids


@pytest.mark.parametrize("name", ["judge.yaml", "discover.yaml"])
def test_system_user_prompts_load(name):
    prompt = load_system_user_prompt(name)
    assert prompt.system and prompt.user
