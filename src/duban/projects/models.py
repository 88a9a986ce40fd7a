"""Key projects (项目为王): the ledger, the plan curve, monthly reports, blockers, contests.

Amounts are in 万元 (``Decimal``, two places). Every table carries its district (or reaches
it through its project), and the lists' scoping columns are indexed with their ordering.
A project's stage only moves through ``services.project_move_stage`` (an event, never an edit).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY = {"max_digits": 14, "decimal_places": 2}


class Stage(models.TextChoices):
    PLANNED = "planned", _("谋划")
    SIGNED = "signed", _("签约")
    LANDED = "landed", _("落地")
    STARTED = "started", _("开工")
    BUILDING = "building", _("在建")
    PRODUCING = "producing", _("投产")
    AT_CAPACITY = "at_capacity", _("达效")


STAGE_ORDER: tuple[str, ...] = tuple(Stage.values)


def stage_index(stage: str) -> int:
    return STAGE_ORDER.index(stage)


class Nature(models.TextChoices):
    INDUSTRY = "industry", _("产业")
    INFRASTRUCTURE = "infrastructure", _("基础设施")
    LIVELIHOOD = "livelihood", _("社会民生")
    COMMERCE = "commerce", _("商贸")


class Level(models.TextChoices):
    PROVINCE = "province", _("省重点")
    CITY = "city", _("市重点")
    DISTRICT = "district", _("区重点")


class LagStatus(models.TextChoices):
    AHEAD = "ahead", _("超前")
    NORMAL = "normal", _("正常")
    LAGGING = "lagging", _("滞后")


class MilestoneKind(models.TextChoices):
    APPROVAL = "approval", _("立项")
    LAND = "land", _("用地")
    PLANNING = "planning", _("规划许可")
    EIA = "eia", _("环评")
    CONSTRUCTION = "construction", _("施工许可")


def pack_levels(levels: object) -> str:
    """``Project.levels`` as stored: ",city,province," (``__contains=",city,"`` finds one)."""
    codes = sorted({str(v) for v in levels})  # type: ignore[attr-defined]
    return f",{','.join(codes)}," if codes else ""


def unpack_levels(packed: str) -> list[str]:
    order = list(Level.values)
    return sorted((v for v in packed.split(",") if v), key=order.index)


class ProjectSettings(models.Model):
    """A district's rules for the monthly dispatch and the lag judgement (defaults if absent)."""

    district = models.OneToOneField(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.CASCADE, related_name="+"
    )
    report_close_day = models.PositiveSmallIntegerField(_("月报截止日(次月)"), default=5)
    ahead_points = models.DecimalField(
        _("超前阈值(百分点)"), max_digits=5, decimal_places=2, default=5
    )
    lagging_points = models.DecimalField(
        _("滞后阈值(百分点)"), max_digits=5, decimal_places=2, default=-10
    )
    red_points = models.DecimalField(
        _("红色预警阈值(百分点)"), max_digits=5, decimal_places=2, default=-20
    )
    red_stage_days = models.PositiveIntegerField(_("阶段滞后红色预警天数"), default=60)

    class Meta:
        verbose_name = _("项目调度设置")
        verbose_name_plural = _("项目调度设置")

    def __str__(self) -> str:
        return str(self.district)


