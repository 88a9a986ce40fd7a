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

        from .services_problems import problem_ticket_changed, problem_ticket_served

        modules.register(
            modules.TicketModule(
                kind=Kind.ENTERPRISE,
                label="企业诉求",
                register_roles=CENTRE_ROLES | SERVICE_OFFICER_ROLES,
                raters=frozenset({modules.Rater.ENTERPRISE}),
                sla_defaults={"": {"handle_within": "10wd", "extension_max": "10wd"}},
                on_transition=problem_ticket_changed,
                # 园区吹哨，部门报到: a chief service officer sends the problems of the
                # enterprises she serves to several departments at once, as she raises them
                # or later (``services_problems.problem_whistle``).
                extra_rules={
                    "dispatch": modules.Grant(
                        roles=SERVICE_OFFICER_ROLES,
                        scope=problem_ticket_served,
                        refusal="该企业不由您服务，无权派单 / not an enterprise you serve",
                    ),
                },
            )
        )
