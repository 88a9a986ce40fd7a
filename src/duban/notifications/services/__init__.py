"""Notification writes: notices from ticket events and the due-soon scan, marking read, SMS.

Every function is keyword-only and takes ``now``; those a user triggers take the actor.
"""

from .due_soon import notify_due_soon
from .notices import notice_mark_read, notices_mark_all_read, on_ticket_event
from .sms import SendResult, sms_send

__all__ = [
    "SendResult",
    "notice_mark_read",
    "notices_mark_all_read",
    "notify_due_soon",
    "on_ticket_event",
    "sms_send",
]
