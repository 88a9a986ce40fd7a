import json
from io import StringIO

from django.core.management import call_command

from duban.dispatch.replycheck import check_replies, check_reply
from duban.dispatch.tests.conftest import write_csv

APPEAL = "A2区丽发新城小区附近搅拌站日夜施工，噪音和粉尘严重影响居民生活"
GOOD = (
    "网友您好！经区环保局现场调查核实，丽发新城附近搅拌站存在夜间施工噪音扰民问题。"
    "根据《环境噪声污染防治法》规定，已责令该搅拌站停止夜间施工并整改粉尘问题，"
    "目前已完成整改。如有疑问请联系电话0731-12345678。"
)


def test_good_reply_passes_and_boilerplate_is_flagged():
    good = check_reply(APPEAL, GOOD)
    assert not good.weak and good.completeness == 1.0
    bad = check_reply(APPEAL, "网友:您好!留言已收悉")
    assert bad.weak and {"too_short", "boilerplate", "incomplete"} <= set(bad.reasons)
    assert bad.score < good.score


def test_off_topic_reply_is_flagged():
    reply = "关于公交线路调整，公交公司已经按照规划开展线路优化工作，预计下月开通新的线路，请关注公告通知。"
    scores = check_replies([APPEAL, "公交线路太少"], [reply, reply])
    assert "off_topic" in scores[0].reasons
    assert scores[1].relevance > scores[0].relevance


def test_replycheck_command_json(tmp_path):
    rows = [
        {
            "id": "1",
            "title": "搅拌站扰民",
            "created_at": "2019/5/1 10:00:00",
            "text": APPEAL,
            "reply": GOOD,
            "replied_at": "2019/5/11 10:00:00",
        },
        {
            "id": "2",
            "title": "搅拌站扰民",
            "created_at": "2019/5/1 10:00:00",
            "text": APPEAL,
            "reply": "已收悉",
            "replied_at": "2019/5/31 10:00:00",
        },
    ]
    path = write_csv(tmp_path / "r.csv", rows, encoding="gb18030")
    out = StringIO()
    call_command(
        "dispatch", "replycheck", "--csv", str(path), "--json", stdout=out, stderr=StringIO()
    )
    report = json.loads(out.getvalue())
    assert report["replies"] == 2 and report["weak"] == 1
    assert report["flagged_examples"][0]["id"] == "2"
    assert report["reply_days"]["median"] == 20.0


def test_hotspots_command_json(tmp_path):
    rows = [
        {
            "id": str(i),
            "user": f"u{i}",
            "title": "丽发新城搅拌站噪音扰民",
            "created_at": f"2019/6/{i + 1} 10:00:00",
            "text": APPEAL,
            "likes": str(i),
            "dislikes": "0",
        }
        for i in range(4)
    ] + [
        {
            "id": "9",
            "user": "u9",
            "title": "公交车太慢",
            "created_at": "2019/6/9 10:00:00",
            "text": "公交车太慢",
            "likes": "0",
            "dislikes": "0",
        }
    ]
    path = write_csv(tmp_path / "h.csv", rows)
    out = StringIO()
    call_command(
        "hotspots",
        "--csv",
        str(path),
        "--top",
        "3",
        "--json",
        "--since",
        "2019-06-01",
        stdout=out,
        stderr=StringIO(),
    )
    spots = json.loads(out.getvalue())
    assert len(spots) == 1 and spots[0]["volume"] == 4 and spots[0]["likes"] == 6
