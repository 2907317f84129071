"""Topic anchoring: the documents' subject, found once, named in every statement request."""

from __future__ import annotations

from polis_seed.models import Document
from polis_seed.stages.topic import find_topic, is_bare_word, noun_candidates

from .replay import ReplayProvider


def document(title: str, text: str) -> Document:
    return Document(id=title, path=f"{title}.md", title=title, text=text)


BUS = [
    document("市営バスの路線再編について", "市営バスの路線再編が必要である。市は市営バスの路線再編で赤字を減らす。"
             "市営バスの路線再編には住民説明会が必要だ。市の財政は厳しい。"),
    document("路線再編 説明会記録", "市営バスの路線再編に反対する声があった。市は必要な便を残すと説明した。"
             "高齢者は市営バスの路線再編で通院が不便になると述べた。"),
]


def test_candidates_prefer_a_phrase_found_in_every_document_and_leave_out_qualifiers():
    candidates = noun_candidates(BUS, "ja")
    assert candidates[0] == "市営バス路線再編" or "路線再編" in candidates[0]
    assert "必要" not in candidates


def test_english_candidates_rank_a_two_word_phrase_from_every_document_first():
    documents = [document("Congestion charge", "The congestion charge would cut traffic. Shops fear the congestion "
                          "charge. Traffic in the city is heavy."),
                 document("Consultation", "Residents debated the congestion charge. Some said the congestion charge "
                          "is unfair to drivers. Traffic matters.")]
    assert noun_candidates(documents, "en")[0] == "congestion charge"


def test_a_one_word_subject_is_asked_again_for_what_is_done_about_it():
    provider = ReplayProvider([{"topic": "市営", "terms": ["市営"]},
                               {"topic": "市営バスの路線再編", "terms": ["市営バス", "路線再編"]}])
    topic, attempts = find_topic(BUS, "ja", provider)
    assert topic.name == "市営バスの路線再編" and "路線再編" in topic.terms
    assert len(attempts) == 2 and "too broad" in provider.history[1].messages[-1].content


def test_a_second_bare_answer_is_kept_rather_than_asking_forever():
    provider = ReplayProvider([{"topic": "市営", "terms": ["市営"]}, {"topic": "市営バス", "terms": ["市営バス"]}])
    topic, attempts = find_topic(BUS, "ja", provider)
    assert topic.name == "市営バス" and len(attempts) == 2


def test_terms_not_in_the_documents_are_dropped_and_an_unusable_answer_falls_back_on_the_candidates():
    provider = ReplayProvider([{"topic": "市営バスの路線再編", "terms": ["路線再編", "宇宙開発"]}])
    topic, _ = find_topic(BUS, "ja", provider)
    assert "宇宙開発" not in topic.terms and "路線再編" in topic.terms
    provider = ReplayProvider([{"topic": "", "terms": []}, {"topic": "", "terms": []}])
    topic, _ = find_topic(BUS, "ja", provider)
    assert topic.name == noun_candidates(BUS, "ja")[0]


def test_a_given_topic_asks_no_model():
    provider = ReplayProvider()
    topic, attempts = find_topic(BUS, "ja", provider, given="市営バスの路線再編")
    assert topic.name == "市営バスの路線再編" and attempts == [] and provider.history == []


def test_bare_words_in_both_languages():
    for phrase in ("市", "自治体", "標準化"):
        assert is_bare_word(phrase, "ja"), phrase
    for phrase in ("制服の自由化", "無痛分娩", "自治体システムの標準化"):
        assert not is_bare_word(phrase, "ja"), phrase
    assert is_bare_word("the city", "en") and not is_bare_word("a congestion charge", "en")


def test_the_meeting_or_report_around_a_subject_is_left_out():
    from polis_seed.stages.topic import core_subject

    assert core_subject("無痛分娩費用の公費助成に関する検討会", "ja") == "無痛分娩費用の公費助成"
    assert core_subject("市営バスの路線再編についての説明会", "ja") == "市営バスの路線再編"
    assert core_subject("制服の自由化", "ja") == "制服の自由化"
    assert core_subject("Consultation on a congestion charge", "en") == "a congestion charge"
    assert core_subject("electoral reform", "en") == "electoral reform"


def test_a_subject_not_written_in_the_documents_own_words_is_asked_again():
    documents = [document("無痛分娩の公費助成に関する検討会", "無痛分娩費用の公費助成について議論した。"
                          "無痛分娩費用の公費助成は妊婦の経済的な負担を減らす。麻酔科医が不足している。")]
    provider = ReplayProvider([{"topic": "無痛分娩費用的公費助成", "terms": ["無痛分娩"]},
                               {"topic": "無痛分娩費用の公費助成", "terms": ["無痛分娩", "公費助成"]}])
    topic, attempts = find_topic(documents, "ja", provider)
    assert topic.name == "無痛分娩費用の公費助成" and len(attempts) == 2
    assert "「費用的」 is not written in the documents" in provider.history[1].messages[-1].content
    chinese = ReplayProvider([{"topic": "分娩方式选择", "terms": ["無痛分娩"]}] * 2)
    fallback, _ = find_topic(documents, "ja", chinese)
    assert "选" not in fallback.name and fallback.name in documents[0].text.replace("の", "")


def test_a_bare_word_left_after_the_re_ask_is_widened_to_the_documents_phrase_that_contains_it():
    documents = [document("無痛分娩の公費助成に関する検討会", "無痛分娩費用の公費助成について議論した。"
                          "無痛分娩費用の公費助成は妊婦の経済的な負担を減らす。費用は高い。費用の負担が重い。")]
    provider = ReplayProvider([{"topic": "無痛分娩費用的公費助成", "terms": ["無痛分娩"]},
                               {"topic": "費用", "terms": ["費用"]}])
    topic, _ = find_topic(documents, "ja", provider)
    assert topic.name != "費用" and "費用" in topic.name and topic.name in documents[0].text
