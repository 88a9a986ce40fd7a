from django.urls import path  # noqa: F401

app_name = "enterprises"

urlpatterns: list = []
