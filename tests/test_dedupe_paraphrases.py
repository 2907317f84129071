"""Dedupe catches the same claim in other words: one test per class of paraphrase, and the traps that must
stay apart however close the embeddings are. The statements were written for these tests; none comes from
tests/data/dedupe or from the held-out lists.
"""

import re

import numpy as np
import pytest

from polis_seed.language.compare import compare
from polis_seed.language.embeddings import e5_embed
from polis_seed.models import Statement
from polis_seed.providers.base import CompletionRequest
from polis_seed.providers.base import PendingAnswer
from polis_seed.stages.dedupe import DedupeOptions, dedupe_statements
from polis_seed.stages.judge import PAIRS_PER_REQUEST, llm_judge
from tests.replay import ReplayProvider


def kept(texts, embed=e5_embed, **options):
    result = dedupe_statements([Statement(text=t) for t in texts], DedupeOptions(**options), embed=embed)
    return [s.text for s in result.kept]


def everything_is_close(texts):
    """Embeddings that put every text in one place: only the comparison can keep two statements apart."""
    return np.ones((len(texts), 4), dtype=np.float32) / 2


@pytest.mark.parametrize("first, second", [
    ("図書館の建て替えは困難だ", "図書館の建て替えは難しい"),
    ("図書館の建て替えは容易ではない", "図書館の建て替えは困難です"),
    ("駅前の再開発には住民の合意が欠かせない", "駅前の再開発には住民の合意が必要だ"),
    ("夜間の工事は不可能だ", "夜間の工事は可能ではない"),
    ("The new bridge is unsafe for cyclists", "The new bridge is not safe for cyclists"),
    ("Consultation with residents is essential", "Consultation with residents is necessary"),
    ("The plan will cut waiting times", "The plan will reduce waiting times"),
])
def test_a_predicate_variant_merges(first, second):
    assert len(kept([first, second], embed=everything_is_close)) == 1, compare(first, second)


@pytest.mark.parametrize("first, second", [
    ("公民館の利用料を下げるべきだ", "公民館の利用料を下げるべきです"),
    ("公民館の利用料を下げるべきだ", "公民館の利用料を下げるべきである"),
    ("空き家の活用が進んでいる", "空き家の活用が進んでいます"),
])
def test_a_politeness_ending_merges(first, second):
    assert len(kept([first, second])) == 1, compare(first, second)


@pytest.mark.parametrize("first, second", [
    ("中山間地では通院が困難だ", "中山間地では通院が困難な場合が多い"),
    ("若い世帯は郊外に住む", "若い世帯は郊外に住む傾向がある"),
    ("相談窓口は平日しか開いていない", "相談窓口は平日しか開いていないことが多い"),
    ("Night buses are unreliable", "Night buses are often unreliable"),
    ("Commuters choose the cheapest route", "Commuters tend to choose the cheapest route"),
])
def test_a_hedge_that_keeps_the_side_merges(first, second):
    assert len(kept([first, second], embed=everything_is_close)) == 1, compare(first, second)


def test_a_hedge_that_weakens_the_claim_does_not():
    # 〜ことがある is "sometimes": a weaker claim than the bare one.
    assert len(kept(["窓口は混雑する", "窓口は混雑することがある"], embed=everything_is_close)) == 2


@pytest.mark.parametrize("first, second", [
    ("図書館の建て替えは困難だ", "図書館の建て替えは容易だ"),
    ("図書館の建て替えは困難だ", "図書館の建て替えは困難ではない"),
    ("図書館の建て替えは容易ではない", "図書館の建て替えは容易だ"),
    ("観光客が増加している", "観光客が減少している"),
    ("駅前の地価が上昇する", "駅前の地価が下降する"),
    ("小規模な事業者ほど負担が重い", "大規模な事業者ほど負担が重い"),
    ("ごみの収集は週二回で十分だ", "ごみの収集は週二回では不足だ"),
    ("The new bridge is safe for cyclists", "The new bridge is dangerous for cyclists"),
    ("Congestion charges will increase footfall", "Congestion charges will decrease footfall"),
    ("Fewer people will drive into town", "More people will drive into town"),
    ("The deadline is realistic", "The deadline is unrealistic"),
    ("Residents support the new tram line", "Residents oppose the new tram line"),
])
def test_an_antonym_predicate_stays_apart_even_when_embeddings_are_close(first, second):
    assert len(kept([first, second], embed=everything_is_close)) == 2


