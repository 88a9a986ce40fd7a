from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "duban.projects"
    label = "projects"
    verbose_name = _("项目为王")

    def ready(self) -> None:
        from duban.org.roles import CENTRE_ROLES, PROJECT_OFFICE_ROLES, Role
        from duban.tickets import modules
        from duban.tickets.choices import Kind

        from .services_blockers import project_ticket_changed

        # A blocker is a ticket of kind ``project``: the reporter, the lead official and the
        # project office raise it; the centre dispatches it; the owner (its caller) rates it.
        modules.register(
            modules.TicketModule(
                kind=Kind.PROJECT,
                label="项目问题",
                register_roles=CENTRE_ROLES
                | PROJECT_OFFICE_ROLES
                | {Role.PROJECT_REPORTER, Role.LEADER},
                raters=frozenset({modules.Rater.CALLER}),
                sla_defaults={"": {"handle_within": "10wd", "extension_max": "10wd"}},
                on_transition=project_ticket_changed,
            )
        )
