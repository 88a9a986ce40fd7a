from duban.dispatch.text import MAX_TEXT_CHARS, join_title_text, normalize, tokenize


def test_normalize_collapses_whitespace_fullwidth_and_urls():
    assert normalize("  Ａ市\t\t公交车\n\n　太慢 https://x.cn/a?b=1 了 ") == "A市 公交车 太慢 了"
    assert normalize(None) == ""


def test_url_removal_keeps_following_chinese():
    assert normalize("https://baidu.com/的儿童收全票") == "的儿童收全票"


def test_normalize_truncates_huge_text():
    assert len(normalize("字" * (MAX_TEXT_CHARS * 3))) == MAX_TEXT_CHARS


def test_join_and_tokenize():
    assert join_title_text("", " 正文 ") == "正文"
    assert join_title_text("标题", "正文") == "标题 。 正文"
    words = tokenize("我们小区的公交车站太远了！！", drop_stopwords=True)
    assert words == ["小区", "公交车站", "太远"]
    assert "的" not in words and "！" not in words
