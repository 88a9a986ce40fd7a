"""Numbers and sets of the ticket lifecycle that the services, the pages and the demo share,
defined once. (Rules that read a ticket are refusal functions next to their service, e.g.
``services.handling.extension_request_refusal``.)"""

from __future__ import annotations

from .choices import Channel, ReplyResult, Satisfaction

# A ticket returned (退单) or reopened (重办) this many times is escalated (提级) by itself.
ESCALATE_AFTER = 3

# Unanswered call-backs (回访) after which a ticket closes as unreachable.
MAX_CALLBACK_ATTEMPTS = 3

# The channels through which the public submits on its own (portal, mini-program, message
# board): the only ones an anonymous registration (no user) may name (``ticket_register``).
ONLINE_CHANNELS: frozenset[str] = frozenset(
    {Channel.WEB, Channel.MINI_PROGRAM, Channel.MESSAGE_BOARD}
)

# The results of a direct answer at intake (直办), in the order the form offers them.
DIRECT_ANSWER_RESULTS: tuple[str, ...] = (ReplyResult.EXPLAINED, ReplyResult.SOLVED)


def reply_needs_reason(result: str) -> bool:
    """Whether a reply with ``result`` must give its reason (无法解决 says why)."""
    return result == ReplyResult.CANNOT


def rating_may_reopen(*, resolved: bool | None, satisfaction: str) -> bool:
    """Whether a rating lets the ticket reopen (重办): only when unsatisfied or unresolved."""
    return satisfaction == Satisfaction.UNSATISFIED or not resolved
