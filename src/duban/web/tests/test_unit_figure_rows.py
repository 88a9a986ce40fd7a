"""The dashboard's table of units is formatted in Python (≈ 400 rows in a city): the same
HTML as the template loop it replaced, escaped the same way."""

from __future__ import annotations

from types import SimpleNamespace

from django.template import engines

from duban.web.templatetags.duban_web import unit_figure_rows

TEMPLATE_LOOP = (
    '{% load duban_web %}{% for f in rows %}<tr><td><a href="{{ search_url }}?unit={{ f.unit_code }}'
    '&period={{ period }}&by=dispatched_at">{{ f.label }}</a></td><td>{{ f.dispatched }}</td>'
    "<td>{{ f.response_rate|pct }}</td><td>{{ f.resolution_rate|pct }}</td>"
    "<td>{{ f.satisfaction_rate|pct }}</td><td>{{ f.on_time_rate|pct }}</td>"
    "<td>{{ f.return_rate|pct }}</td><td>{{ f.overdue_count }}</td>"
    "<td>{{ f.composite|score }}</td></tr>{% endfor %}"
)


def figure(**overrides: object) -> SimpleNamespace:
    values = {
        "unit_code": "binhu",
        "label": "滨湖街道",
        "dispatched": 1234,
        "response_rate": 0.98765,
        "resolution_rate": 0.5,
        "satisfaction_rate": None,
        "on_time_rate": 1.0,
        "return_rate": 0.0,
        "overdue_count": 7,
        "composite": 91.256,
    }
    return SimpleNamespace(**{**values, **overrides})


def test_the_rows_are_the_template_loops_rows():
    rows = [
        figure(),
        figure(unit_code="a&b", label='<script>"x"</script>', composite=None, dispatched=0),
        figure(label="住建局", response_rate=None, overdue_count=0),
    ]
    context = {"rows": rows, "search_url": "/search/", "period": "2026-11"}
    expected = engines["django"].from_string(TEMPLATE_LOOP).render(context)
    built = unit_figure_rows(rows, "/search/", "2026-11")
    assert built == expected
    assert "&lt;script&gt;" in built and "<script>" not in built
    assert "?unit=binhu&period=2026-11&by=dispatched_at" in built  # the 工单查询 link


def test_no_units_no_rows():
    assert unit_figure_rows([], "/search/", "2026-11") == ""
