from datetime import datetime

from duban.dispatch.duplicates import Record
from duban.dispatch.hotspots import hotspots

TOPICS = [
    ("丽发新城搅拌站噪音扰民", "A2区丽发新城小区附近搅拌站日夜施工噪音粉尘扰民"),
    ("伊景园滨河苑捆绑销售车位", "伊景园滨河苑开发商捆绑销售车位侵害购房者权益"),
]
OTHER = [
    "公交车发车不准时",
    "幼儿园收费过高",
    "路灯不亮",
    "医院挂号难",
    "社保转移困难",
    "网吧垄断经营",
]


def records():
    out = []
    n = 0
    for k, (title, text) in enumerate(TOPICS):
        for i in range(8 - 3 * k):
            out.append(
                Record(
                    id=str(n),
                    user=f"u{n}",
                    title=title + ("？" * (i % 2)),
                    text=text + "，请尽快处理",
                    created_at=datetime(2019, 6, 1 + i),
                    likes=i,
                )
            )
            n += 1
    for i, t in enumerate(OTHER):
        out.append(
            Record(
                id=str(n),
                user=f"u{n}",
                title=t,
                text=t + "的问题",
                created_at=datetime(2019, 6, 2 + i),
            )
        )
        n += 1
    return out


def test_hotspots_ranks_biggest_cluster_first():
    spots = hotspots(records(), top=5)
    assert len(spots) == 2
    first, second = spots
    assert first.rank == 1 and "丽发新城" in first.label and first.volume == 8
    assert second.volume == 5 and "车位" in second.label
    assert first.first_at.startswith("2019-06-01")
    assert len(first.example_ids) == 5 and first.keywords


def test_window_filters_records():
    assert hotspots(records(), since=datetime(2019, 7, 1)) == []
    spots = hotspots(records(), until=datetime(2019, 6, 3, 23, 59))
    assert all(s.volume <= 3 for s in spots)
