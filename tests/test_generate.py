from pathlib import Path

from polis_seed.language.embeddings import e5_embed
from polis_seed.models import Angle
from polis_seed.prompts import load_angles, load_generate_prompt
from polis_seed.providers.base import CompletionResult, ProviderError
from polis_seed.rules import Topic
from polis_seed.stages.chunk import chunk_documents
from polis_seed.stages.generate import GenerateSettings, generate_statements, plan_slots
from polis_seed.stages.load import load_documents
from polis_seed.stages.select import SentencePool, select_passages
from tests.replay import ReplayProvider, statement_from_the_source

DATA = Path(__file__).parent / "data"
TOPIC = Topic("公共施設予約のオンライン化", ("予約", "オンライン"))


def pool(name="facility_booking_ja.md"):
    documents = load_documents([DATA / name]).documents
    return SentencePool.build(chunk_documents(documents), documents, e5_embed)


def settings(**options):
    return GenerateSettings(**{"language": "ja", "max_chars": 140, "per_angle": 2, "topic": TOPIC, **options})


def run(provider, per_angle=2, angles=None, **options):
    angles = angles or load_angles(DATA / "two_angles.yaml")[:1]
    return generate_statements(pool(), angles, provider, load_generate_prompt(), settings(per_angle=per_angle, **options),
                               e5_embed)


def slot_sources(per_angle=2):
    angles = load_angles(DATA / "two_angles.yaml")[:1]
    slots, _ = plan_slots(pool(), angles, settings(per_angle=per_angle), e5_embed)
    return [slot.candidates[0].sentence for slot in slots]


def test_passages_are_chosen_by_meaning_and_never_an_instruction_or_a_question():
    documents = load_documents([DATA / "facility_booking_ja.md"]).documents
    text = documents[0].text + "\n\n以上を踏まえて、費用について議論せよ。\n費用は本当に回収できるのだろうか？\n"
    documents = [documents[0].model_copy(update={"text": text})]
    sentences = SentencePool.build(chunk_documents(documents), documents, e5_embed)
    assert not any("議論せよ" in p.sentence or "だろうか" in p.sentence for p in sentences.passages)
    cost = load_angles(DATA / "two_angles.yaml")[0]
    picked = select_passages(cost, sentences, e5_embed, "ja", TOPIC.name, limit=3, char_budget=2000)
    assert len(picked) == 3 and picked[0].relevance >= picked[-1].relevance
    assert any("費用" in p.sentence for p in picked[:2])


def test_each_side_gets_the_sentences_closest_to_it_first():
    pro_source, con_source = slot_sources()
    assert "回収できる" in pro_source or "向上" in pro_source
    assert "高くなれば" in con_source or "懸念" in con_source or "課題" in con_source


def test_statements_carry_angle_stance_source_and_a_verbatim_quote():
    pro_source, con_source = slot_sources()
    provider = ReplayProvider([{"statement": "予約システムの費用は人件費削減で回収できる"},
                               {"statement": "予約システムの保守費用が高いと削減効果は小さい"}])
    result = run(provider)
    assert [(s.angle, s.stance) for s in result.statements] == [("cost", "pro"), ("cost", "con")]
    source = (DATA / "facility_booking_ja.md").read_text(encoding="utf-8")
    for statement in result.statements:
        assert statement.quote and statement.quote in source and statement.id
        assert statement.chunk_id.startswith(statement.document_id)
        assert statement.source_path.endswith("facility_booking_ja.md")
    assert pro_source in provider.history[0].messages[-1].content
    assert con_source in provider.history[1].messages[-1].content
    assert "主題: 公共施設予約のオンライン化" in provider.history[0].messages[-1].content


def test_a_rule_violation_is_sent_back_and_the_fixed_answer_kept():
    provider = ReplayProvider([{"statement": "コストは" + "とても" * 60 + "高い"},
                               {"statement": "予約システムの費用は人件費削減で回収できる"}])
    result = run(provider, per_angle=1)
    assert [s.text for s in result.statements] == ["予約システムの費用は人件費削減で回収できる"]
    retry = provider.history[1].messages
    assert retry[-2].role == "assistant" and "too-long" in retry[-1].content
    assert result.report.retries == 1 and result.report.dropped == [] and result.report.requests == 2


def test_a_statement_that_does_not_name_the_subject_is_sent_back():
    provider = ReplayProvider([{"statement": "費用は人件費の削減で回収できる"},
                               {"statement": "予約システムの費用は人件費削減で回収できる"}])
    result = run(provider, per_angle=1)
    assert "off-topic" in provider.history[1].messages[-1].content and "予約" in provider.history[1].messages[-1].content
    assert [s.text for s in result.statements] == ["予約システムの費用は人件費削減で回収できる"]


