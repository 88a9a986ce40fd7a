from django.urls import path

from . import views, views_exports, views_panels, views_report

app_name = "metrics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("hotspots/", views_panels.hotspot_panel, name="hotspots"),
    path("rankings/", views.ranking_page, name="rankings"),
    path("rankings/explain/", views.ranking_explain, name="explain"),
    path("report/", views_report.report_page, name="report"),
    path("report/hotspots/", views_report.report_hotspots, name="report_hotspots"),
    path("export/figures.xlsx", views.export_figures, name="export_figures"),
    path("export/rankings.xlsx", views.export_ranking, name="export_ranking"),
    path("export/places.xlsx", views_exports.export_places, name="export_places"),
    path("export/hotspots.xlsx", views_exports.export_hotspots, name="export_hotspots"),
]
