from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "duban.dispatch"
    label = "dispatch"
