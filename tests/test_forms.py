"""The forms a view takes besides a plain claim (language/forms.py) and what passage selection makes of them: a
rhetorical question or a comparison with another option is a passage for the angle it argues; a real question, or
a sentence that only names another thing, is not. The sentences are written here, on topics no document of the
project is about."""

import pytest

from polis_seed.language.embeddings import e5_embed
from polis_seed.language.forms import asserts_by_question, compares_options, doubts, reports_a_view
from polis_seed.prompts import load_angles
from polis_seed.stages.chunk import chunk_documents
from polis_seed.stages.load import load_documents
from polis_seed.stages.select import SentencePool, evidence_for, is_concern, passages_by_side, usable_sentence, voices_view

RHETORICAL = [
    "Shouldn't the library stay open on Sundays instead?",
    "Isn't there a cheaper way to fix the potholes?",
    "Do we really need a new stadium when the schools are falling apart?",
    "Why should renters pay for the homeowners' flood defences?",
    "Wouldn't a bus lane do more for commuters than a new car park?",
    "ゴミ袋の有料化より、分別の徹底を優先すべきではないか。",
    "本当に新しい庁舎が必要なのだろうか。",
    "ほかに子育て支援の方法があるのではないか。",
    "公民館の統廃合は、地域の高齢者の居場所を奪うことにならないか。",
]
COMPARISONS = [
    "Other towns have found that curbside composting works better than drop-off sites.",
    "Opponents argue that a tram would be more suitable than the proposed monorail.",
    "Spending the grant on mental-health nurses would be a better use of the money.",
    "Fix the existing pools first, before building a new one.",
    "巡回バスを増やすほうが、駐車場を作るより効果的だ。",
    "図書館の開館時間を延ばすのではなく、電子書籍の貸し出しを広げるべきだ。",
    "限られた財源は、まず耐震改修に使うべきだ。",
]
REAL_QUESTIONS = [
    "When will the new bus timetable start?",
    "How many residents attended the meeting?",
    "Should the council stream its meetings, and how much would it cost?",
    "説明会はいつ開かれますか。",
    "ほかにご意見はありませんか。",
    "予約システムはどのように使うのですか。",
    "どちらの案が選ばれたのか。",
]
NAMES_ANOTHER_THING = [
    "Other members spoke about the timetable.",
    "The other agenda items were postponed to March.",
    "More than 300 people attended the hearing.",
    "Ridership was higher than expected in the first year.",
    "他の自治体も説明会に参加した。",
    "The library first opened in 1962.",
]


@pytest.mark.parametrize("sentence", RHETORICAL)
def test_a_question_that_asserts_is_a_view_and_a_passage(sentence):
    assert asserts_by_question(sentence)
    assert usable_sentence(sentence) and voices_view(sentence)


@pytest.mark.parametrize("sentence", COMPARISONS)
def test_a_comparison_with_another_option_is_a_view_leaning_con(sentence):
    assert compares_options(sentence)
    assert usable_sentence(sentence) and voices_view(sentence) and is_concern(sentence)


@pytest.mark.parametrize("sentence", REAL_QUESTIONS)
def test_a_real_question_is_not_a_passage(sentence):
    assert not asserts_by_question(sentence) and not usable_sentence(sentence)


@pytest.mark.parametrize("sentence", NAMES_ANOTHER_THING)
def test_a_sentence_naming_another_thing_or_a_measure_is_no_comparison(sentence):
    assert not compares_options(sentence) and not asserts_by_question(sentence)


def test_doubts_and_reported_views():
    assert doubts("Do we really need a second bridge?") and doubts("Why should drivers pay for the cycle lanes?")
    assert doubts("本当に必要なのか。") and not doubts("Is the bridge open on Sundays?")
    assert reports_a_view("Residents fear that the noise will keep them awake.")
    assert reports_a_view("騒音が増えるとの懸念が示された。") and not reports_a_view("The hearing began at seven.")


MINUTES = """---
title: Public meeting on closing the Eastside branch library
---

# Public meeting on closing the Eastside branch library

The city proposes to close the Eastside branch library next spring and move its books to the central library.
The branch has 12,000 books and two members of staff.
The branch opened in 1974 and was last renovated in 2001.
The central library is four kilometres from the branch.
When would the books be moved to the central library?
Couldn't the city keep the branch open three days a week instead of closing it?
A mobile library van would serve the eastern neighbourhoods better than one distant building.
The central library plans to add two reading rooms next year.
Elderly residents who do not drive would lose their nearest library.
The closure would save about 180,000 dollars a year in rent and heating.
"""


def test_the_rhetorical_question_and_the_comparison_are_the_alternatives_passages(tmp_path):
    path = tmp_path / "eastside_library.md"
    path.write_text(MINUTES, encoding="utf-8")
    documents = load_documents([path]).documents
    pool = SentencePool.build(chunk_documents(documents), documents, e5_embed)
    assert not any(p.sentence.startswith("When would") for p in pool.passages)
    angles = load_angles()
    ranked = passages_by_side(angles, pool, e5_embed, "en", "closing the branch library", 6, 4000)
    against = [p.sentence for p in ranked["alternatives"].con[:2]]
    assert any(s.startswith("Couldn't the city keep") for s in against), against
    assert any(s.startswith("A mobile library van") for s in against), against
    # The evidence for a cell is the same ranking, computed without a model, with each passage's source.
    evidence = evidence_for(angles, pool, e5_embed, "en", "closing the branch library", per_cell=3)
    cell = evidence["alternatives"]["con"]
    assert len(cell) == 3 and all(p.path.endswith("eastside_library.md") for p in cell)
    assert [p.sentence for p in cell[:2]] == against
