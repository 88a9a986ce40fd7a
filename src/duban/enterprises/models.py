"""The enterprise registry (万人助万企) and the industry-chain catalogue shared with projects."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from duban.core.crypto import EncryptedTextField


class IndustryChain(models.Model):
    """An industry chain (产业链) of the district: 高端装备制造, 生物医药, 数字经济 … (admin-edited).

    Enterprises and key projects (``projects``, the layer above) both point at it.
    """

    name = models.CharField(_("名称"), max_length=50, unique=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("产业链")
        verbose_name_plural = _("产业链")

    def __str__(self) -> str:
        return self.name


class Park(models.Model):
    """An industrial park (园区) of a district."""

    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=100)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("园区")
        verbose_name_plural = _("园区")
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="park_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Size(models.TextChoices):
    LARGE = "large", _("大型")
    MEDIUM = "medium", _("中型")
    SMALL = "small", _("小型")
    MICRO = "micro", _("微型")


class GroupKind(models.TextChoices):
    TASK_FORCE = "task_force", _("工作专班")
    SERVICE_GROUP = "service_group", _("服务组")


class ServiceGroup(models.Model):
    """A task force (工作专班) or a service group (服务组) with its members.

    A service group may sit under a task force (``parent``); enterprises are assigned to a
    service group.
    """

    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=GroupKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("所属专班"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="groups",
    )
    leader = models.ForeignKey(
        "org.User",
        verbose_name=_("组长"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    members = models.ManyToManyField(
        "org.User", verbose_name=_("成员"), blank=True, related_name="service_groups"
    )
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["kind", "sort_order", "name"]
        verbose_name = _("专班/服务组")
        verbose_name_plural = _("专班/服务组")
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="group_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Enterprise(models.Model):
    """An enterprise of the district's registry, keyed by its unified social credit code."""

    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("企业名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    chain = models.ForeignKey(
        IndustryChain,
        verbose_name=_("产业链"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    park = models.ForeignKey(
        Park,
        verbose_name=_("园区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    street = models.ForeignKey(
        "org.Unit",
        verbose_name=_("街道/镇"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"))
    size = models.CharField(_("企业规模"), max_length=8, choices=Size.choices, default=Size.SMALL)
    above_scale = models.BooleanField(_("规上企业"), default=False)
    specialized = models.BooleanField(_("专精特新"), default=False)
    high_tech = models.BooleanField(_("高新技术企业"), default=False)
    tech_sme = models.BooleanField(_("科技型中小企业"), default=False)
    # Personal data: encrypted at rest (``core.crypto``) and masked for readers without
    # ``PERSONAL_DATA_ROLES`` who do not serve the enterprise (like callers').
    contact_name = EncryptedTextField(_("联系人"), blank=True)
    contact_phone = EncryptedTextField(_("联系人手机"), blank=True)
    officer = models.ForeignKey(
        "org.User",
        verbose_name=_("首席服务员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="served_enterprises",
    )
    group = models.ForeignKey(
        ServiceGroup,
        verbose_name=_("服务组"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    last_visited_on = models.DateField(_("最近走访日期"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("企业")
        verbose_name_plural = _("企业")
        indexes = [
            models.Index(fields=["district", "name"], name="enterprise_district_name"),
            models.Index(fields=["officer", "name"], name="enterprise_officer_name"),
            models.Index(fields=["group", "name"], name="enterprise_group_name"),
            models.Index(fields=["district", "last_visited_on"], name="enterprise_district_visit"),
        ]

    def __str__(self) -> str:
        return self.name


class CoverageRule(models.Model):
    """How often each enterprise must be visited (走访覆盖): one row per district."""

    district = models.OneToOneField(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+"
    )
    above_scale_days = models.PositiveSmallIntegerField(_("规上企业走访周期(天)"), default=30)
    other_days = models.PositiveSmallIntegerField(_("其他企业走访周期(天)"), default=90)

    class Meta:
        verbose_name = _("走访覆盖规则")
        verbose_name_plural = _("走访覆盖规则")

    def __str__(self) -> str:
        return str(_("走访覆盖规则"))


class Visit(models.Model):
    """A visit (走访) of an enterprise by its officer or a service group."""

    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="visits"
    )
    officer = models.ForeignKey(
        "org.User", verbose_name=_("走访人"), on_delete=models.PROTECT, related_name="+"
    )
    visited_on = models.DateField(_("走访日期"))
    participants = models.CharField(_("参加人员"), max_length=200, blank=True)
    topics = models.TextField(_("交流内容"))
    created_at = models.DateTimeField(_("登记时间"))

    class Meta:
        ordering = ["-visited_on", "-id"]
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        indexes = [
            models.Index(fields=["district", "visited_on"], name="visit_district_day"),
            models.Index(fields=["enterprise", "visited_on"], name="visit_enterprise_day"),
            models.Index(fields=["officer", "visited_on"], name="visit_officer_day"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.visited_on}"


class ProblemCategory(models.Model):
    """A category of enterprise problems (资金, 用工, 用地 …), admin-edited."""

    name = models.CharField(_("名称"), max_length=20, unique=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("问题类别")
        verbose_name_plural = _("问题类别")

    def __str__(self) -> str:
        return self.name


class Level(models.TextChoices):
    DISTRICT = "district", _("区级")
    CITY = "city", _("市级")
    PROVINCE = "province", _("省级")


class Source(models.TextChoices):
    VISIT = "visit", _("自主发现")
    ASSIGNED = "assigned", _("上级交办")
    SELF = "self", _("企业自报")


class Problem(models.Model):
    """An enterprise problem: the module's side of a ticket of kind ``enterprise``.

    ``closed_at``, ``solved``, ``satisfaction`` and ``close_days`` follow the ticket (the
    module's hook writes them), so the figures are one query over this table.
    """

    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+"
    )
    ticket = models.OneToOneField(
        "tickets.Ticket",
        verbose_name=_("工单"),
        on_delete=models.PROTECT,
        related_name="enterprise_problem",
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="problems"
    )
    category = models.ForeignKey(
        ProblemCategory, verbose_name=_("问题类别"), on_delete=models.PROTECT, related_name="+"
    )
    level = models.CharField(_("层级"), max_length=10, choices=Level.choices)
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    visit = models.ForeignKey(
        Visit,
        verbose_name=_("走访记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
    )
    officer = models.ForeignKey(
        "org.User",
        verbose_name=_("首席服务员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    group = models.ForeignKey(
        ServiceGroup,
        verbose_name=_("服务组"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"))
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)
    solved = models.BooleanField(_("已解决"), default=False)
    satisfaction = models.CharField(_("企业评价"), max_length=16, blank=True)
    close_days = models.FloatField(_("办理天数"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("企业问题")
        verbose_name_plural = _("企业问题")
        indexes = [
            models.Index(fields=["district", "created_at"], name="problem_district_created"),
            models.Index(fields=["enterprise", "created_at"], name="problem_enterprise_created"),
            models.Index(fields=["officer", "created_at"], name="problem_officer_created"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.category}"


class Escalation(models.Model):
    """A problem beyond the district's power sent to the city or the province (提级)."""

    problem = models.ForeignKey(
        Problem, verbose_name=_("企业问题"), on_delete=models.PROTECT, related_name="escalations"
    )
    level = models.CharField(_("提交层级"), max_length=10, choices=Level.choices)
    escalated_to = models.CharField(_("提交单位"), max_length=100)
    escalated_at = models.DateTimeField(_("提交时间"))
    escalated_by = models.ForeignKey(
        "org.User", verbose_name=_("提交人"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=500, blank=True)
    response = models.TextField(_("上级答复"), blank=True)
    responded_at = models.DateTimeField(_("答复时间"), null=True, blank=True)

    class Meta:
        ordering = ["escalated_at", "id"]
        verbose_name = _("问题提级")
        verbose_name_plural = _("问题提级")

    def __str__(self) -> str:
        return f"{self.problem} → {self.escalated_to}"


class ProxyService(models.Model):
    """A proxy service of the catalogue (代办: 项目备案, 工商注册 …): a template of steps."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    fast_track = models.BooleanField(_("快速通道"), default=False)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("代办事项")
        verbose_name_plural = _("代办事项")

    def __str__(self) -> str:
        return self.name


class ProxyStepTemplate(models.Model):
    service = models.ForeignKey(
        ProxyService, verbose_name=_("代办事项"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("环节"), max_length=50)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+"
    )
    documents = models.CharField(_("所需材料"), max_length=300, blank=True)
    days = models.PositiveSmallIntegerField(_("时限(工作日)"))

    class Meta:
        ordering = ["service", "order"]
        verbose_name = _("代办环节模板")
        verbose_name_plural = _("代办环节模板")
        constraints = [
            models.UniqueConstraint(fields=["service", "order"], name="proxy_template_order")
        ]

    def __str__(self) -> str:
        return f"{self.service} · {self.name}"


class CaseState(models.TextChoices):
    OPEN = "open", _("办理中")
    COMPLETED = "completed", _("已办结")


class ProxyCase(models.Model):
    """A proxy service run for an enterprise: the template's steps, each against its limit."""

    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="proxy_cases"
    )
    service = models.ForeignKey(
        ProxyService, verbose_name=_("代办事项"), on_delete=models.PROTECT, related_name="cases"
    )
    project_name = models.CharField(_("关联重点项目"), max_length=200, blank=True)
    officer = models.ForeignKey(
        "org.User",
        verbose_name=_("首席服务员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("说明"), max_length=500, blank=True)
    state = models.CharField(
        _("状态"), max_length=10, choices=CaseState.choices, default=CaseState.OPEN
    )
    created_at = models.DateTimeField(_("受理时间"))
    due_at = models.DateTimeField(_("办结时限"))
    completed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    on_time = models.BooleanField(_("按时办结"), null=True, blank=True)
    satisfaction = models.CharField(_("企业评价"), max_length=16, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("代办件")
        verbose_name_plural = _("代办件")
        indexes = [
            models.Index(fields=["district", "created_at"], name="proxy_district_created"),
            models.Index(fields=["enterprise", "created_at"], name="proxy_enterprise_created"),
            models.Index(fields=["officer", "created_at"], name="proxy_officer_created"),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.service}"


class StepState(models.TextChoices):
    WAITING = "waiting", _("未开始")
    PENDING = "pending", _("待受理")
    ACCEPTED = "accepted", _("办理中")
    BLOCKED = "blocked", _("受阻")
    DONE = "done", _("已完成")


class ProxyStep(models.Model):
    case = models.ForeignKey(
        ProxyCase, verbose_name=_("代办件"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("环节"), max_length=50)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+"
    )
    documents = models.CharField(_("所需材料"), max_length=300, blank=True)
    days = models.PositiveSmallIntegerField(_("时限(工作日)"))
    state = models.CharField(
        _("状态"), max_length=10, choices=StepState.choices, default=StepState.WAITING
    )
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    due_at = models.DateTimeField(_("时限"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    blocked_reason = models.CharField(_("受阻原因"), max_length=300, blank=True)
    late = models.BooleanField(_("超时完成"), default=False)

    class Meta:
        ordering = ["case", "order"]
        verbose_name = _("代办环节")
        verbose_name_plural = _("代办环节")
        constraints = [models.UniqueConstraint(fields=["case", "order"], name="proxy_step_order")]
        indexes = [models.Index(fields=["unit", "state", "due_at"], name="proxy_step_unit_due")]

    def __str__(self) -> str:
        return f"{self.case} · {self.name}"


class EventType(models.TextChoices):
    ENTERPRISE_CREATED = "enterprise_created", _("企业入库")
    ENTERPRISE_CHANGED = "enterprise_changed", _("企业信息变更")
    OFFICER_ASSIGNED = "officer_assigned", _("指定首席服务员")
    VISIT = "visit", _("走访")
    PROBLEM_RAISED = "problem_raised", _("提出问题")
    WHISTLE = "whistle", _("园区吹哨")
    ESCALATED = "escalated", _("提级上报")
    ESCALATION_ANSWERED = "escalation_answered", _("上级答复")
    PROBLEM_CLOSED = "problem_closed", _("问题销号")
    CASE_OPENED = "case_opened", _("代办受理")
    STEP_ACCEPTED = "step_accepted", _("环节受理")
    STEP_DONE = "step_done", _("环节完成")
    STEP_BLOCKED = "step_blocked", _("环节受阻")
    CASE_COMPLETED = "case_completed", _("代办办结")
    CASE_RATED = "case_rated", _("代办评价")


class EnterpriseEvent(models.Model):
    """What happened to an enterprise, its problems and its proxy cases (the page's history)."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="events"
    )
    type = models.CharField(_("事件"), max_length=24, choices=EventType.choices)
    actor = models.ForeignKey(
        "org.User",
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("操作方"), max_length=100, blank=True)
    at = models.DateTimeField(_("时间"))
    case = models.ForeignKey(
        ProxyCase,
        verbose_name=_("代办件"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    step = models.ForeignKey(
        ProxyStep,
        verbose_name=_("代办环节"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    problem = models.ForeignKey(
        Problem,
        verbose_name=_("企业问题"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="events",
    )
    note = models.CharField(_("说明"), max_length=500, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("企业服务记录")
        verbose_name_plural = _("企业服务记录")
        indexes = [models.Index(fields=["enterprise", "at"], name="ent_event_enterprise_at")]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.get_type_display()}"


class AccessKind(models.TextChoices):
    INVITATION = "invitation", _("邀请链接")
    CODE = "code", _("短信验证码")


class EnterpriseAccess(models.Model):
    """A one-time way in for an enterprise's contact (no staff account): an invitation link
    or a one-time code sent to the registered mobile. Only the hash of the secret is kept."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="accesses"
    )
    kind = models.CharField(_("方式"), max_length=12, choices=AccessKind.choices)
    secret_hash = models.CharField(_("凭据摘要"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("生成时间"))
    expires_at = models.DateTimeField(_("失效时间"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("企业登录凭据")
        verbose_name_plural = _("企业登录凭据")
        indexes = [models.Index(fields=["enterprise", "created_at"], name="ent_access_created")]

    def __str__(self) -> str:
        return f"{self.enterprise} {self.get_kind_display()}"
