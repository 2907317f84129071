"""The sentence strategy: write several candidates per sentence, judge them, keep the best."""

import re
from pathlib import Path

import numpy as np
import pytest

from polis_seed.language.embeddings import e5_embed
from polis_seed.models import Angle
from polis_seed.prompts import load_angles, load_generate_prompt
from polis_seed.providers.base import CompletionResult, ProviderError
from polis_seed.rules import Topic, documents_vocabulary
from polis_seed.stages.chunk import chunk_documents
from polis_seed.stages.generate import GenerateSettings, generate_statements, plan_asks
from polis_seed.stages.load import load_documents
from polis_seed.stages.select import SentencePool, passages_by_side
from polis_seed.stages.stance import StanceChecker
from polis_seed.stages.usability import FEATURES, JudgeWeights, UsabilityJudge
from tests.replay import ReplayProvider, statement_from_the_source

DATA = Path(__file__).parent / "data"
DOCUMENT = DATA / "facility_booking_ja.md"
TEXT = DOCUMENT.read_text(encoding="utf-8")
TOPIC = Topic("公共施設予約のオンライン化", ("予約", "オンライン"), documents_vocabulary([TEXT], "ja"))


def pool():
    documents = load_documents([DOCUMENT]).documents
    return SentencePool.build(chunk_documents(documents), documents, e5_embed)


def weights(threshold=0.0, **features):
    """Judge weights for a test: every feature 0 unless named, so a candidate scores 0.5 unless told otherwise."""
    return JudgeWeights(0.0, {name: features.get(name, 0.0) for name in FEATURES}, threshold)


def settings(provider=None, per_angle=2, sides=None, judge_weights=None, **options):
    """The settings of a run whose side check asks `provider` (`sides`: which side each statement takes, pro by
    default), judged with `judge_weights` (by default every candidate passes)."""
    if provider is not None:
        def agreement(request):
            text = request.messages[-1].content
            statement = re.search(r"Statement: (.*)", text).group(1)
            side = sides(statement) if callable(sides) else (sides or {}).get(statement, "pro")
            asks_con = "too much" in re.search(r"Opinion: (.*)", text).group(1)
            return {"answer": "yes" if (side == "con") == asks_con else "no"}

        provider.always("Agreement", agreement)
    stance = StanceChecker(provider, None, TOPIC, "ja") if provider is not None else None
    judge = UsabilityJudge(TOPIC, judge_weights or weights()) if provider is not None else None
    return GenerateSettings(**{"language": "ja", "max_chars": 140, "per_angle": per_angle, "topic": TOPIC,
                               "stance": stance, "judge": judge, **options})


def run(provider, per_angle=2, angles=None, **options):
    angles = angles or load_angles(DATA / "two_angles.yaml")[:1]
    return generate_statements(pool(), angles, provider, load_generate_prompt(),
                               settings(provider, per_angle=per_angle, **options), e5_embed)


def candidates(*texts):
    return {"statements": list(texts)}


def test_passages_are_chosen_by_meaning_and_never_an_instruction_or_a_real_question():
    documents = load_documents([DOCUMENT]).documents
    text = documents[0].text + "\n\n以上を踏まえて、費用について議論せよ。\n予約システムはいつから使えるのだろうか？\n"
    documents = [documents[0].model_copy(update={"text": text})]
    sentences = SentencePool.build(chunk_documents(documents), documents, e5_embed)
    assert not any("議論せよ" in p.sentence or "だろうか" in p.sentence for p in sentences.passages)
    cost = load_angles(DATA / "two_angles.yaml")[0]
    picked = passages_by_side([cost], sentences, e5_embed, "ja", TOPIC.name, limit=6, char_budget=2000)["cost"]
    for side in (picked.pro, picked.con):
        assert len(side) == 3 and side[0].relevance >= side[-1].relevance
    assert any("回収できる" in p.sentence for p in picked.pro[:2])
    assert any("高くなれば" in p.sentence for p in picked.con[:2])


def test_each_side_gets_the_sentences_closest_to_it_and_a_sentence_serves_one_angle():
    angles = load_angles(DATA / "two_angles.yaml")
    plan = plan_asks(pool(), angles, settings(per_angle=2), e5_embed)
    by_side = {(ask.angle.id, ask.stance): ask.passage.sentence for ask in plan.asks}
    assert "回収できる" in by_side[("cost", "pro")] or "向上" in by_side[("cost", "pro")]
    assert any(word in by_side[("cost", "con")] for word in ("高くなれば", "懸念", "課題"))
    sentences = [ask.passage.sentence for ask in plan.asks]
    assert len(sentences) == len(set(sentences)) == 4  # one statement per source sentence, across angles


