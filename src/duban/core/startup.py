"""What an app server process does once, after Django is set up and before its first request.

Django imports the views (and with them openpyxl, scipy, python-docx, lxml: ≈ 1,000
modules) on the first request that resolves a URL, so that request left ≈ 135,000 new
objects for the cyclic garbage collector, and the next full collection walked all of them
— ≈ 130 ms inside some unlucky request (the dashboard's p95, docs/scale.md). Here the
URL conf is imported at start-up instead, and everything alive at that point — modules,
classes, compiled regexes, settings: what lives as long as the process — is moved out of
the collector's sight with :func:`gc.freeze`, so later collections walk only what requests
made.
"""

from __future__ import annotations

import gc


def warm_up() -> None:
    """Import every app's views now and freeze the start-up objects (``duban.wsgi``)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URL conf and every view
    gc.collect()  # what start-up left as garbage goes now, not into the frozen set
    gc.freeze()
