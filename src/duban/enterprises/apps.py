from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "duban.enterprises"
    label = "enterprises"
    verbose_name = _("万人助万企")
