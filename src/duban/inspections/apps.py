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

        from .services import VERIFIER_ROLES, finding_ticket_changed, finding_ticket_in_reach

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
                # 回头看: the verifier confirms (the engine's review and call-back close the
                # ticket) or rejects (the engine reopens it) the findings within their reach
                # (``services.finding_verify``), without holding the centre's roles.
                extra_rules={
                    action: modules.Grant(
                        roles=VERIFIER_ROLES,
                        scope=finding_ticket_in_reach,
                        refusal="督查员只能对本人督查轮次的问题回头看 / not a finding of your rounds",
                    )
                    for action in ("review_pass", "callback", "reopen")
                },
            )
        )
