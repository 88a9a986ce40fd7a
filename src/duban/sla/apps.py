from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "duban.sla"
    label = "sla"
