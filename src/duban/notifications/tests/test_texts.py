"""Notice texts read as one sentence each: a note's own full stop is not doubled."""

from __future__ import annotations

from duban.notifications import texts


def test_a_note_ending_in_a_full_stop_is_not_doubled() -> None:
    text = texts.urge(number="20250303000001", title="路灯不亮", count=2, note="请今天内派人处理。")
    assert "。。" not in text and text.endswith("请尽快办理。")
    assert "请今天内派人处理" in text
    rejected = texts.review_rejected(number="1", title="t", reason="答复不完整！")
    assert "！。" not in rejected and "。。" not in rejected


def test_long_notes_are_clipped() -> None:
    clipped = texts.clip("很长" * 200, 20)
    assert len(clipped) == 20 and clipped.endswith("…")
