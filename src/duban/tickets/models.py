"""Tickets, their callers, unit assignments, the immutable event log and attachments.

Indexes are designed for ≈25 million tickets a year on PostgreSQL: unit inboxes
(primary/handling unit × state), overdue scans (partial indexes on open tickets by
deadline), period figures (unit × dispatched_at) and caller look-ups by phone and name.
The ticket search's text indexes (pg_trgm GIN on title, content and reply) exist on
PostgreSQL only and are created by migration 0011 outside the model state
(docs/search.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from duban.core.crypto import EncryptedTextField, lookup_hash, phone_hash

from .choices import (
    OPEN_STATES,
    AppealType,
    AssignmentRole,
    AssignmentStatus,
    Channel,
    ExemptionReason,
    ExemptionStatus,
    Kind,
    ReplyResult,
    Satisfaction,
    State,
    SuperviseLevel,
    Urgency,
)
from .events.types import EventType
from .querysets import ACTIVE_PART_ROLES, TicketQuerySet

_OPEN = Q(state__in=sorted(s.value for s in OPEN_STATES))


class Category(models.Model):
    """A node of the three-level catalogue (e.g. 城乡建设 › 住房保障 › 公租房).

    ``default_unit`` is where tickets of the category go; ``territorial`` categories
    go instead to the street/town whose place names appear in the appeal (属地).
    """

    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级分类"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField(_("层级"), default=1)
    full_name = models.CharField(_("完整名称"), max_length=320, unique=True)
    default_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("默认承办单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="default_categories",
    )
    territorial = models.BooleanField(_("属地派单"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("分类")
        verbose_name_plural = _("分类目录")

    def __str__(self) -> str:
        return self.full_name


class CallerQuerySet(models.QuerySet["Caller"]):
    def with_phone(self, phone: str) -> CallerQuerySet:
        """Callers with this phone, through the indexed keyed hash (the phone is encrypted)."""
        return self.filter(phone_hash=phone_hash(phone)) if phone else self.none()

    def with_name(self, name: str) -> CallerQuerySet:
        return self.filter(name_hash=name_hash(name)) if name else self.none()


def name_hash(name: str) -> str:
    """The look-up hash of a caller's name (exact, surrounding spaces ignored)."""
    return lookup_hash(name.strip(), purpose="caller_name")


def phone_q(phone: str, *, prefix: str = "caller__") -> Q:
    """A filter on a related caller's phone: ``Ticket.objects.filter(phone_q(p))``."""
    return Q(**{f"{prefix}phone_hash": phone_hash(phone) or "-"})


def name_q(name: str, *, prefix: str = "caller__") -> Q:
    return Q(**{f"{prefix}name_hash": name_hash(name) or "-"})


class Caller(models.Model):
    """Personal data of the person who raised a matter, kept apart from the ticket.

    Name, phone and ID number are encrypted at rest (``core.crypto``); the phone and the
    name are found through their keyed hashes (``phone_hash``, ``name_hash``, indexed).
    Build one with ``Caller.build(...)`` so the hashes match. ``erased_at`` is set when the
    personal data was erased (retention or a request: ``tickets.services.privacy``).
    """

    name = EncryptedTextField(_("姓名"), blank=True)
    phone = EncryptedTextField(_("电话"), blank=True)
    id_number = EncryptedTextField(_("身份证号"), blank=True)
    phone_hash = models.CharField(_("电话检索码"), max_length=64, blank=True, editable=False)
    name_hash = models.CharField(_("姓名检索码"), max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("登记时间"))
    erased_at = models.DateTimeField(_("个人信息删除时间"), null=True, blank=True)

    objects = CallerQuerySet.as_manager()

    class Meta:
        verbose_name = _("来电人")
        verbose_name_plural = _("来电人")
        # Repeat-caller and ticket-search look-ups by phone and by name (exact).
        indexes = [
            models.Index(fields=["phone_hash"], name="caller_phone_hash"),
            models.Index(fields=["name_hash"], name="caller_name_hash"),
        ]

    def __str__(self) -> str:
        return f"{_('来电人')} #{self.pk}"

    @classmethod
    def build(
        cls, *, name: str = "", phone: str = "", id_number: str = "", **fields: object
    ) -> Caller:
        """An unsaved caller with its look-up hashes filled in."""
        return cls(
            name=name,
            phone=phone,
            id_number=id_number,
            phone_hash=phone_hash(phone),
            name_hash=name_hash(name),
            **fields,
        )