@pytest.mark.parametrize("first, second", [
    ("図書館の建て替えは困難ではない", "図書館の建て替えは容易だ"),
    ("The new bridge is not dangerous for cyclists", "The new bridge is safe for cyclists"),
    ("駅前の駐輪場は不便ではない", "駅前の駐輪場は便利だ"),
])
def test_the_negation_of_the_bad_side_is_not_the_good_side(first, second):
    # "not easy" is "difficult", but "not difficult" may be neither difficult nor easy: sides with a middle.
    assert len(kept([first, second], embed=everything_is_close)) == 2


@pytest.mark.parametrize("first, second", [
    ("職員の残業が減る", "住民の残業が減る"),         # another subject: different concepts to SudachiDict
    ("市がバスの運行を担うべきだ", "県がバスの運行を担うべきだ"),
    ("Tenants should pay the repair costs", "Landlords should pay the repair costs"),
    ("The park needs more lighting", "The park needs more toilets"),
    ("The bike lanes make cycling safer", "The bike lanes make cycling faster"),  # no thesaurus knows them as one
])
def test_another_subject_or_claim_stays_apart_even_when_embeddings_are_close(first, second):
    assert len(kept([first, second], embed=everything_is_close)) == 2


def test_synonyms_from_sudachidicts_synonym_dictionary_merge():
    assert len(kept(["移転の費用は市が負担すべきだ", "移転のコストは市が負担すべきだ"], embed=everything_is_close)) == 1


def test_the_three_difficult_statements_of_run_seeds_give_one():
    texts = ["自治体DXの実現は困難です", "自治体DXは実現が難しい", "自治体DXの実現は困難な場合が多い"]
    assert len(kept(texts)) == 1


def test_the_reason_of_a_merge_names_what_made_the_words_equivalent():
    result = dedupe_statements([Statement(text="図書館の建て替えは困難だ"), Statement(text="図書館の建て替えは難しい")],
                               DedupeOptions(), embed=e5_embed)
    assert "困難 → 難しい" in result.merges[0].reason or "難しい → 困難" in result.merges[0].reason
    assert "family" in result.merges[0].reason


# ----- the llm tier: many pairs in one request ------------------------------------------------------------------

def answer_for_every_pair(same):
    def answer(request: CompletionRequest):
        pairs = re.findall(r"Pair (\d+):\n  A: (.*)\n  B: (.*)", request.messages[-1].content)
        return {"answers": [{"pair": int(n), "same_claim": same(a, b)} for n, a, b in pairs]}
    return answer


def test_the_llm_tier_asks_about_all_pairs_of_a_dedupe_in_one_request():
    provider = ReplayProvider([answer_for_every_pair(lambda a, b: "park" in a and "park" in b)])
    judge = llm_judge(provider)
    pairs = [(f"The park should open at {h} on weekdays", f"The park ought to open at {h} on weekdays")
             for h in range(7)] + [("Bins are emptied too rarely", "The library closes too early")]
    assert judge(pairs) == [True] * 7 + [False]
    assert len(provider.history) == 1 and provider.history[0].schema_name == "SameClaims"


def test_a_long_list_of_near_misses_is_split_into_as_few_requests_as_the_batch_size_allows():
    provider = ReplayProvider([answer_for_every_pair(lambda a, b: False)] * 3)
    pairs = [(f"statement {n}", f"other {n}") for n in range(PAIRS_PER_REQUEST * 2 + 1)]
    assert llm_judge(provider)(pairs) == [False] * len(pairs)
    assert len(provider.history) == 3


