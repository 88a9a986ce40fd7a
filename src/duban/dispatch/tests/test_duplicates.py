from datetime import datetime

from duban.dispatch.duplicates import (
    Record,
    duplicate_pairs,
    evaluate_repeats,
    find_duplicates,
    records_from_csv,
    repeat_callers,
)
from duban.dispatch.tests.conftest import write_csv

BASE = "A市A2区丽发新城附近搅拌站日夜施工，噪音和粉尘严重影响居民生活，请相关部门尽快处理"


def rec(id, text, user="u1", title="", day=1, likes=0):
    return Record(
        id=id, text=text, title=title, user=user, created_at=datetime(2019, 5, day), likes=likes
    )


def test_find_duplicates_respects_similarity_and_window():
    recent = [
        rec("1", BASE + "！", user="u2", day=1),
        rec("2", "B市B3县幼儿园收费过高，家长负担很重", day=2),
        rec("3", BASE, user="u3", day=1),
    ]
    new = Record(id="9", text=BASE + "。谢谢", user="u2", created_at=datetime(2019, 5, 20))
    found = find_duplicates(new, recent, window_days=30)
    assert [c.id for c in found][:2] in (["1", "3"], ["3", "1"])
    assert all(c.similarity >= 0.7 for c in found)
    assert next(c for c in found if c.id == "1").same_user
    assert find_duplicates(new, recent, window_days=5) == []


def test_pairs_and_repeat_callers():
    recs = [
        rec("1", BASE, user="u1"),
        rec("2", BASE + "!", user="u1", day=3),
        rec("3", "完全不同的内容关于公交车", user="u1"),
    ]
    pairs = duplicate_pairs(recs, threshold=0.7)
    assert [(i, j) for i, j, _ in pairs] == [(0, 1)]
    assert repeat_callers(recs, pairs) == {"u1": [["1", "2"]]}


def test_evaluate_repeats_precision_recall(tmp_path):
    rows = [
        {
            "id": "1",
            "user": "u1",
            "title": "搅拌站扰民",
            "created_at": "2019/5/1 10:00:00",
            "text": BASE,
        },
        {
            "id": "2",
            "user": "u1",
            "title": "搅拌站扰民",
            "created_at": "2019/5/9 10:00:00",
            "text": BASE + "！！",
        },
        {
            "id": "3",
            "user": "u2",
            "title": "搅拌站扰民",
            "created_at": "2019/5/9 10:00:00",
            "text": BASE,
        },
        {
            "id": "4",
            "user": "u3",
            "title": "幼儿园收费",
            "created_at": "2019/5/9 10:00:00",
            "text": "幼儿园收费太高",
        },
        {
            "id": "5",
            "user": "u3",
            "title": "幼儿园收费",
            "created_at": "2019/6/9 10:00:00",
            "text": "公交车太慢了啊",
        },
    ]
    path = write_csv(tmp_path / "hot.csv", rows)
    report = evaluate_repeats(records_from_csv(path), threshold=0.7)
    assert report["known_repeat_pairs"] == 2
    assert report["true_positives"] == 1
    assert report["precision"] == 1.0 and report["recall"] == 0.5