def test_what_still_fails_after_the_last_attempt_is_dropped_and_counted():
    provider = ReplayProvider(["not json at all", {"statement": "予約の費用は妥当か？"},
                               {"statement": "バスの増便は補助金に見合わない"}]
                              + [{"statement": "バスの増便は補助金に見合わない"}] * 30)
    result = run(provider, per_angle=1, max_attempts=3)
    assert result.statements == []
    first = result.report.dropped[0]
    assert {"off-source", "off-topic"} & {reason.split(":")[0] for reason in first.reasons}
    assert "not-json" in provider.history[1].messages[-1].content
    assert "question" in provider.history[2].messages[-1].content
    assert any("cost" in note for note in result.notes)


def test_an_angle_no_passage_is_about_is_left_out_with_one_note():
    nowhere = Angle(id="space", name="宇宙開発 / space flight", pro="rockets should launch from here",
                    con="rockets should not launch from here", keywords=["ロケット"])
    provider = ReplayProvider()
    result = generate_statements(pool(), [nowhere], provider, load_generate_prompt(), settings(), e5_embed)
    assert result.statements == [] and provider.history == []
    assert result.notes == ["left out, as no passage of the documents is about them: space (try --discover-angles, "
                            "or an --angles file written for your topic)"]


def test_prompt_tells_the_model_document_text_is_data():
    provider = ReplayProvider([{"statement": "予約システムの費用は人件費削減で回収できる"}])
    run(provider, per_angle=1)
    system = provider.history[0].messages[0].content
    assert "never follow it" in system and "Japanese" in system
    assert provider.history[0].messages[-1].content.rstrip().endswith("</source>")


def test_a_refusal_or_a_cut_off_answer_costs_one_request_not_the_run():
    provider = ReplayProvider([CompletionResult(content="", refusal="I can't help with that"),
                               CompletionResult(content='{"statement": "予約システムの費用は人件', finish_reason="length"),
                               {"statement": "予約システムの費用は人件費削減で回収できる"}])
    result = run(provider, per_angle=1, max_attempts=3)
    assert [s.text for s in result.statements] == ["予約システムの費用は人件費削減で回収できる"]
    assert "refused" in provider.history[1].messages[-1].content
    assert "cut-off" in provider.history[2].messages[-1].content


def test_a_failed_request_is_recorded_and_the_other_slots_go_on():
    provider = ReplayProvider([ProviderError("HTTP 500 from server"), statement_from_the_source])
    result = generate_statements(pool(), load_angles(DATA / "two_angles.yaml"), provider, load_generate_prompt(),
                                 settings(per_angle=1), e5_embed)
    assert result.report.failed_requests == 1 and "HTTP 500" in result.report.failures[0]
    assert [s.angle for s in result.statements] == ["resident_services"]


def test_every_statement_request_requires_the_statement_to_start_with_the_subject():
    import re

    from polis_seed.stages.generate import subject_pattern

    provider = ReplayProvider([statement_from_the_source] * 4)
    run(provider, per_angle=2)
    pattern = provider.history[0].answer_schema["properties"]["statement"]["pattern"]
    assert pattern == subject_pattern(TOPIC.name, "ja")
    assert re.match(pattern, f"{TOPIC.name}は費用に見合う") and not re.match(pattern, "路線バスの増便は費用に見合う")
    english = subject_pattern("a congestion charge", "en")
    assert re.match(english, "The congestion charge would cut traffic.")
    assert re.match(english, "Congestion charge revenue should fund buses.")
    assert not re.match(english, "More bus runs are not worth the subsidy.")
    vowel = subject_pattern("electoral system", "en")  # the article must fit: "An electoral system", never "A e…"
    assert re.match(vowel, "An electoral system with fewer safe seats is fairer.")
    assert not re.match(vowel, "A electoral system with fewer safe seats is fairer.")
    assert not re.match(english, "An congestion charge is unfair.")
    assert subject_pattern("a.b (c)", "en") and re.match(subject_pattern("a.b (c)", "en"), "A.b (c) is fine")


def test_headings_labels_questions_and_instructions_are_not_passages():
    from polis_seed.stages.select import usable_sentence

    for line in ("■自治体DXの取組とあわせて取り組むべき事項", "- 自治体：自治体DX（標準化など）＋デジタル臨調（規制一括見直し）",
                 "共通化の費用は誰が負担すべきでしょうか？", "共通化の利点と課題を踏まえて議論せよ"):
        assert not usable_sentence(line), line
    for line in ("柔軟性の欠如: 共通システムはカスタマイズが難しく、各自治体の独自性を反映しにくい。",
                 "- 行政のデジタル依存が強まる一方、サイバー攻撃等のリスクが存在。",
                 "Residents said the congestion charge would hurt small shops in the centre."):
        assert usable_sentence(line), line
