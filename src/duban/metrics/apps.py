from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "duban.metrics"
    label = "metrics"