def test_several_candidates_are_asked_in_one_request_and_the_best_one_is_kept():
    provider = ReplayProvider([
        candidates("予約システムは" + "とても" * 60 + "高い",  # too long: not judged
                   "予約システムの導入費用は人件費の削減で回収できる",
                   "予約システムの費用は5年程度で回収できる見込みだ"),
        candidates("予約システムの保守費用が高ければ削減効果は小さい")])
    # The judge here prefers what copies less of the sentence: the candidate with "5年程度で…見込み" loses.
    result = run(provider, sides={"予約システムの保守費用が高ければ削減効果は小さい": "con"},
                 judge_weights=weights(copy=-10.0))
    assert [(s.text, s.stance, s.checked_stance) for s in result.statements] == [
        ("予約システムの導入費用は人件費の削減で回収できる", "pro", "pro"),
        ("予約システムの保守費用が高ければ削減効果は小さい", "con", "con")]
    statement_requests = [r for r in provider.history if r.schema_name == "Candidates"]
    assert len(statement_requests) == 2 and "into 3 short statements" in statement_requests[0].messages[0].content
    for statement in result.statements:
        assert statement.quote and statement.quote in TEXT and statement.score is not None
        assert statement.chunk_id.startswith(statement.document_id) and statement.source_path.endswith(DOCUMENT.name)
    reasons = {drop.text: drop.reasons[0].split(":")[0] for drop in result.report.dropped}
    assert reasons["予約システムは" + "とても" * 60 + "高い"] == "too-long"
    assert reasons["予約システムの費用は5年程度で回収できる見込みだ"] == "not-best"
    assert all(drop.score is not None for drop in result.report.dropped if not drop.reasons[0].startswith("too-long"))


def test_a_candidate_that_names_a_key_term_or_the_sentences_own_subject_is_kept():
    provider = ReplayProvider([
        candidates("予約のオンライン化は人件費の削減で元が取れる"),  # starts with a key term
        candidates("保守費用が想定より高ければコスト削減の効果は薄い")])  # the sentence's own subject
    result = run(provider, sides={"保守費用が想定より高ければコスト削減の効果は薄い": "con"})
    assert [s.text for s in result.statements] == ["予約のオンライン化は人件費の削減で元が取れる",
                                                   "保守費用が想定より高ければコスト削減の効果は薄い"]


def test_a_candidate_below_the_threshold_is_not_exported_but_kept_with_its_score():
    provider = ReplayProvider([candidates("予約システムの導入費用は人件費の削減で回収できる"),
                               candidates("予約システムの保守費用が高ければ削減効果は小さい")]
                              + [candidates("予約システムの費用は妥当だ")] * 10)
    result = run(provider, judge_weights=weights(threshold=0.99))
    assert result.statements == []
    judged = [drop for drop in result.report.dropped if drop.reasons[0].startswith("judge")]
    assert judged and all(0 <= drop.score < 0.99 for drop in judged)
    assert any(note.text().startswith("cost: no pro statement; none written from") for note in result.notes)


def test_a_same_side_paraphrase_of_a_better_statement_is_not_exported(tmp_path):
    document = tmp_path / "two.md"  # two sentences that say the same
    document.write_text("予約システムの導入費用は人件費の削減で5年程度で回収できる見込みである。\n\n"
                        "予約システムの導入費用は人件費の削減により回収できるとの意見が多かった。\n", encoding="utf-8")
    documents = load_documents([document]).documents
    sentences = SentencePool.build(chunk_documents(documents), documents, e5_embed)
    provider = ReplayProvider([candidates("予約システムの導入費用は人件費の削減で回収できる"),
                               candidates("予約システムの導入費用は人件費の削減で回収できます")])
    cost = load_angles(DATA / "two_angles.yaml")[:1]
    result = generate_statements(sentences, cost, provider, load_generate_prompt(),
                                 settings(provider, per_angle=4, refill=False), e5_embed)  # both read as pro
    assert [s.text for s in result.statements] == ["予約システムの導入費用は人件費の削減で回収できる"]
    assert [drop.reasons[0].split(":")[0] for drop in result.report.dropped] == ["repeat"]


def test_a_side_left_empty_gets_one_more_try_from_the_sentences_in_reserve():
    angles = load_angles(DATA / "two_angles.yaml")[:1]
    plan = plan_asks(pool(), angles, settings(per_angle=2), e5_embed)
    spare = plan.reserve[("cost", "con")][0].passage.sentence
    provider = ReplayProvider([statement_from_the_source] * 3)
    # Only a statement written from the reserve sentence reads as con: the first con statement reads as pro.
    spare_words = re.sub(r"[、。．,.!?！？「」0-9０-９]", "", spare)[:10]
    result = run(provider, sides=lambda text: "con" if spare_words in text else "pro")
    assert [s.stance for s in result.statements] == ["pro", "con"]
    assert spare_words in result.statements[1].text and result.statements[1].quote in spare
    asked = [r for r in provider.history if r.schema_name == "Candidates"]
    assert len(asked) == 3 and spare in asked[2].messages[-1].content  # the refill asked the reserve sentence


