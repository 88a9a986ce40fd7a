from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "duban.dispatch"
    label = "dispatch"
    verbose_name = _("智能派单")

    def ready(self) -> None:
        # Explicit registration with the ticket engine's intelligence port (not a signal):
        # intake asks it for suggestions, the reply service for the reply check.
        from duban.tickets import intelligence

        from .intelligence import DispatchIntelligence

        intelligence.install(DispatchIntelligence())
