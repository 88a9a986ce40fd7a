"""Numbers of the ticket lifecycle that the services and the demo share, defined once."""

from __future__ import annotations

# A ticket returned (退单) or reopened (重办) this many times is escalated (提级) by itself.
ESCALATE_AFTER = 3

# Unanswered call-backs (回访) after which a ticket closes as unreachable.
MAX_CALLBACK_ATTEMPTS = 3
