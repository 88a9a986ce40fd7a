"""duban's WSGI application with the ticket engine alone: no text intelligence.

For ``bench/scale/paths.py --intake-engine-only``: the same app server, API and engine
as ``duban.wsgi``, with :class:`duban.tickets.intelligence.NoIntelligence` installed over
the dispatch app's suggestions (no fingerprint, no model, no duplicate or repeat-caller
look-up, no knowledge search). It tells how much of intake's cost is the suggestions and
how much is the registration itself. Never deployed.
"""

from duban.tickets import intelligence
from duban.wsgi import application

intelligence.install(intelligence.NoIntelligence())

__all__ = ["application"]