class Project(models.Model):
    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.CharField(_("项目编号"), max_length=32, unique=True)
    name = models.CharField(_("项目名称"), max_length=200)
    chain = models.ForeignKey(
        "enterprises.IndustryChain",
        verbose_name=_("产业链"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    nature = models.CharField(_("项目性质"), max_length=16, choices=Nature.choices)
    levels = models.CharField(_("项目级别"), max_length=40, blank=True, default="")
    owner = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("业主单位(企业库)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    owner_name = models.CharField(_("业主单位"), max_length=200)
    owner_contact = models.CharField(_("业主联系人"), max_length=50, blank=True)
    owner_phone = models.CharField(_("业主电话"), max_length=20, blank=True)
    street = models.ForeignKey(
        "org.Unit",
        verbose_name=_("所在街道/镇"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    location = models.CharField(_("建设地点"), max_length=200, blank=True)
    unit = models.ForeignKey(
        "org.Unit", verbose_name=_("责任单位"), on_delete=models.PROTECT, related_name="+"
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("包联领导"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_projects",
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reported_projects",
    )
    content = models.TextField(_("建设内容"), blank=True)
    total_investment = models.DecimalField(_("总投资(万元)"), **MONEY)
    plan_year = models.PositiveSmallIntegerField(_("计划年度"))
    annual_plan = models.DecimalField(_("年度计划投资(万元)"), **MONEY)
    start_year = models.PositiveSmallIntegerField(_("开工年份"))
    end_year = models.PositiveSmallIntegerField(_("竣工年份"))
    stage = models.CharField(_("项目阶段"), max_length=16, choices=Stage.choices)
    bond_applied = models.DecimalField(_("专项债申请额度(万元)"), default=0, **MONEY)
    bond_received = models.DecimalField(_("专项债到位额度(万元)"), default=0, **MONEY)
    bond_spent = models.DecimalField(_("专项债已支出(万元)"), default=0, **MONEY)
    in_stats = models.BooleanField(_("已入统"), default=False)
    in_stats_date = models.DateField(_("入统日期"), null=True, blank=True)
    is_active = models.BooleanField(_("在库"), default=True)
    # The last approved report of the plan year (written by the review service): what the
    # lag judgement and the lists read, so they stay one indexed scan.
    reported_month = models.PositiveSmallIntegerField(_("最近审核月份"), default=0)
    completed_this_year = models.DecimalField(_("本年累计完成(万元)"), default=0, **MONEY)
    completed_total = models.DecimalField(_("开工累计完成(万元)"), default=0, **MONEY)
    plan_to_date = models.DecimalField(_("序时计划(万元)"), default=0, **MONEY)
    open_blockers = models.PositiveIntegerField(_("未办结问题"), default=0)
    # The earliest planned date of a stage not reached yet (kept by the stage services):
    # stage lag is ``next_stage_due < today``, read without a subquery.
    next_stage = models.CharField(_("下一节点阶段"), max_length=16, blank=True, default="")
    next_stage_due = models.DateField(_("下一节点计划日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("录入时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("重点项目")
        verbose_name_plural = _("重点项目")
        indexes = [
            models.Index(fields=["district", "code"], name="project_district_code"),
            models.Index(fields=["district", "stage", "code"], name="project_district_stage"),
            models.Index(fields=["unit", "code"], name="project_unit_code"),
            models.Index(fields=["street", "code"], name="project_street_code"),
            models.Index(fields=["lead", "code"], name="project_lead_code"),
            models.Index(fields=["reporter", "code"], name="project_reporter_code"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def level_list(self) -> list[str]:
        return unpack_levels(self.levels)

    @property
    def level_labels(self) -> list[str]:
        return [str(Level(v).label) for v in self.level_list]


class StageDate(models.Model):
    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="stage_dates"
    )
    stage = models.CharField(_("阶段"), max_length=16, choices=Stage.choices)
    planned_date = models.DateField(_("计划日期"), null=True, blank=True)
    actual_date = models.DateField(_("实际日期"), null=True, blank=True)

    class Meta:
        ordering = ["project", "planned_date"]
        verbose_name = _("阶段节点")
        verbose_name_plural = _("阶段节点")
        constraints = [
            models.UniqueConstraint(fields=["project", "stage"], name="stage_date_unique")
        ]
        indexes = [
            models.Index(fields=["project", "actual_date", "planned_date"], name="stage_date_due")
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.get_stage_display()}"


class Milestone(models.Model):
    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="milestones"
    )
    kind = models.CharField(_("审批事项"), max_length=16, choices=MilestoneKind.choices)
    planned_date = models.DateField(_("计划日期"), null=True, blank=True)
    actual_date = models.DateField(_("实际日期"), null=True, blank=True)

    class Meta:
        ordering = ["project", "id"]
        verbose_name = _("审批节点")
        verbose_name_plural = _("审批节点")
        constraints = [models.UniqueConstraint(fields=["project", "kind"], name="milestone_unique")]

    def __str__(self) -> str:
        return f"{self.project} {self.get_kind_display()}"


class PlanMonth(models.Model):
    """The plan curve: planned investment of each month of a year and its running total."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="plan_months"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    amount = models.DecimalField(_("当月计划(万元)"), **MONEY)
    cumulative = models.DecimalField(_("累计计划(万元)"), **MONEY)

    class Meta:
        ordering = ["project", "year", "month"]
        verbose_name = _("月度计划")
        verbose_name_plural = _("月度计划")
        constraints = [
            models.UniqueConstraint(fields=["project", "year", "month"], name="plan_month_unique")
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.year}-{self.month:02d}"


class TaskForceMember(models.Model):
    """A member of the project's task force (专班) with their role in it."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="task_force"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("成员"),
        on_delete=models.PROTECT,
        related_name="task_forces",
    )
    duty = models.CharField(_("专班职务"), max_length=30, default="成员")

    class Meta:
        ordering = ["project", "id"]
        verbose_name = _("专班成员")
        verbose_name_plural = _("专班成员")
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="task_force_unique")
        ]
        indexes = [models.Index(fields=["user", "project"], name="task_force_user")]

    def __str__(self) -> str:
        return f"{self.project} {self.user}"


class ProjectEvent(models.Model):
    """The project's history: every write of the module leaves one row."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="events"
    )
    type = models.CharField(_("类型"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"))
    message = models.CharField(_("说明"), max_length=500)
    payload = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        ordering = ["project", "at", "id"]
        verbose_name = _("项目动态")
        verbose_name_plural = _("项目动态")
        indexes = [models.Index(fields=["project", "at"], name="project_event_at")]

    def __str__(self) -> str:
        return self.message


class ReportState(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已审核")
    RETURNED = "returned", _("已退回")


class MonthlyReport(models.Model):
    """A project's report of one month (月度调度)."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="reports"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    month = models.PositiveSmallIntegerField(_("月份"))
    state = models.CharField(_("状态"), max_length=16, choices=ReportState.choices)
    investment_month = models.DecimalField(_("当月完成投资(万元)"), **MONEY)
    cumulative_year = models.DecimalField(_("本年累计(万元)"), **MONEY)
    cumulative_total = models.DecimalField(_("开工累计(万元)"), **MONEY)
    # The plan at this month and the year's plan when it was approved (the lists read them).
    plan_to_date = models.DecimalField(_("序时计划(万元)"), default=0, **MONEY)
    annual_plan = models.DecimalField(_("年度计划(万元)"), default=0, **MONEY)
    completion_rate = models.FloatField(_("年度计划完成率"), default=0)
    progress = models.TextField(_("形象进度"))
    problems = models.TextField(_("存在问题"), blank=True)
    requests = models.TextField(_("需协调事项"), blank=True)
    correction_note = models.CharField(_("更正说明"), max_length=500, blank=True)
    late = models.BooleanField(_("逾期报送"), default=False)
    revision = models.PositiveIntegerField(_("版本"), default=1)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("报送时间"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    review_comment = models.CharField(_("审核意见"), max_length=500, blank=True)

    class Meta:
        ordering = ["project", "-year", "-month"]
        verbose_name = _("月度调度报告")
        verbose_name_plural = _("月度调度报告")
        constraints = [
            models.UniqueConstraint(fields=["project", "year", "month"], name="report_unique")
        ]
        indexes = [
            models.Index(fields=["year", "month", "state"], name="report_month_state"),
            # The red/black lists read a month's approved rates in order from the index alone.
            models.Index(
                fields=["year", "month", "state", "completion_rate", "project"],
                name="report_month_rate",
            ),
            models.Index(fields=["state", "submitted_at"], name="report_state_at"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.year}年{self.month}月"


class ReportRevision(models.Model):
    """Each submission of a report as it was (a corrected figure keeps its history)."""

    report = models.ForeignKey(
        MonthlyReport, verbose_name=_("报告"), on_delete=models.CASCADE, related_name="revisions"
    )
    revision = models.PositiveIntegerField(_("版本"))
    investment_month = models.DecimalField(_("当月完成投资(万元)"), **MONEY)
    cumulative_year = models.DecimalField(_("本年累计(万元)"), **MONEY)
    progress = models.TextField(_("形象进度"))
    correction_note = models.CharField(_("更正说明"), max_length=500, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("报送时间"))

    class Meta:
        ordering = ["report", "revision"]
        verbose_name = _("报告版本")
        verbose_name_plural = _("报告版本")

    def __str__(self) -> str:
        return f"{self.report} v{self.revision}"


class ReportPhoto(models.Model):
    """A 形象进度 photo of a report (checked by type, content and size on upload).

    ``sha256`` makes a re-sent photo a no-op; ``idempotency_key`` is the API caller's key.
    """

    report = models.ForeignKey(
        MonthlyReport, verbose_name=_("报告"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.FileField(_("照片"), upload_to="projects/photos/%Y/%m/")
    caption = models.CharField(_("说明"), max_length=100, blank=True)
    content_type = models.CharField(_("类型"), max_length=50, blank=True, default="")
    size = models.PositiveIntegerField(_("大小(字节)"), default=0)
    sha256 = models.CharField(_("内容摘要"), max_length=64, blank=True, default="")
    idempotency_key = models.CharField(_("幂等键"), max_length=100, blank=True, default="")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("形象进度照片")
        verbose_name_plural = _("形象进度照片")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "sha256"],
                condition=~models.Q(sha256=""),
                name="report_photo_sha",
            ),
            models.UniqueConstraint(
                fields=["report", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="report_photo_key",
            ),
        ]

    def __str__(self) -> str:
        return self.caption or self.image.name


class Blocker(models.Model):
    """A project's blocker (需协调事项): a ticket of kind ``project`` on the engine."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="blockers"
    )
    ticket = models.OneToOneField(
        "tickets.Ticket", verbose_name=_("工单"), on_delete=models.PROTECT, related_name="+"
    )
    report = models.ForeignKey(
        MonthlyReport,
        verbose_name=_("来源月报"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="blockers",
    )
    state = models.CharField(_("工单状态"), max_length=20)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提出人"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    raised_at = models.DateTimeField(_("提出时间"))
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        ordering = ["project", "-raised_at"]
        verbose_name = _("项目问题")
        verbose_name_plural = _("项目问题")
        indexes = [models.Index(fields=["project", "raised_at"], name="blocker_project_at")]

    def __str__(self) -> str:
        return f"{self.project} {self.ticket_id}"


# -- site-visit contests (观摩评比) ------------------------------------------------------------


class ContestState(models.TextChoices):
    OPEN = "open", _("评分中")
    CLOSED = "closed", _("已截止")
    PUBLISHED = "published", _("已发布")


class Grouping(models.TextChoices):
    """How entrants are ranked: units by their kind (streets with streets, departments with
    departments; projects by the kind of their responsible unit), or all in one list."""

    KIND = "kind", _("按类别分组（街道与街道比、部门与部门比）")
    SINGLE = "single", _("统一排名")


class Contest(models.Model):
    district = models.ForeignKey(
        "org.Unit", verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("名称"), max_length=100)
    season = models.CharField(_("主题"), max_length=30, blank=True)
    state = models.CharField(_("状态"), max_length=16, choices=ContestState.choices)
    drop_extremes = models.BooleanField(_("去掉最高分和最低分"), default=False)
    grouping = models.CharField(
        _("分组"), max_length=16, choices=Grouping.choices, default=Grouping.KIND
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"))
    closed_at = models.DateTimeField(_("截止时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    # An API caller's Idempotency-Key and the digest of the request that used it.
    idempotency_key = models.CharField(_("幂等键"), max_length=100, blank=True, default="")
    request_digest = models.CharField(_("请求摘要"), max_length=64, blank=True, default="")

    class Meta:
        ordering = ["district", "-created_at"]
        verbose_name = _("观摩评比")
        verbose_name_plural = _("观摩评比")
        indexes = [models.Index(fields=["district", "created_at"], name="contest_district_at")]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="contest_idempotency_key",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Criterion(models.Model):
    contest = models.ForeignKey(
        Contest, verbose_name=_("评比"), on_delete=models.CASCADE, related_name="criteria"
    )
    name = models.CharField(_("评分项"), max_length=30)
    weight = models.DecimalField(_("权重(%)"), max_digits=5, decimal_places=2)

    class Meta:
        ordering = ["contest", "id"]
        verbose_name = _("评分项")
        verbose_name_plural = _("评分项")

    def __str__(self) -> str:
        return self.name


class Entrant(models.Model):
    """A project or a unit taking part; ranked within its group (街道 / 部门 / 项目)."""

    contest = models.ForeignKey(
        Contest, verbose_name=_("评比"), on_delete=models.CASCADE, related_name="entrants"
    )
    project = models.ForeignKey(
        Project,
        verbose_name=_("项目"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("名称"), max_length=200)
    group = models.CharField(_("分组"), max_length=30)

    class Meta:
        ordering = ["contest", "group", "id"]
        verbose_name = _("参评对象")
        verbose_name_plural = _("参评对象")

    def __str__(self) -> str:
        return self.name


class Judge(models.Model):
    contest = models.ForeignKey(
        Contest, verbose_name=_("评比"), on_delete=models.CASCADE, related_name="judges"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评委"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("评委")
        verbose_name_plural = _("评委")
        constraints = [models.UniqueConstraint(fields=["contest", "user"], name="judge_unique")]

    def __str__(self) -> str:
        return str(self.user)


class Score(models.Model):
    """One judge's score of one entrant on one criterion (0–100), under the judge's name."""

    contest = models.ForeignKey(
        Contest, verbose_name=_("评比"), on_delete=models.CASCADE, related_name="scores"
    )
    entrant = models.ForeignKey(
        Entrant, verbose_name=_("参评对象"), on_delete=models.CASCADE, related_name="scores"
    )
    judge = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("评委"), on_delete=models.PROTECT, related_name="+"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name=_("评分项"), on_delete=models.CASCADE, related_name="scores"
    )
    value = models.DecimalField(_("得分"), max_digits=5, decimal_places=2)
    scored_at = models.DateTimeField(_("评分时间"))

    class Meta:
        verbose_name = _("评分")
        verbose_name_plural = _("评分")
        constraints = [
            models.UniqueConstraint(fields=["entrant", "judge", "criterion"], name="score_unique")
        ]
        indexes = [models.Index(fields=["contest", "entrant"], name="score_contest_entrant")]

    def __str__(self) -> str:
        return f"{self.entrant} {self.judge} {self.criterion}"


class ContestEvent(models.Model):
    """The contest's history: set-up, edits, each judge's scoring, the close and publication."""

    contest = models.ForeignKey(
        Contest, verbose_name=_("评比"), on_delete=models.CASCADE, related_name="events"
    )
    type = models.CharField(_("类型"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"))
    message = models.CharField(_("说明"), max_length=500)
    payload = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        ordering = ["contest", "at", "id"]
        verbose_name = _("评比动态")
        verbose_name_plural = _("评比动态")
        indexes = [models.Index(fields=["contest", "at"], name="contest_event_at")]

    def __str__(self) -> str:
        return self.message
