"""The circular's overdue list is formatted in Python (printed, it holds every overdue ticket
of the month: thousands of rows in a city): the same HTML as the template loop it replaced,
escaped the same way, times in the current time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from django.template import engines
from django.utils import translation

from duban.web.templatetags.duban_web import overdue_rows

TEMPLATE_LOOP = (
    "{% load i18n duban_web %}{% for t in tickets %}<tr><td>{{ forloop.counter0|add:first }}"
    '</td><td><a href="{% ticket_url t.number %}">{{ t.number }}</a></td>'
    '<td>{{ t.primary_unit|default:"—" }}</td><td>{{ t.title }}</td>'
    '<td>{{ t.dispatched_at|date:"m-d H:i" }}</td><td>{{ t.handle_due|date:"m-d H:i" }}</td>'
    '<td>{% if t.replied_at %}{{ t.replied_at|date:"m-d H:i" }}{% else %}{% translate "未答复" %}'
    '{% endif %}</td><td class="num">{{ t.late_days|floatformat:1 }}</td>'
    "<td>{% state_badge t.state %}</td></tr>{% empty %}"
    '<tr><td colspan="9" class="empty">{% translate "本月无超期工单" %}</td></tr>{% endfor %}'
)


def ticket(**overrides: object) -> SimpleNamespace:
    values = {
        "number": "20261103000042",
        "primary_unit": "滨湖街道",
        "title": "东留村路灯不亮",
        "dispatched_at": datetime(2026, 11, 2, 23, 30, tzinfo=UTC),  # 11-03 07:30 in 北京
        "handle_due": datetime(2026, 11, 9, 10, 0, tzinfo=UTC),
        "replied_at": datetime(2026, 11, 12, 1, 5, tzinfo=UTC),
        "late_days": 2.6284,
        "state": "closed",
    }
    return SimpleNamespace(**{**values, **overrides})


def render_loop(tickets: list[SimpleNamespace], first: int) -> str:
    return engines["django"].from_string(TEMPLATE_LOOP).render({"tickets": tickets, "first": first})


def test_the_rows_are_the_template_loops_rows():
    tickets = [
        ticket(),
        ticket(
            number="20261104000007",
            primary_unit=None,
            title='<script>"x"</script> & 噪音',
            replied_at=None,
            late_days=11.0,
            state="accepted",
        ),
        ticket(late_days=0.04, state="merged"),
    ]
    with translation.override("zh-hans"):
        built = overdue_rows(tickets, 21)
        assert built == render_loop(tickets, 21)
    assert "&lt;script&gt;" in built and "<script>" not in built
    assert "<td>21</td>" in built and "<td>23</td>" in built  # numbered from ``first``
    assert "<td>11-03 07:30</td>" in built  # the district's time, not UTC
    assert "未答复" in built and "<td>—</td>" in built


def test_an_empty_month_says_so():
    with translation.override("zh-hans"):
        assert overdue_rows([], 1) == render_loop([], 1)
        assert "本月无超期工单" in overdue_rows([], 1)
