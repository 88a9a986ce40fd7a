"""``{% ticket_url %}`` links a ticket's page and its actions exactly as ``{% url %}`` does,
under any script prefix, without resolving the route for every link."""

from __future__ import annotations

import pytest
from django.template import engines
from django.urls import clear_script_prefix, reverse, set_script_prefix

from duban.web.templatetags.duban_web import ticket_url

CASES = [
    ("20261203000001", None),
    ("20261203000001", "accept"),
    ("X-2026 07", "reply"),  # quoted as reverse() quotes it
    ("a&b", "submit_part"),
]


@pytest.fixture
def prefix():
    yield set_script_prefix
    clear_script_prefix()


@pytest.mark.parametrize("script_prefix", ["/", "/duban/"])
@pytest.mark.parametrize(("number", "action"), CASES)
def test_the_links_are_those_of_reverse(prefix, script_prefix, number, action):
    prefix(script_prefix)
    if action is None:
        expected = reverse("tickets:detail", args=[number])
    else:
        expected = reverse("tickets:action", args=[number, action])
    assert ticket_url(number, action) == expected
    assert ticket_url(number, action).startswith(script_prefix)


def test_the_tag_escapes_like_the_url_tag():
    template = engines["django"].from_string(
        "{% load duban_web %}{% ticket_url n %}|{% url 'tickets:detail' n %}"
    )
    fast, slow = template.render({"n": "a&b"}).split("|")
    assert fast == slow and "&amp;" in fast
