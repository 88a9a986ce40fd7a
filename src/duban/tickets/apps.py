from django.apps import AppConfig


class TicketsConfig(AppConfig):
    name = "duban.tickets"
    label = "tickets"
