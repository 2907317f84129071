from polis_seed.models import Statement
from polis_seed.polarity import may_merge, negation_count
from polis_seed.stages.dedupe import DedupeOptions, dedupe_statements


def texts(statements):
    return [s.text for s in statements]


def test_the_issue_example_keeps_the_negation():
    result = dedupe_statements([Statement(text=t) for t in ["AはBにつながる", "AはBにつながらない", "AはBにつながる。"]])
    assert texts(result.kept) == ["AはBにつながる", "AはBにつながらない"]
    assert result.merges[0].tier == "exact" and result.kept[0].merged == ["AはBにつながる。"]


def test_opposites_never_merge_even_when_almost_identical():
    pairs = [
        ("情報システムの共通化はコスト削減につながる", "情報システムの共通化はコスト削減につながらない"),
        ("標準化で業務効率が向上する", "標準化で業務効率が低下する"),
        ("共通化には専門人材が必要だ", "共通化には専門人材が不要だ"),
        ("OSSの採用でコストを抑えられる", "SIerの採用でコストを抑えられる"),
        ("小規模自治体に共通化は有益だ", "大規模自治体に共通化は有益だ"),
        ("Standardisation will reduce costs", "Standardisation will not reduce costs"),
        ("Open data will increase trust", "Open data will decrease trust"),
    ]
    for first, second in pairs:
        result = dedupe_statements([Statement(text=first), Statement(text=second)], DedupeOptions(tiers=('exact', 'fuzzy'), fuzzy_threshold=50))
        assert len(result.kept) == 2, (first, second)


def test_idioms_that_only_look_negative_do_not_flip_polarity():
    assert negation_count("人材の確保が欠かせない") == 0
    assert negation_count("共通化は不可欠だ") == 0
    assert negation_count("移行を急がなければならない") == 0
    assert negation_count("リスクが集中しかねない") == 0
    assert may_merge("専門人材の確保は欠かせない", "専門人材の確保は重要だ")


def test_near_duplicates_merge_and_the_better_supported_one_is_kept():
    bare = Statement(text="情報システムの共通化はコスト削減につながる。")
    sourced = Statement(text="情報システムの共通化はコスト削減につながる!", quote="コスト削減が可能", document_id="d")
    result = dedupe_statements([bare, sourced])
    assert texts(result.kept) == [sourced.text]
    assert result.merges[0].absorbed == bare.text


def test_no_chaining_a_member_must_be_similar_to_its_representative():
    a = Statement(text="aaaaaaaaaa", quote="q", document_id="d")
    b = Statement(text="aaaaaaaabb")
    c = Statement(text="aaaaaabbbb")
    result = dedupe_statements([a, b, c], DedupeOptions(tiers=('exact', 'fuzzy'), fuzzy_threshold=75))
    # b is within 80 of a and of c, but a and c are only 60 apart: c must stay.
    assert texts(result.kept) == ["aaaaaaaaaa", "aaaaaabbbb"]
