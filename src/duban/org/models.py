"""Units (the org tree) and the people who work in them."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from duban.core.crypto import EncryptedTextField

from .roles import DISTRICT_WIDE_ROLES, PERSONAL_DATA_ROLES, Role


class UnitKind(models.TextChoices):
    DISTRICT = "district", _("区/示范区")
    CENTRE = "centre", _("服务中心")
    DEPARTMENT = "department", _("部门")
    STREET = "street", _("街道/镇")
    COMMUNITY = "community", _("社区/村")
    GRID = "grid", _("网格")


def path_segment(pk: int) -> str:
    """A unit's own part of the materialised path: its zero-padded id and a slash."""
    return f"{pk:06d}/"


class UnitQuerySet(models.QuerySet["Unit"]):
    def subtree(self, root: Unit) -> UnitQuerySet:
        """Units at or below ``root`` (materialised-path prefix match, index friendly)."""
        return self.filter(path__startswith=root.path)

    def in_district(self, district_pk: int) -> UnitQuerySet:
        """The units of the district whose root unit has this id (``User.district_pk``)."""
        return self.filter(path__startswith=path_segment(district_pk))

    def active(self) -> UnitQuerySet:
        return self.filter(is_active=True)


class Unit(models.Model):
    """A node of the district's org tree.

    ``path`` is a materialised path of zero-padded ids ("000001/000004/") so that
    "this unit and everything below it" is a single indexed prefix scan.
    """

    code = models.SlugField(_("编码"), max_length=64, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("路径"), max_length=255, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(_("层级"), default=0, editable=False)
    # Place names used for territorial (属地) routing: villages, communities, roads.
    place_names = models.JSONField(_("地名"), default=list, blank=True)
    aliases = models.JSONField(_("别名"), default=list, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("单位")
        verbose_name_plural = _("单位")

    def __str__(self) -> str:
        return self.name

    def is_within(self, root: Unit) -> bool:
        return self.path.startswith(root.path)

    @property
    def district_path(self) -> str:
        return self.path.split("/", 1)[0] + "/"

    @property
    def district_pk(self) -> int:
        """The id of the district (the root of this unit's tree), read off the path."""
        return int(self.path.split("/", 1)[0])


def pack_roles(roles: object) -> str:
    """``User.extra_roles`` as stored: ",a,b," (so ``__contains=",a,"`` finds a role on any
    database, without a join)."""
    codes = sorted({str(r) for r in roles})  # type: ignore[attr-defined]
    return f",{','.join(codes)}," if codes else ""


class UserQuerySet(models.QuerySet["User"]):
    def with_role(self, role: str) -> UserQuerySet:
        """Users holding ``role``, as their primary role or as an extra one."""
        return self.filter(models.Q(role=role) | models.Q(extra_roles__contains=f",{role},"))


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.HANDLER)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    phone = models.CharField(_("电话"), max_length=20, blank=True)
    # Further roles beside ``role`` (one account per person), stored by ``pack_roles``.
    extra_roles = models.CharField(_("兼任角色"), max_length=200, blank=True, default="")
    # Optional second factor (TOTP, RFC 6238) for administrators and leaders: the secret is
    # encrypted at rest; the factor is on once a first code confirmed it (org.services_logins).
    totp_secret = EncryptedTextField(_("动态口令密钥"), blank=True, default="", editable=False)
    totp_confirmed_at = models.DateTimeField(_("动态口令启用时间"), null=True, blank=True)

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def roles(self) -> frozenset[str]:
        """The primary role and every extra one."""
        extra = [r for r in self.extra_roles.split(",") if r]
        return frozenset([self.role, *extra])

    def has_role(self, group: object) -> bool:
        """Whether the user holds any role of ``group`` (a role code or a set of them)."""
        if isinstance(group, str):
            return group in self.roles
        return not self.roles.isdisjoint(group)  # type: ignore[arg-type]

    @property
    def scope_path(self) -> str | None:
        """Materialised-path prefix of everything this user may see; None means nothing."""
        if self.unit_id is None:
            return None
        unit = self.unit
        assert unit is not None
        if self.has_role(DISTRICT_WIDE_ROLES):
            return unit.district_path
        return unit.path

    @property
    def district_pk(self) -> int | None:
        """The id of the user's district (the root of their unit's tree); None without a unit."""
        return self.unit.district_pk if self.unit is not None else None

    def can_see_unit(self, unit: Unit | None) -> bool:
        scope = self.scope_path
        return bool(scope and unit is not None and unit.path.startswith(scope))

    @property
    def has_second_factor(self) -> bool:
        return self.totp_confirmed_at is not None and bool(self.totp_secret)

    @property
    def sees_personal_data(self) -> bool:
        return self.has_role(PERSONAL_DATA_ROLES)


class ApiToken(models.Model):
    """A bearer token for integrations. Only a SHA-256 digest of the secret is stored."""

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("用途"), max_length=100, blank=True)
    prefix = models.CharField(_("令牌前缀"), max_length=12, db_index=True)
    digest = models.CharField(_("摘要"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("创建时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    # None: never expires (tokens created before expiry existed); new tokens always expire.
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class LoginOutcome(models.TextChoices):
    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("密码错误")
    SECOND_FACTOR = "second_factor", _("动态口令错误")
    LOCKED = "locked", _("已锁定，拒绝")


class LoginAttempt(models.Model):
    """One sign-in attempt on the pages or the admin: the audit behind throttling.

    Counted per account (``username`` as typed, lower-cased) and per client ``address`` over
    a recent window (``org.selectors_logins.login_refusal``), so every app server sees the
    same counts.
    """

    username = models.CharField(_("用户名"), max_length=150)
    address = models.CharField(_("来源地址"), max_length=45)
    user = models.ForeignKey(
        User,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="login_attempts",
    )
    outcome = models.CharField(_("结果"), max_length=16, choices=LoginOutcome.choices)
    path = models.CharField(_("登录入口"), max_length=50, blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("登录记录")
        verbose_name_plural = _("登录记录")
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["username", "at"], name="login_attempt_user_at"),
            models.Index(fields=["address", "at"], name="login_attempt_address_at"),
            models.Index(fields=["at"], name="login_attempt_at"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.get_outcome_display()} {self.at:%Y-%m-%d %H:%M}"