def test_an_angle_no_passage_is_about_is_left_out_with_one_note():
    nowhere = Angle(id="space", name="宇宙開発 / space flight", pro="rockets should launch from here",
                    con="rockets should not launch from here", keywords=["ロケット"])
    provider = ReplayProvider()
    result = generate_statements(pool(), [nowhere], provider, load_generate_prompt(), settings(provider), e5_embed)
    assert result.statements == [] and provider.history == []
    assert [note.text() for note in result.notes] == [
        "left out, as no passage of the documents is about them: space (try --discover-angles, or an --angles file "
        "written for your topic)"]


def test_prompt_tells_the_model_document_text_is_data_and_shows_no_subject_to_glue_on():
    provider = ReplayProvider([candidates("予約システムの導入費用は人件費の削減で回収できる")])
    run(provider, per_angle=1)
    request = provider.history[0]
    assert "never follow it" in request.messages[0].content and "Japanese" in request.messages[0].content
    assert request.messages[-1].content.startswith("出典: <source>")
    assert request.messages[-1].content.rstrip().endswith("</source>")
    assert TOPIC.name not in request.messages[-1].content


def test_a_refusal_or_a_cut_off_answer_costs_one_request_not_the_run():
    provider = ReplayProvider([CompletionResult(content="", refusal="I can't help with that"),
                               CompletionResult(content='{"statements": ["予約システムの費用は人件', finish_reason="length")]
                              + [statement_from_the_source] * 4)
    result = run(provider, per_angle=2, sides=lambda text: "con")
    assert result.report.requests >= 2 and {"refused", "cut-off"} <= set(result.report.rejections)
    # Both first sentences gave nothing; the sides left empty were asked again from the sentences in reserve.
    assert [s.stance for s in result.statements] == ["con"] and len(provider.history) >= 3


def test_a_failed_request_is_recorded_and_the_other_sentences_go_on():
    provider = ReplayProvider([ProviderError("HTTP 500 from server"),
                               candidates("予約システムの保守費用が高ければ削減効果は小さい")])
    result = run(provider, sides={"予約システムの保守費用が高ければ削減効果は小さい": "con"})
    assert result.report.failed_requests == 1 and "HTTP 500" in result.report.failures[0]
    assert [s.text for s in result.statements] == ["予約システムの保守費用が高ければ削減効果は小さい"]


def test_headings_labels_questions_and_instructions_are_not_passages():
    from polis_seed.stages.select import usable_sentence

    for line in ("■自治体DXの取組とあわせて取り組むべき事項", "- 自治体：自治体DX（標準化など）＋デジタル臨調（規制一括見直し）",
                 "共通化の費用は誰が負担すべきでしょうか？", "共通化の利点と課題を踏まえて議論せよ"):
        assert not usable_sentence(line), line
    for line in ("柔軟性の欠如: 共通システムはカスタマイズが難しく、各自治体の独自性を反映しにくい。",
                 "- 行政のデジタル依存が強まる一方、サイバー攻撃等のリスクが存在。",
                 "Residents said the congestion charge would hurt small shops in the centre."):
        assert usable_sentence(line), line


def test_a_passage_is_the_part_of_its_sentence_that_carries_the_claim():
    from polis_seed.stages.select import claim_part, usable_sentence

    assert claim_part("柔軟性の欠如: 共通システムはカスタマイズが難しく、各自治体の独自性を反映しにくい。") == \
        "共通システムはカスタマイズが難しく、各自治体の独自性を反映しにくい。"
    assert claim_part("- 一方で、高齢者などスマートフォンを使わない住民が予約を取りにくくなる。") == \
        "高齢者などスマートフォンを使わない住民が予約を取りにくくなる。"
    assert claim_part("However, the charge would hurt small shops in the centre.") == \
        "the charge would hurt small shops in the centre."
    assert claim_part("住民の利便性は大きく向上するとの意見が出た。") == "住民の利便性は大きく向上するとの意見が出た。"
    assert not usable_sentence("11 庁内調整 DX推進本部会議（幹事会）対応 ● ● ● ●")
    assert not usable_sentence("自治体の情報システムの共通化について、以下の切り口から議論します。")



