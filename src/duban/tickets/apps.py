from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "duban.tickets"
    label = "tickets"
    verbose_name = _("工单")

    def ready(self) -> None:
        # Explicit registration with the org app's port (not a signal): a unit with open
        # tickets or categories routed to it is not deactivated.
        from duban.org.services import register_deactivation_check

        from .selectors_units import unit_open_work_refusal

        register_deactivation_check(unit_open_work_refusal)
