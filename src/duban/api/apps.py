from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "duban.api"
    verbose_name = "API"