class PersonalDataAccess(models.Model):
    """Who read, revealed, exported or erased a caller's personal data (PIPL audit).

    Written by ``tickets.services.privacy`` in the same transaction as the act, or right
    after a read that showed the data in full (a centre role's ticket page, detail, list or
    search by phone/name).
    """

    class Kind(models.TextChoices):
        VIEW = "view", _("查看")
        SEARCH = "search", _("按来电人查询")
        REVEAL = "reveal", _("查看完整信息")
        EXPORT = "export", _("导出个人信息")
        ERASE = "erase", _("删除个人信息")
        PURGE = "purge", _("到期删除")

    caller = models.ForeignKey(
        Caller, verbose_name=_("来电人"), on_delete=models.CASCADE, related_name="accesses"
    )
    ticket = models.ForeignKey(
        "Ticket",
        verbose_name=_("工单"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    reason = models.CharField(_("事由"), max_length=200, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("个人信息访问记录")
        verbose_name_plural = _("个人信息访问记录")
        indexes = [
            models.Index(fields=["caller", "at"], name="pd_access_caller_at"),
            models.Index(fields=["actor", "at"], name="pd_access_actor_at"),
            models.Index(fields=["at"], name="pd_access_at"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.caller_id} {self.at:%Y-%m-%d %H:%M}"


class TicketSequence(models.Model):
    """Per-day counter behind human ticket numbers (YYYYMMDD + 6 digits)."""

    day = models.DateField(_("日期"), primary_key=True)
    last = models.PositiveIntegerField(_("当日最大序号"), default=0)

    class Meta:
        verbose_name = _("工单编号序列")
        verbose_name_plural = _("工单编号序列")

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class TicketTally(models.Model):
    """How many tickets each district has, by the day (UTC) they were registered.

    Kept by the database itself (triggers on the ticket table, migration ``tickets/0023``):
    every inserted ticket is added and every deleted one taken away in
    the writing statement's own transaction, whatever wrote it — intake, the history
    import's ``COPY``, a bulk load. A district-wide list without filters then totals a few
    hundred of these rows instead of counting every ticket the district ever registered,
    which grows with every year kept (docs/scale.md). Per day, so that a long import of
    past years never waits on, or holds up, the row today's intake adds to.
    """

    district = models.ForeignKey(
        "org.Unit",
        verbose_name=_("所属区"),
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    day = models.DateField(_("登记日期"))
    n = models.BigIntegerField(_("工单数"), default=0)

    class Meta:
        verbose_name = _("工单数汇总")
        verbose_name_plural = _("工单数汇总")
        constraints = [
            models.UniqueConstraint(fields=["district", "day"], name="ticket_tally_district_day")
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.day}: {self.n}"


class Ticket(models.Model):
    number = models.CharField(_("工单编号"), max_length=16, unique=True)
    kind = models.CharField(_("类别"), max_length=12, choices=Kind.choices, default=Kind.APPEAL)
    appeal_type = models.CharField(_("诉求类型"), max_length=16, choices=AppealType.choices)
    channel = models.CharField(_("来源渠道"), max_length=16, choices=Channel.choices)
    urgency = models.CharField(
        _("紧急程度"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("诉求内容"))
    location = models.CharField(_("地点"), max_length=200, blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("分类"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    caller = models.ForeignKey(
        Caller,
        verbose_name=_("来电人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )

    state = models.CharField(
        _("状态"), max_length=16, choices=State.choices, default=State.REGISTERED
    )
    version = models.PositiveIntegerField(_("版本"), default=1)
    return_from_state = models.CharField(_("退单前状态"), max_length=16, blank=True)

    # The district the ticket belongs to from registration on (the registering user's, or
    # the portal's): district-wide roles see and act on exactly their district's tickets,
    # whether or not a unit has been set yet.
    district = models.ForeignKey(
        "org.Unit",
        verbose_name=_("所属区"),
        on_delete=models.PROTECT,
        related_name="district_tickets",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    primary_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("主办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="primary_tickets",
    )
    handling_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("承办单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handling_tickets",
    )

    created_at = models.DateTimeField(_("登记时间"))
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("首次联系时间"), null=True, blank=True)
    replied_at = models.DateTimeField(_("答复时间"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    accept_due = models.DateTimeField(_("签收时限"), null=True, blank=True)
    contact_due = models.DateTimeField(_("联系时限"), null=True, blank=True)
    return_due = models.DateTimeField(_("退单时限"), null=True, blank=True)
    handle_due = models.DateTimeField(_("办理时限"), null=True, blank=True)
    callback_due = models.DateTimeField(_("回访时限"), null=True, blank=True)
    extension_days = models.PositiveSmallIntegerField(_("已延期工作日"), default=0)
    extension_pending_days = models.PositiveSmallIntegerField(_("待批延期工作日"), default=0)
    extension_pending_reason = models.CharField(_("延期理由"), max_length=500, blank=True)

    # Breach flags flip once (compare-and-set) in `duban sla tick`.
    accept_breached_at = models.DateTimeField(_("签收超时记录时间"), null=True, blank=True)
    contact_breached_at = models.DateTimeField(_("联系超时记录时间"), null=True, blank=True)
    handle_breached_at = models.DateTimeField(_("办理超期记录时间"), null=True, blank=True)
    callback_breached_at = models.DateTimeField(_("回访超时记录时间"), null=True, blank=True)
    # When the unit's clocks stopped: set while the centre rules on the unit's return
    # request (clocks.STOPPED_STATES); a rejected return pushes the deadlines out by the
    # time it took and clears it.
    clock_stopped_at = models.DateTimeField(_("计时暂停时间"), null=True, blank=True)

    reply_result = models.CharField(
        _("办理结果"), max_length=12, choices=ReplyResult.choices, blank=True
    )
    reply_text = models.TextField(_("答复内容"), blank=True)
    # The reply check's verdict (score, weak, reasons), shown to the reviewing centre.
    reply_check = models.JSONField(_("答复质量"), default=dict, blank=True)
    resolved = models.BooleanField(_("是否解决"), null=True, blank=True)
    satisfaction = models.CharField(
        _("满意度"), max_length=12, choices=Satisfaction.choices, blank=True
    )
    callback_attempts = models.PositiveSmallIntegerField(_("回访次数"), default=0)
    unreachable = models.BooleanField(_("回访未接通"), default=False)

    return_count = models.PositiveSmallIntegerField(_("退单次数"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("重办次数"), default=0)
    urge_count = models.PositiveSmallIntegerField(_("催办次数"), default=0)
    supervise_level = models.PositiveSmallIntegerField(
        _("督办级别"), choices=SuperviseLevel.choices, default=SuperviseLevel.NONE
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("包案领导"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_tickets",
    )
    escalated = models.BooleanField(_("已提级"), default=False)
    master = models.ForeignKey(
        "self",
        verbose_name=_("主工单"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    invalid_reason = models.CharField(_("无效原因"), max_length=200, blank=True)
    # An approved 考核申诉: the ticket leaves the unit's figures (see TicketExemption).
    exempt = models.BooleanField(_("已核减"), default=False)
    suggestions = models.JSONField(_("智能推荐"), default=dict, blank=True)

    objects = TicketQuerySet.as_manager()

    class Meta:
        ordering = ["-number"]
        verbose_name = _("工单")
        verbose_name_plural = _("工单")
        indexes = [
            models.Index(fields=["primary_unit", "state"], name="ticket_inbox"),
            # The primary unit included: a unit's reader's API total counts the handling
            # arm's tickets whose primary unit lies outside the scope from this index alone
            # (``selectors.scope_total``; its count 132 → 8 ms for a street at 5 M tickets).
            models.Index(
                fields=["handling_unit", "state"],
                include=["primary_unit"],
                name="ticket_handling_inbox",
            ),
            models.Index(fields=["primary_unit", "dispatched_at"], name="ticket_unit_period"),
            models.Index(fields=["state", "created_at"], name="ticket_state_created"),
            models.Index(fields=["created_at"], name="ticket_created"),
            models.Index(fields=["district", "number"], name="ticket_district_number"),
            models.Index(fields=["dispatched_at"], name="ticket_dispatched"),
            models.Index(
                fields=["handle_due"],
                condition=_OPEN & Q(handle_breached_at__isnull=True),
                name="ticket_handle_due_open",
            ),
            # The desks' tab counts over a district's open tickets (the supervision desk's
            # overdue / due within 24 h / supervised, the centre's tabs) from the index
            # alone: read through the rows they were 162 ms at 1 M tickets, scattered over
            # the table. Keyed by deadline, so the supervision desk's pages (earliest
            # deadline first) read their twenty rows in order instead of sorting every
            # open ticket of the district: 28.8 → 0.15 ms for 已超期 at 1 M (docs/scale.md).
            models.Index(
                fields=["district", "handle_due"],
                include=["state", "supervise_level", "extension_pending_days"],
                condition=_OPEN,
                name="ticket_open_district",
            ),
            # A district-wide desk counts each tab from its own range of these three
            # (``web.selectors._tab_counts``): a state's open tickets, with their deadlines
            # for the overdue and due-soon tabs; the extension requests; the supervised.
            # Counted in one scan of ``ticket_open_district`` the centre's and the
            # supervision desk's tabs read 383,450 entries at 10 M tickets (docs/scale.md).
            models.Index(
                fields=["district", "state", "handle_due"],
                condition=_OPEN,
                name="ticket_open_state",
            ),
            models.Index(
                fields=["district"],
                condition=Q(state="accepted", extension_pending_days__gt=0),
                name="ticket_extension_pending",
            ),
            models.Index(
                fields=["district"],
                condition=_OPEN & Q(supervise_level__gt=0),
                name="ticket_supervised_open",
            ),
            # Merged tickets whose caller has not rated (the centre's 待回访 list reads them
            # with their masters): a few hundred, where every merge ever made stays merged.
            models.Index(
                fields=["district"],
                condition=Q(state="merged", rated_at__isnull=True, unreachable=False),
                name="ticket_merged_unrated",
            ),
            models.Index(
                fields=["accept_due"],
                condition=Q(state="dispatched", accept_breached_at__isnull=True),
                name="ticket_accept_due_open",
            ),
            models.Index(
                fields=["callback_due"],
                condition=Q(state="reviewed", callback_breached_at__isnull=True),
                name="ticket_callback_due_open",
            ),
            # Dispatched tickets not accepted, by accept deadline: the rollup of the recent
            # months finds those whose deadline passed since its last refresh (their
            # ``due_for_response`` changes with the clock; metrics.services_recent). Kept
            # small by accepting: what stays are the open ones and those merged or
            # invalidated before acceptance.
            models.Index(
                fields=["accept_due"],
                condition=Q(accepted_at__isnull=True, dispatched_at__isnull=False),
                name="ticket_unaccepted_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class TicketAssignment(models.Model):
    """One dispatch of a ticket to a unit: primary, co-unit (协办) or sub-dispatch (下派)."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="assignments"
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("角色"), max_length=8, choices=AssignmentRole.choices)
    status = models.CharField(
        _("状态"),
        max_length=12,
        choices=AssignmentStatus.choices,
        default=AssignmentStatus.ACTIVE,
    )
    assigned_at = models.DateTimeField(_("派单时间"))
    accepted_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    note = models.TextField(_("备注"), blank=True)

    class Meta:
        verbose_name = _("派单记录")
        verbose_name_plural = _("派单记录")
        indexes = [
            models.Index(fields=["unit", "assigned_at"], name="assignment_unit_period"),
            models.Index(fields=["unit", "status"], name="assignment_unit_status"),
            models.Index(fields=["assigned_at"], name="assignment_assigned"),
            # The active co-unit and sub-dispatch parts of a unit (the work lists' scope,
            # ``querysets.open_visible_to``): a few rows, where a unit's active primary
            # parts are its whole history (they stay active after the ticket closes).
            models.Index(
                fields=["unit", "ticket"],
                name="assignment_active_part",
                condition=Q(status="active", role__in=ACTIVE_PART_ROLES),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}→{self.unit_id} ({self.role})"


class TicketEvent(models.Model):
    """An immutable entry of a ticket's history; replaying them rebuilds the ticket's state."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="events"
    )
    seq = models.PositiveIntegerField(_("序号"))
    type = models.CharField(_("环节"), max_length=32, choices=EventType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("操作单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"))
    from_state = models.CharField(_("原状态"), max_length=16, blank=True)
    to_state = models.CharField(_("新状态"), max_length=16, blank=True)
    payload = models.JSONField(_("内容"), default=dict, blank=True)

    class Meta:
        verbose_name = _("办理过程")
        verbose_name_plural = _("办理过程")
        ordering = ["ticket_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["ticket", "seq"], name="event_ticket_seq")]
        indexes = [models.Index(fields=["type", "at"], name="event_type_at")]

    def __str__(self) -> str:
        return f"{self.ticket_id}#{self.seq} {self.get_type_display()}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.ticket_id}/{filename}"


class Attachment(models.Model):
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="attachments"
    )
    event = models.ForeignKey(
        TicketEvent,
        verbose_name=_("办理环节"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attachments",
    )
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=255)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"))

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name


class TicketExemption(models.Model):
    """A unit's request that a ticket not count in its figures (考核申诉 / 核减), and the ruling.

    An approved request sets ``Ticket.exempt``: the figures leave the ticket out and the
    ranking's explanation lists it with this reason.
    """

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="exemptions"
    )
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("申诉单位"), on_delete=models.PROTECT, related_name="+"
    )
    reason_kind = models.CharField(_("申诉理由"), max_length=20, choices=ExemptionReason.choices)
    reason = models.CharField(_("情况说明"), max_length=500)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=ExemptionStatus.choices,
        default=ExemptionStatus.PENDING,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申诉人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("申诉时间"))
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ruled_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    ruling_note = models.CharField(_("审核意见"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("考核申诉")
        verbose_name_plural = _("考核申诉")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=Q(status="pending"),
                name="one_pending_exemption_per_ticket",
            )
        ]
        indexes = [models.Index(fields=["status", "requested_at"], name="exemption_queue")]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.get_status_display()}"


class IdempotencyKey(models.Model):
    """Remembers which ticket a client's ``Idempotency-Key`` created."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("幂等键"), max_length=100)
    request_digest = models.CharField(_("请求摘要"), max_length=64)
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        verbose_name = _("接口幂等记录")
        verbose_name_plural = _("接口幂等记录")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key")]

    def __str__(self) -> str:
        return self.key


class DuplicateKey(models.Model):
    """A MinHash band key of a ticket's text, stored at intake for duplicate look-up by index.

    The keys are computed by the registered intelligence (``tickets.intelligence``) and
    written by ``ticket_register`` in the registration's transaction. They are read only
    within the duplicate window, so the worker deletes those past it every night
    (``dispatch.services.duplicate_keys_purge``): 13 rows a ticket, a quarter of a year's
    bytes (docs/scale.md).
    """

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("工单"), on_delete=models.CASCADE, related_name="duplicate_keys"
    )
    key = models.BigIntegerField(_("特征值"))
    created_at = models.DateTimeField(_("登记时间"))

    class Meta:
        verbose_name = _("重复件特征")
        verbose_name_plural = _("重复件特征")
        indexes = [
            models.Index(fields=["key", "created_at"], name="duplicate_key_lookup"),
            models.Index(fields=["created_at"], name="duplicate_key_created"),  # the purge
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}:{self.key}"


class TicketImport(models.Model):
    """One run of the history import (``duban import_tickets``): who, which file, how many
    rows, when — written in the run's transaction, so it exists exactly when the run's
    tickets do. Each imported ticket's ``register`` event names its run."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    run_by = models.CharField(_("执行账户"), max_length=100, blank=True)
    file_name = models.CharField(_("文件名"), max_length=255)
    file_sha256 = models.CharField(_("文件摘要"), max_length=64)
    rows = models.PositiveIntegerField(_("数据行数"))
    imported = models.PositiveIntegerField(_("导入工单数"))
    skipped = models.PositiveIntegerField(_("跳过的无效行"), default=0)
    first_number = models.CharField(_("首个工单编号"), max_length=16, blank=True)
    last_number = models.CharField(_("末个工单编号"), max_length=16, blank=True)
    bulk = models.BooleanField(_("批量模式"), default=False)
    started_at = models.DateTimeField(_("开始时间"))
    seconds = models.FloatField(_("耗时（秒）"), default=0)

    class Meta:
        verbose_name = _("历史工单导入")
        verbose_name_plural = _("历史工单导入")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.imported}) {self.started_at:%Y-%m-%d %H:%M}"
