from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EnterprisesConfig(AppConfig):
    name = "duban.enterprises"
    label = "enterprises"
    verbose_name = _("万人助万企")

    def ready(self) -> None:
        from duban.org.roles import CENTRE_ROLES, SERVICE_OFFICER_ROLES
        from duban.tickets import modules
        from duban.tickets.choices import Kind

        from .services_problems import problem_ticket_changed

        modules.register(
            modules.TicketModule(
                kind=Kind.ENTERPRISE,
                label="企业诉求",
                register_roles=CENTRE_ROLES | SERVICE_OFFICER_ROLES,
                raters=frozenset({modules.Rater.ENTERPRISE}),
                sla_defaults={"": {"handle_within": "10wd", "extension_max": "10wd"}},
                on_transition=problem_ticket_changed,
            )
        )
