from django.urls import path

from . import views, views_import

app_name = "indicators"

urlpatterns = [
    path("", views.table_page, name="table"),
    path("export/table.xlsx", views.table_export, name="export_table"),
    path("indicator/<str:code>/", views.indicator_page, name="indicator"),
    path("area/<str:code>/", views.area_page, name="area"),
    path("report/", views.report_page, name="report"),
    path("import/", views_import.import_page, name="import"),
    path("import/commit/", views_import.import_commit_view, name="import_commit"),
    path("releases/<str:period>/<str:step>/", views_import.release_step, name="release_step"),
]
