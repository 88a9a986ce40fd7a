from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "duban.inspections"
    label = "inspections"
    verbose_name = _("督查检查")

    def ready(self) -> None:
        from duban.org.roles import CENTRE_ROLES, INSPECTION_OFFICE_ROLES, INSPECTOR_ROLES, Role
        from duban.tickets import modules
        from duban.tickets.choices import Kind

        from .services import finding_ticket_changed

        modules.register(
            modules.TicketModule(
                kind=Kind.INSPECTION,
                label="督查问题",
                register_roles=CENTRE_ROLES
                | INSPECTOR_ROLES
                | INSPECTION_OFFICE_ROLES
                | {Role.SUPERVISOR},
                raters=frozenset({modules.Rater.INSPECTOR}),
                # 限时整改: five working days to rectify, at most five more on request.
                sla_defaults={"": {"handle_within": "5wd", "extension_max": "5wd"}},
                on_transition=finding_ticket_changed,
            )
        )
