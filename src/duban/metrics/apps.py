from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    name = "duban.metrics"
    label = "metrics"
    verbose_name = _("考核统计")

    def ready(self) -> None:
        # Explicit registration with the ticket engine (not a signal): an approved
        # exemption marks its month's rollup stale inside the approval's transaction.
        from duban.tickets import modules

        from .services import on_ticket_event

        modules.observe(on_ticket_event)
        # A history import marks the months it wrote stale (tickets.importing.hooks).
        from duban.tickets.importing import hooks

        from .services import on_tickets_imported

        hooks.observe(on_tickets_imported)
