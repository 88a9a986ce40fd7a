from django.urls import path

from . import views

app_name = "metrics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("rankings/", views.ranking_page, name="rankings"),
    path("export/figures.xlsx", views.export_figures, name="export_figures"),
    path("export/rankings.xlsx", views.export_ranking, name="export_ranking"),
]
