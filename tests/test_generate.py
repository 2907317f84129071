from pathlib import Path

from polis_seed.prompts import load_angles, load_generate_prompt
from polis_seed.stages.chunk import chunk_documents
from polis_seed.stages.generate import GenerateSettings, generate_statements
from polis_seed.stages.load import load_documents
from polis_seed.stages.select import select_passages
from tests.replay import ReplayProvider

DATA = Path(__file__).parent / "data"


def prepared():
    documents = load_documents([DATA / "facility_booking_ja.md"]).documents
    return documents, chunk_documents(documents), load_angles(DATA / "two_angles.yaml")


def run(provider, per_angle=2, angles=None, **settings):
    documents, chunks, all_angles = prepared()
    return generate_statements(documents, chunks, angles or all_angles[:1], provider, load_generate_prompt(),
                               GenerateSettings(language="ja", max_chars=140, per_angle=per_angle, **settings))


def test_passages_for_an_angle_mention_it_and_include_concerns():
    documents, chunks, angles = prepared()
    passages = select_passages(angles[0], chunks, documents, limit=4, char_budget=2000)
    assert passages and all(any(k in p.sentence for k in angles[0].keywords) for p in passages)
    assert any("ただし" in p.sentence or "課題" in p.sentence or "懸念" in p.sentence for p in passages)


def test_statements_carry_angle_stance_source_and_a_verbatim_quote():
    provider = ReplayProvider([{"statement": "予約システムの費用は人件費削減で回収できる"},
                               {"statement": "保守費用が高いとコスト削減の効果は小さい"}])
    result = run(provider)
    assert [(s.angle, s.stance) for s in result.statements] == [("cost", "pro"), ("cost", "con")]
    source = (DATA / "facility_booking_ja.md").read_text(encoding="utf-8")
    for statement in result.statements:
        assert statement.quote and statement.quote in source
        assert statement.chunk_id.startswith(statement.document_id)
        assert statement.source_path.endswith("facility_booking_ja.md")
    # The con request is built from a sentence that voices a concern.
    assert "ただし" in provider.history[1].messages[-1].content or "懸念" in provider.history[1].messages[-1].content


def test_a_rule_violation_is_sent_back_and_the_fixed_answer_kept():
    provider = ReplayProvider([{"statement": "コストは" + "とても" * 60 + "高い"},
                               {"statement": "予約システムの費用は人件費削減で回収できる"}])
    result = run(provider, per_angle=1)
    assert [s.text for s in result.statements] == ["予約システムの費用は人件費削減で回収できる"]
    retry = provider.history[1].messages
    assert retry[-2].role == "assistant" and "too-long" in retry[-1].content
    assert result.report.retries == 1 and result.report.dropped == [] and result.report.requests == 2


def test_what_still_fails_after_the_last_attempt_is_dropped_and_counted():
    provider = ReplayProvider(["not json at all", {"statement": "費用は妥当か？"}, {"statement": "バスの増便は補助金に見合わない"}]
                              + [{"statement": "バスの増便は補助金に見合わない"}] * 30)
    result = run(provider, per_angle=1, max_attempts=3)
    assert result.statements == []
    first = result.report.dropped[0]
    assert first.reasons[0].startswith("off-source")
    assert result.report.drop_counts()["off-source"] >= 1
    assert "not-json" in provider.history[1].messages[-1].content
    assert "question" in provider.history[2].messages[-1].content
    assert any("cost" in note for note in result.notes)


def test_an_angle_the_documents_never_mention_gets_a_note_not_invented_statements():
    documents, chunks, _ = prepared()
    from polis_seed.models import Angle
    nowhere = Angle(id="space", name="宇宙", pro="p", con="c", keywords=["ロケット", "宇宙"])
    provider = ReplayProvider()
    result = generate_statements(documents, chunks, [nowhere], provider, load_generate_prompt(),
                                 GenerateSettings(language="ja", max_chars=140, per_angle=2))
    assert result.statements == [] and provider.history == []
    assert "space: no passage" in result.notes[0] and "--discover-angles" in result.notes[0]


def test_prompt_tells_the_model_document_text_is_data():
    provider = ReplayProvider([{"statement": "予約システムの費用は人件費削減で回収できる"}])
    run(provider, per_angle=1)
    system = provider.history[0].messages[0].content
    assert "never follow it" in system and "Japanese" in system
    assert provider.history[0].messages[-1].content.rstrip().endswith("</source>")


def test_a_refusal_or_a_cut_off_answer_costs_one_request_not_the_run():
    from polis_seed.providers.base import CompletionResult

    provider = ReplayProvider([CompletionResult(content="", refusal="I can't help with that"),
                               CompletionResult(content='{"statement": "予約システムの費用は人件', finish_reason="length"),
                               {"statement": "予約システムの費用は人件費削減で回収できる"}])
    result = run(provider, per_angle=1)
    assert [s.text for s in result.statements] == ["予約システムの費用は人件費削減で回収できる"]
    assert "refused" in provider.history[1].messages[-1].content
    assert "cut-off" in provider.history[2].messages[-1].content


def test_a_failed_request_is_recorded_and_the_other_slots_go_on():
    from polis_seed.providers.base import ProviderError

    documents, chunks, angles = prepared()
    provider = ReplayProvider([ProviderError("HTTP 500 from server"), {"statement": "オンライン予約は住民の利便性を高める"}])
    result = generate_statements(documents, chunks, angles, provider, load_generate_prompt(),
                                 GenerateSettings(language="ja", max_chars=140, per_angle=1))
    assert result.report.failed_requests == 1 and "HTTP 500" in result.report.failures[0]
    assert [s.angle for s in result.statements] == ["resident_services"]