@pytest.mark.shipped_judge
def test_the_shipped_judge_prefers_a_clear_claim_to_a_garbled_one_of_the_same_sentence():
    """Two candidates people read (docs/judged/candidates_mutsuu_bunben.jsonl), measured as a run measures them."""
    from polis_seed.stages.usability import JudgeWeights, features_of

    source = "無痛分娩を選ばない人も含めて税で費用を負担することは公平ではないとの意見もある。"
    judge = JudgeWeights.shipped()
    assert "mutsuu_bunben" in judge.calibrated_on
    vectors = e5_embed(["無痛分娩を選ばない人も税で費用を負担するため、公平ではない",
                        "所得によって出産の痛みに差が生じる状況は公費で支えることで経験を積める", source])
    clear = features_of("無痛分娩を選ばない人も税で費用を負担するため、公平ではない", source, TOPIC, 0.3,
                        float(vectors[0] @ vectors[2]), float(vectors[0] @ vectors[1]), 45)
    garbled = features_of("所得によって出産の痛みに差が生じる状況は公費で支えることで経験を積める", source, TOPIC, 0.3,
                          float(vectors[1] @ vectors[2]), float(vectors[0] @ vectors[1]), 45)
    assert judge.score(clear) > judge.score(garbled)


def test_a_statement_goes_to_the_angle_it_is_about_unless_it_names_a_keyword_of_its_own():
    from polis_seed.stages.generate import Ask, Candidate, _move_to_the_angle_it_is_about

    cost, residents = load_angles(DATA / "two_angles.yaml")
    passage = pool().passages[0]
    about_residents = "高齢者や障害のある住民が取り残されないよう、窓口での受付も残すべきだ。"
    moved = Candidate(about_residents, Ask(cost, "pro", passage), [])
    stays = Candidate("費用の負担が増えても、" + about_residents, Ask(cost, "pro", passage), [])
    _move_to_the_angle_it_is_about([moved, stays], [cost, residents], settings(), e5_embed)
    assert moved.angle.id == "resident_services"  # asked for cost, about residents
    assert stays.angle.id == "cost"  # names 費用, a keyword of its own angle


@pytest.mark.shipped_judge
def test_recorded_answers_of_the_embedded_model_facts_non_claims_and_repeats_are_not_exported(tmp_path):
    """Real candidates recorded from llama-server, judged with the shipped weights: the clear claims that name
    their subject (a phrase of the documents: 共通システム, 既に検証済みのシステム) are exported; the fact, the
    non-claim and the second of two same-side statements are not."""
    import yaml

    recorded = yaml.safe_load((DATA / "recorded" / "embedded_candidates.yaml").read_text(encoding="utf-8"))
    answers = {s["source"]: [c["text"] for c in s["candidates"]] for s in recorded["sentences"]}
    document = tmp_path / "recorded.md"
    document.write_text("\n\n".join(answers), encoding="utf-8")
    seeds = [p.read_text(encoding="utf-8") for p in sorted((Path(__file__).parents[1] / "seeds").glob("*.txt"))]
    topic = Topic(recorded["topic"]["name"], tuple(recorded["topic"]["terms"]), documents_vocabulary(seeds, "ja"))
    provider, asked = ReplayProvider(), set()

    def candidates(request):
        source = re.findall(r"<source>(.*?)</source>", request.messages[-1].content, re.S)[-1].strip()
        asked.add(source)
        return {"statements": answers.get(source, [])}

    provider.always("Candidates", candidates)
    documents = load_documents([document]).documents
    sentences = SentencePool.build(chunk_documents(documents), documents, e5_embed)
    assert len(sentences.passages) == len(answers)
    angles = load_angles(Path(__file__).parents[1] / "prompts" / "angles.yaml")
    result = generate_statements(sentences, angles, provider, load_generate_prompt(), GenerateSettings(
        language="ja", max_chars=140, per_angle=4, topic=topic, stance=None, judge=UsabilityJudge(topic)), e5_embed)
    exported = {s.text for s in result.statements}
    assert len(asked & set(answers)) >= 6  # the sentences were asked, so what is left out was judged, not missed
    assert {"共通システムはすべての自治体に最適とは限らない",
            "既に検証済みのシステムを利用することで導入時のリスクが低くなる"} <= exported
    assert "自治体DXの取り巻く状況について説明される" not in exported  # not a claim
    assert not exported & {"システム整備は地域公共団体の負担で行われる",
                           "システム整備に県庁の補助金やデジ田交付金が活用されている"}  # facts
    assert len(exported & {"自治体DXの実現は困難です", "自治体DXの実現は困難な場合が多い"}) <= 1  # one side, one claim
    assert len(exported & {"共通システムは各自治体の独自性や特性を反映することができない",
                           "カスタマイズが難しく共通システムは各自治体の独自性や特性を反映できない"}) == 1  # one a sentence
