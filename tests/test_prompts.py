import re

import pytest

from polis_seed.errors import InputError
from polis_seed.models import Angle, said
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
    assert language_name in system and str(settings.length.limit) in system and str(settings.target_chars) in system
    last = messages[-1].content
    rich = file_name == "generate_rich.yaml"
    # The rich prompt names the subject, the angle and a side; the small model's shows the sentence alone (shown a
    # subject, it glues it to every statement; asked for a side, it writes nonsense).
    assert (("費用" if language == "ja" else "cost") in last) == rich and "saves money" not in last
    assert ("costs far too much" in last) == rich and ("無痛分娩の公費助成" in last) == rich
    if rich:
        assert "/" not in last.split("\n")[2]  # the angle's name in the language asked for only
    assert last.count("<source>") == 1 and "‹source›tricky‹/source›" in last  # the document's own tags defused


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


@pytest.mark.parametrize("name, fields", [("judge.yaml", {"count", "pairs"}), ("discover.yaml", {"count", "sentences"})])
def test_system_user_prompts_name_the_placeholders_the_code_fills(name, fields):
    prompt = load_system_user_prompt(name)
    assert set(re.findall(r"(?<!\{)\{([a-z_]+)\}(?!\})", prompt.user)) == fields


def schema_properties(schema) -> set[str]:
    found: set[str] = set()
    if isinstance(schema, dict):
        found |= set(schema.get("properties", {}))
        for value in schema.values():
            found |= schema_properties(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= schema_properties(value)
    return found


def requests_with_their_prompts():
    """Every kind of request polis-seed sends, built from the shipped prompt files."""
    from pathlib import Path

    from polis_seed.prompts import DiscussPrompt, DistilPrompt, WritePrompt, load_prompt
    from polis_seed.stages.chunk import chunk_documents
    from polis_seed.stages.claims import Found, Units
    from polis_seed.stages.discover import discovery_request
    from polis_seed.stages.document import (Distillation, DocumentSettings, ListedStatement, Origin, _merge_request,
                                            discuss_requests, distil_request, fix_request, plan_groups, write_request)
    from polis_seed.stages.generate import candidates_request, plan_asks
    from polis_seed.stages.load import load_documents
    from polis_seed.stages.select import SentencePool
    from polis_seed.stages.stance import ListSideCheck, agreement_request
    from polis_seed.stages.topic import topic_request
    from tests.test_stance import neutral_embed

    data = Path(__file__).parent / "data"
    documents = load_documents([data / "facility_booking_ja.md"]).documents
    chunks = chunk_documents(documents)
    angles = load_angles(data / "two_angles.yaml")
    topic = Topic("公共施設予約のオンライン化", ("予約",))
    settings = DocumentSettings(language="ja", max_chars=140, count=4, context_tokens=8000, topic=topic)
    distil_prompt = load_prompt("distil.yaml", DistilPrompt)
    key = (documents[0].id, None)
    claims = [Found("cost", "pro", "予約", "回収できる", {key: "回収できる見込み"}, key)]
    units = Units(documents)
    distil = distil_request(claims, units, distil_prompt, settings)
    item = ListedStatement(text="予約システムは元が取れる", angle="cost", stance="pro", claims=[1])
    generate_settings = GenerateSettings(language="ja", max_chars=140, per_angle=2, topic=topic)
    asks = plan_asks(SentencePool.build(chunks, documents, neutral_embed), angles, generate_settings, neutral_embed).asks
    groups = plan_groups(documents, chunks, 6000)
    yield "write", write_request(groups[0], angles, load_prompt("write.yaml", WritePrompt), settings)
    yield "discuss", discuss_requests(groups, angles, load_prompt("discuss.yaml", DiscussPrompt), settings)[0][2]
    yield "distil", distil
    yield "merge", _merge_request(claims, units, distil_prompt, settings)
    yield "fix", fix_request(Origin(distil, Distillation(statements=[item]), dict(enumerate(claims, start=1))),
                             {1: [said("too-long", length=150, limit=140)]}, {1: item}, distil_prompt)
    yield "sides", ListSideCheck(None, load_system_user_prompt("sides.yaml"), topic, "ja").request(
        [("予約システムは元が取れる", angles[0])])
    yield "stance", agreement_request(load_system_user_prompt("stance.yaml"), "予約システムは元が取れる", "費用に見合う")
    yield "topic", topic_request(documents, ["予約", "施設"], "ja")
    yield "discover", discovery_request(chunks, "ja", 4)
    from polis_seed.stages.judge import pairs_request

    yield "judge", pairs_request(load_system_user_prompt("judge.yaml"), [("予約は便利だ", "予約は便利である")])
    for name in ("generate.yaml", "generate_rich.yaml"):
        yield name, candidates_request(asks[0], load_generate_prompt(name), generate_settings)


# A JSON key a prompt shows ("statement": …) or names ("item" set to …).
PROMPT_KEY = re.compile(r'"([a-z_]+)"\s*(?::|set to)')


@pytest.mark.parametrize("name, request_", list(requests_with_their_prompts()), ids=lambda value: value
                         if isinstance(value, str) else "")
def test_every_field_a_prompt_asks_for_is_in_its_answer_schema(name, request_):
    """A model that follows the schema (strict: no other fields allowed) can follow every instruction."""
    asked = set(PROMPT_KEY.findall("\n".join(message.content for message in request_.messages)))
    assert asked, f"{name}: the prompt shows no answer shape"
    allowed = schema_properties(request_.answer_schema)
    assert asked <= allowed, f"{name}: the prompt asks for {sorted(asked - allowed)}, the schema allows {sorted(allowed)}"
