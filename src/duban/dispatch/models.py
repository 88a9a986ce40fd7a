"""The three-level category catalogue used for dispatch."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    """A node of the three-level catalogue (e.g. 城乡建设 › 住房保障 › 公租房).

    ``default_unit`` is where tickets of the category go; ``territorial`` categories
    go instead to the street/town whose place names appear in the appeal (属地).
    """

    name = models.CharField(_("名称"), max_length=100)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    level = models.PositiveSmallIntegerField(_("层级"), default=1)
    full_name = models.CharField(_("完整名称"), max_length=320, unique=True)
    default_unit = models.ForeignKey(
        "org.Unit", verbose_name=_("默认承办单位"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="default_categories",
    )
    territorial = models.BooleanField(_("属地派单"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("分类")
        verbose_name_plural = _("分类目录")

    def __str__(self) -> str:
        return self.full_name
