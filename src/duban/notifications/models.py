"""In-app notices to staff and the SMS outbox.

Designed for city scale (≈25 million tickets a year, a few notices each): a user's unread
count and page of notices are index scans on ``(recipient, read_at, created_at)`` and
``(recipient, -id)``; the SMS sender claims due messages through ``(status,
next_attempt_at)``; a due-soon reminder is recorded once per ticket, clock and deadline
by a unique constraint.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    DISPATCH = "dispatch", _("新派单")
    CO_DISPATCH = "co_dispatch", _("协办派单")
    SUB_DISPATCH = "sub_dispatch", _("下派")
    REASSIGN = "reassign", _("改派")
    URGE = "urge", _("催办")
    RETURN_APPROVED = "return_approved", _("退单已同意")
    RETURN_REJECTED = "return_rejected", _("退单被驳回")
    REVIEW_REJECTED = "review_rejected", _("审核退回")
    REOPENED = "reopened", _("重办")
    DUE_SOON = "due_soon", _("即将到期")


class Notice(models.Model):
    """One message to one staff user about one ticket; read once they mark it."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("工单"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=NoticeKind.choices)
    text = models.CharField(_("内容"), max_length=500)
    created_at = models.DateTimeField(_("时间"))
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [
            # The bell's unread count and the unread notices (read_at IS NULL).
            models.Index(fields=["recipient", "read_at", "created_at"], name="notice_unread"),
            # The notice page, newest (last written) first.
            models.Index(fields=["recipient", "-id"], name="notice_recipient_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.text[:30]}"


class SmsStatus(models.TextChoices):
    QUEUED = "queued", _("待发送")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")


class SmsMessage(models.Model):
    """The SMS outbox: queued in the transaction of the event it reports, sent after commit.

    A sender claims a message (``sending``, one more attempt) before handing it to the
    gateway, so two senders never send it twice; ``next_attempt_at`` is when a sender may
    try it (again): a failed attempt backs off, a claim that never finished (the sender
    died) becomes due again after a while.
    """

    phone = models.CharField(_("手机号"), max_length=20)
    text = models.CharField(_("短信内容"), max_length=500)
    status = models.CharField(
        _("状态"), max_length=8, choices=SmsStatus.choices, default=SmsStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("发送次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("创建时间"))
    next_attempt_at = models.DateTimeField(_("下次发送时间"))
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("工单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("短信")
        verbose_name_plural = _("短信发件箱")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="sms_due")]

    def __str__(self) -> str:
        return f"SMS #{self.pk} ({self.status})"


class DueSoonMark(models.Model):
    """That the due-soon reminder of a ticket's clock was sent for this deadline.

    The unique constraint is the compare-and-set: a reminder run inserts its marks
    (conflicts ignored) tagged with its own ``run`` and notifies only for the marks that
    carry its tag, so two concurrent ticks never remind twice. A new deadline (an
    extension, a reopen, a reassignment) is a new mark and a new reminder.
    """

    # The unique constraint's index starts with the ticket: no second index for the key.
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    clock = models.CharField(max_length=16)
    due = models.DateTimeField()
    run = models.CharField(max_length=32)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ticket", "clock", "due"], name="due_soon_once")
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.clock} {self.due:%Y-%m-%d %H:%M}"
