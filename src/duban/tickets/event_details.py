"""An event's payload as people read it: the keys worth showing, with their labels, and
each stored value (codes, flags, moments) as its Chinese label.

The ticket page's timeline (``web``'s ``event_details`` filter), its print view and the
admin's read-only ticket read this; ``tickets.events.payloads`` produces every key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.timezone import is_aware, localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .choices import Breach, ReplyResult, Satisfaction, SuperviseLevel

# The payload keys worth showing, in this order, with their labels (marked for translation).
PAYLOAD_LABELS = {
    "unit_name": gettext_noop("单位"),
    "from_unit_name": gettext_noop("原单位"),
    "leader_name": gettext_noop("包案领导"),
    "level": gettext_noop("督办级别"),
    "clock": gettext_noop("超时环节"),
    "due": gettext_noop("时限"),
    "days": gettext_noop("延期"),
    "result": gettext_noop("办理结果"),
    "reached": gettext_noop("回访电话"),
    "resolved": gettext_noop("是否解决"),
    "satisfaction": gettext_noop("满意度"),
    "master": gettext_noop("主工单"),
    "reason": gettext_noop("理由"),
    "note": gettext_noop("备注"),
    "text": gettext_noop("内容"),
    "answer": gettext_noop("答复"),
    "comment": gettext_noop("评价意见"),
}


def _choice(choices: Any) -> Any:
    def label(value: Any) -> str:
        try:
            return str(choices(value).label)
        except ValueError:
            return str(value)

    return label


def _moment(value: Any) -> str:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return localtime(moment).strftime("%Y-%m-%d %H:%M") if is_aware(moment) else str(value)


# Notes the system itself wrote in two languages (stored in events before they were
# Chinese only): shown in Chinese.
SYSTEM_NOTES = {
    "智能派单（置信度达到阈值） / auto-dispatched above the confidence threshold": gettext_noop(
        "智能派单（置信度达到阈值）"
    ),
}

# … and how a stored value reads: codes as their Chinese labels, never as stored.
PAYLOAD_VALUES: dict[str, Any] = {
    "note": lambda note: _(SYSTEM_NOTES[note]) if note in SYSTEM_NOTES else note,
    "level": _choice(SuperviseLevel),
    "clock": _choice(Breach),
    "due": _moment,
    "days": lambda days: _("%(n)s个工作日") % {"n": days},
    "result": _choice(ReplyResult),
    "reached": lambda reached: _("已接通") if reached else _("未接通"),
    "resolved": lambda resolved: _("已解决") if resolved else _("未解决"),
    "satisfaction": _choice(Satisfaction),
}


def payload_details(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """The human parts of an event's payload (units, levels, results, notes, reasons …),
    each value as it reads in Chinese."""
    return [
        (_(label), PAYLOAD_VALUES.get(key, str)(payload[key]))
        for key, label in PAYLOAD_LABELS.items()
        if payload.get(key) not in (None, "", [])
        # A call-back nobody answered says nothing about the result.
        and not (key == "resolved" and payload.get("reached") is False)
    ]
