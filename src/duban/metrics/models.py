"""Configurable weights of the figures (one row; defaults from PRODUCT.md)."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class MetricSettings(models.Model):
    response_weight = models.DecimalField(
        _("响应率权重"), max_digits=4, decimal_places=2, default=Decimal("0.30")
    )
    resolution_weight = models.DecimalField(
        _("解决率权重"), max_digits=4, decimal_places=2, default=Decimal("0.35")
    )
    satisfaction_weight = models.DecimalField(
        _("满意率权重"), max_digits=4, decimal_places=2, default=Decimal("0.35")
    )
    # Weight of 基本满意 in the satisfaction rate (满意 counts 1).
    basic_satisfied_weight = models.DecimalField(
        _("基本满意折算"), max_digits=4, decimal_places=2, default=Decimal("1.00")
    )
    min_volume = models.PositiveIntegerField(_("参与排名最少工单数"), default=10)
    top_n = models.PositiveSmallIntegerField(_("榜单数量"), default=3)
    # The monthly circular (月度通报): who issues it and the prefix of its number (文号).
    circular_issuer = models.CharField(
        _("通报发文机关"),
        max_length=100,
        blank=True,
        help_text=_("留空则为“区名称 + 12345热线服务中心”。"),
    )
    circular_number_prefix = models.CharField(
        _("通报文号前缀"),
        max_length=30,
        blank=True,
        help_text=_(
            "文号为“前缀〔年份〕月份号”，如“示范区督〔2026〕11号”；留空则为区的简称（第一个别名，"
            "没有别名时为区名称）加“督”。"
        ),
    )

    class Meta:
        verbose_name = _("考核设置")
        verbose_name_plural = _("考核设置")

    def __str__(self) -> str:
        return "考核设置"


class RollupPeriod(models.Model):
    """When the monthly rollup of one month was last computed (one row per month)."""

    period = models.CharField(_("统计月份"), max_length=7, primary_key=True)  # "YYYY-MM"
    # The moment the month's rows were aggregated; the time-dependent counts (accept
    # deadline passed, overdue) are as of this moment.
    computed_at = models.DateTimeField(_("统计时间"))
    rows = models.PositiveIntegerField(_("汇总行数"), default=0)
    # Set when a write changed the month's figures in a way the time to live would not
    # catch soon enough (an approved exemption, 核减, of a ticket dispatched in the month):
    # the tick or the next reader recomputes it, whatever its age.
    stale = models.BooleanField(_("待重新汇总"), default=False)
    # The moment the month's heat by place (``PlaceRollup``) was counted: with the month's
    # other rows for an older month, at most every ``PLACES_TTL`` for a recent one (the
    # heat is most of a rebuild's time and moves slowly; ``metrics.services``). None: not
    # counted yet.
    places_at = models.DateTimeField(_("热力统计时间"), null=True, blank=True)
    # The moment a recent month's rows and its tickets' parts (``RollupEntry``) were last
    # rebuilt whole; between two such rebuilds the tick advances the month from its
    # tickets' changes (``metrics.services_recent``). None: the month has no parts (an
    # older month, or one not rebuilt since it became recent).
    entries_at = models.DateTimeField(_("明细重建时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("月度汇总批次")
        verbose_name_plural = _("月度汇总批次")

    def __str__(self) -> str:
        return f"{self.period} @ {self.computed_at:%Y-%m-%d %H:%M}"


class RollupChange(models.Model):
    """A ticket dispatched in the month changed after the month's rollup was computed.

    For an older month (before the previous one) the tick rebuilds the month within
    ``OLDER_TTL`` instead of at the daily rebuild; for a recent month the tick recounts
    the ticket's part in the month's figures (``metrics.services``, ``on_ticket_event``).

    Rows of their own rather than a flag on ``RollupPeriod``: a write never waits for a
    rebuild that holds the month's ``RollupPeriod`` row (seconds at a city's volume). One
    row per write; a rebuild deletes the rows it read before aggregating, so a change
    committed during the rebuild stays for the next one.
    """

    period = models.CharField(_("统计月份"), max_length=7, db_index=True)
    at = models.DateTimeField(_("变更时间"))
    # The ticket written to (None: a change noted for the month as a whole).
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("工单"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )

    class Meta:
        verbose_name = _("月度汇总待更新记录")
        verbose_name_plural = _("月度汇总待更新记录")

    def __str__(self) -> str:
        return f"{self.period} @ {self.at:%Y-%m-%d %H:%M}"


class RollupCounts(models.Model):
    """The figures' raw counts that the rollup sums: a month's row (``MonthlyRollup``) and
    one ticket's part in it (``RollupEntry``) hold the same columns."""

    dispatched = models.PositiveIntegerField(default=0)
    due_for_response = models.PositiveIntegerField(default=0)
    responded_in_time = models.PositiveIntegerField(default=0)
    rated = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    basic_satisfied = models.PositiveIntegerField(default=0)
    replied = models.PositiveIntegerField(default=0)
    replied_on_time = models.PositiveIntegerField(default=0)
    closed_or_rated = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    overdue_count = models.PositiveIntegerField(default=0)
    # Tickets taken out of the counts above by an approved exemption (核减).
    exempted = models.PositiveIntegerField(default=0)
    handling_hours_sum = models.FloatField(default=0.0)
    handling_count = models.PositiveIntegerField(default=0)
    primary_assignments = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class MonthlyRollup(RollupCounts):
    """The figures' raw counts of one month × primary unit × level-1 category.

    Derived data, rebuilt a month at a time by ``metrics.services.refresh_period`` from
    the same SQL expressions as the live figures (``expressions.ticket_counts``); the
    dashboard sums these few hundred rows instead of aggregating a year of tickets.
    Ticket counts are over tickets of this district dispatched in the month with this
    primary unit;
    ``primary_assignments``/``returned`` over primary assignments made in the month
    to this unit (as in ``selectors``).
    """

    period = models.CharField(max_length=7)
    # The tickets' district (``Ticket.district``): every reader sums its own district's rows.
    district = models.ForeignKey(
        "org.Unit", null=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    unit = models.ForeignKey(
        "org.Unit", null=True, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    category = models.ForeignKey(
        "tickets.Category",
        null=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
    )

    class Meta:
        verbose_name = _("月度汇总")
        verbose_name_plural = _("月度汇总")
        indexes = [
            models.Index(fields=["period", "unit"], name="rollup_period_unit"),
            models.Index(fields=["unit", "period"], name="rollup_unit_period"),
            models.Index(fields=["district", "period"], name="rollup_district_period"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.period} district={self.district_id} unit={self.unit_id} "
            f"category={self.category_id}"
        )


class PlaceRollup(models.Model):
    """The heat by place (诉求热力) of one month: a street's or a village's/community's
    counts over its district's tickets dispatched in the month, as
    ``selectors_places.place_heat`` counts them for a district-wide reader.

    Derived data, recounted by ``metrics.services.refresh_periods`` (as of
    ``RollupPeriod.places_at``: with the month's ``MonthlyRollup`` rows, for a recent month
    at most every ``PLACES_TTL``): the dashboard reads a few dozen rows instead of testing
    every place's names against every ticket of the month.
    """

    period = models.CharField(max_length=7)
    district = models.ForeignKey(
        "org.Unit", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    place = models.ForeignKey(
        "org.Unit", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    routed = models.PositiveIntegerField(default=0)  # primary/handling unit at or below it
    named = models.PositiveIntegerField(default=0)  # location names it, not routed to it

    class Meta:
        verbose_name = _("诉求热力汇总")
        verbose_name_plural = _("诉求热力汇总")
        indexes = [
            models.Index(fields=["district", "period"], name="placerollup_district_period"),
        ]

    def __str__(self) -> str:
        return f"{self.period} place={self.place_id} {self.routed}+{self.named}"


def _part_key(to: str) -> models.ForeignKey:  # type: ignore[type-arg]
    return models.ForeignKey(
        to,
        null=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )


class RollupEntry(RollupCounts):
    """One ticket's part in a recent month's rollup: what it adds to one ``MonthlyRollup``
    row (its own category here, the row's level-1 category there).

    A ticket has up to one part for itself (the month it was dispatched in, its primary
    unit) and one per month and unit of its primary assignments. Kept for the current and
    the previous month only, rebuilt with their rows once a day
    (``metrics.services_recent``): between two rebuilds the tick recounts the parts of the
    tickets written to or whose deadline passed, and adds the difference to the rows,
    instead of aggregating the two months' tickets every few minutes.
    """

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False
    )
    # No index: the table holds the two recent months only, and is read by month only to
    # rebuild a month whole (a scan of at most twice the month's parts).
    period = models.CharField(max_length=7)
    # Nor on the row's keys: the parts are read by ticket (the recount) and by month.
    district = _part_key("org.Unit")
    unit = _part_key("org.Unit")
    category = _part_key("tickets.Category")

    class Meta:
        verbose_name = _("月度汇总明细")
        verbose_name_plural = _("月度汇总明细")

    def __str__(self) -> str:
        return f"{self.period} ticket={self.ticket_id} unit={self.unit_id}"
