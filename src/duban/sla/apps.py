from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "duban.sla"
    label = "sla"
    verbose_name = _("时限与工作日历")
