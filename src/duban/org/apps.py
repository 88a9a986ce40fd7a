from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "duban.org"
    label = "org"
