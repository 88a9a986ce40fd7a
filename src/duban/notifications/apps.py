from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "duban.notifications"
    label = "notifications"
    verbose_name = _("消息通知")

    def ready(self) -> None:
        # Explicit registration with the ticket engine (not a signal): the engine calls the
        # observer inside every event's transaction, so a rolled-back transition leaves no
        # notice and no queued SMS.
        from duban.tickets import modules

        from .services import on_ticket_event

        modules.observe(on_ticket_event)