def test_a_pair_the_model_leaves_unanswered_is_asked_again_and_otherwise_kept_apart():
    provider = ReplayProvider([{"answers": [{"pair": 1, "same_claim": True}]},
                               {"answers": [{"pair": 1, "same_claim": True}]}])
    assert llm_judge(provider)([("a b", "a c"), ("d e", "d f")]) == [True, False]
    assert len(provider.history) == 2 and "pair(s) 2" in provider.history[1].messages[-1].content


def test_in_a_batch_round_every_request_of_the_judge_is_queued_before_the_round_stops():
    class Queue:
        def __init__(self):
            self.waiting = []

        def identity(self):
            return {"provider": "queue", "model": "m"}

        def complete(self, request):
            self.waiting.append(request)
            raise PendingAnswer(str(len(self.waiting)))

    queue = Queue()
    pairs = [(f"statement {n}", f"other {n}") for n in range(PAIRS_PER_REQUEST + 1)]
    with pytest.raises(PendingAnswer):
        llm_judge(queue)(pairs)
    assert len(queue.waiting) == 2


def test_dedupe_with_the_llm_tier_sends_its_near_misses_in_one_request_and_follows_the_answers():
    provider = ReplayProvider([answer_for_every_pair(lambda a, b: "Bus" in a and "Bus" in b)])
    statements = [Statement(text="Bus drivers deserve better pay"), Statement(text="Bus drivers should be paid more"),
                  Statement(text="Tram drivers deserve better pay"), Statement(text="Bus drivers deserve better hours")]
    result = dedupe_statements(statements, DedupeOptions(tiers=("exact", "fuzzy", "semantic", "llm")),
                               embed=e5_embed, judge=llm_judge(provider))
    assert len(provider.history) == 1
    asked = provider.history[0].messages[-1].content
    assert "Pair 2:" in asked  # several pairs in the one request
    assert any(m.tier == "llm" for m in result.merges)
    kept_texts = [s.text for s in result.kept]
    assert "Tram drivers deserve better pay" in kept_texts


# ----- English: the passive voice, said actively, with its roles ------------------------------------------------

@pytest.mark.parametrize("active, passive", [
    ("The new road will harm local shops", "Local shops will be harmed by the new road"),
    ("Heavy lorries damage the village bridge", "The village bridge is damaged by heavy lorries"),
    ("The council should not close the library", "The library should not be closed by the council"),
    ("The plan worries parents", "Parents are worried by the plan"),
])
def test_a_statement_in_the_passive_voice_merges_with_its_active_form(active, passive):
    result = dedupe_statements([Statement(text=active), Statement(text=passive)], DedupeOptions(), embed=e5_embed)
    assert len(result.kept) == 1, compare(active, passive)
    assert result.merges[0].why.id == "merge.voice"


@pytest.mark.parametrize("first, second", [
    ("Heavy lorries damage the village bridge", "Heavy lorries are damaged by the village bridge"),  # roles swapped
    ("The council should close the library", "The library should not be closed by the council"),  # a negation
    ("The council should build more housing", "More housing should be built"),  # who acts is left out
    ("The new road will help local shops", "Local shops will be harmed by the new road"),  # another verb
])
def test_the_passive_voice_keeps_who_does_what_to_whom(first, second):
    assert len(kept([first, second], embed=everything_is_close)) == 2, compare(first, second)


def test_an_english_negation_of_the_verb_do_is_not_absorbed_by_the_word_after_it():
    # "does not do enough" negates "do", as "is not doing enough" does: the same claim. "not" is not "¬enough".
    assert len(kept(["The government is not doing enough to protect biodiversity",
                     "The government does not do enough to protect biodiversity"], embed=everything_is_close)) == 1
    assert len(kept(["The government is doing enough to protect biodiversity",
                     "The government is not doing enough to protect biodiversity"], embed=everything_is_close)) == 2
