"""Which lines are navigation (a page's breadcrumbs and controls), in Japanese and English, and which are not."""

import pytest

from polis_seed.language.text import is_navigation


@pytest.mark.parametrize("line", [
    "会議録を見る", "会議録を見る（PDF：256KB）", "録画映像を見る （動画：45分）", "詳しくはこちら", "申し込みはこちら",
    "詳しくはこちらをご覧ください", "続きを読む", "もっと見る", "動画を再生", "PDFをダウンロード", "一覧へ戻る",
    "▲ページの先頭へ", "トップページへ", "次へ", "ホーム > 市議会 > 会議録 > 一般質問", "ホーム＞くらし＞ごみ",
    "Read more", "Read more »", "Watch the video", "Watch the video (45 min)", "View the minutes (PDF, 2 MB)",
    "Back to top", "Skip to main content", "Click here", "Home › Council › Minutes",
])
def test_navigation_lines_in_japanese_and_english(line):
    assert is_navigation(line)


@pytest.mark.parametrize("line", [
    "小規模な店舗では、決済手数料の負担が重く、導入をやめる店舗も出ている。",
    "市長は録画映像を見ると答えた。", "当面は様子を見る", "地域再生", "人口移動の推移", "脱炭素社会へ", "関連する論点",
    "QRコード決済の手数料", "収入 > 支出",
    "Councillor Brown said residents should read the minutes before the vote.", "Open data policy", "Next steps",
    "Questions on the QR payment points scheme", "The council will watch the budget closely.",
])
def test_sentences_headings_and_terms_are_not_navigation(line):
    assert not is_navigation(line)
