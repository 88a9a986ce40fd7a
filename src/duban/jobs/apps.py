from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "duban.jobs"
    label = "jobs"
    verbose_name = _("定时任务")

    def ready(self) -> None:
        # django-q2's raw broker queue (OrmQ) is its internal bookkeeping, with untranslatable
        # column names; the admin keeps its schedules, successes and failures.
        from django.contrib import admin
        from django_q.models import OrmQ

        if admin.site.is_registered(OrmQ):
            admin.site.unregister(OrmQ)
