from polis_seed.rules import quote_is_in, source_overlap, statement_problems
from polis_seed.text import detect_language, is_question, normalize_for_matching


def rules(text, **kwargs):
    return [p.split(":")[0] for p in statement_problems(text, kwargs.pop("max_chars", 140), **kwargs)]


def test_questions_are_detected_in_both_languages():
    assert is_question("OSSを採用すべきか")
    assert is_question("共通化は本当に必要でしょうか？")
    assert is_question("Should the city adopt open source?")
    assert not is_question("共通化はコスト削減につながる")
    assert not is_question("The city should adopt open source.")


def test_each_rule_names_its_problem():
    source = "システムの導入費用は約3千万円で、人件費削減によって5年程度で回収できる見込みである。"
    assert rules("導入費用は人件費の削減で回収できる", language="ja", source_sentence=source) == []
    assert rules("あ" * 141) == ["too-long"]
    assert rules("予約システムは必要か", language="ja") == ["question"]
    assert rules(source, language="ja", source_sentence=source) == ["near-copy"]
    assert rules("バスの増便は補助金に見合わない", language="ja", source_sentence=source) == ["off-source"]
    assert rules("系统的费用很高", language="ja") == ["language"]
    assert rules("短い", language="ja", min_chars=12) == ["too-short"]
    assert rules("  ") == ["empty"]
    assert rules("共通化でコストが下がるし、職員の負担も減る", language="ja") == ["compound"]
    assert rules("Shared systems cut costs; residents wait less") == ["compound"]
    assert rules("共通化は絶対に失敗する", language="ja") == ["loaded"]
    assert rules("2023年度の予算は3億円だった", language="ja") == ["bare-fact"]
    assert rules("予算3億円は共通化の効果に見合わない", language="ja") == []


def test_overlap_and_quotes_work_on_normalised_text():
    assert source_overlap("Online booking helps residents", "Online booking would help residents a lot") > 0.5
    assert quote_is_in("ＯＳＳの 採用", "自治体はOSSの採用を検討した")
    assert not quote_is_in("ベンダー", "自治体はOSSの採用を検討した")


def test_normaliser_and_language_guess():
    assert normalize_for_matching("コンピューター、ＯＳＳ！") == normalize_for_matching("コンピュータ OSS")
    assert detect_language("自治体のDXとOSSについて") == "ja"
    assert detect_language("Municipal IT systems and OSS") == "en"


def test_english_overlap_reads_words_not_the_run_of_letters_and_ignores_function_words():
    source = "Some members argued that the cost is small compared with the value of open government."
    assert source_overlap("The cost is small next to the value of open government", source) > 0.5
    assert source_overlap("The change will be better for the town", source) == 0.0
