"""The bell in the top bar: ``{% load duban_notices %}{% notice_bell %}`` (web's ``_nav.html``).

One indexed COUNT per page (capped, see ``selectors.unread_count``); htmx responses that
change the count re-render it out of band with ``{% notice_bell oob=True %}``.
"""

from __future__ import annotations

from typing import Any

from django import template

from ..selectors import unread_count, unread_label

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notice_bell(context: dict[str, Any], oob: bool = False) -> dict[str, Any]:
    # Under web's {% nav %} (an inclusion tag) only ``user`` is passed down; a page's own
    # context has the request.
    user = getattr(context.get("request"), "user", None) or context.get("user")
    count = unread_count(user) if user is not None and user.is_authenticated else 0
    return {"count": count, "label": unread_label(count), "oob": oob}
