from django.urls import path

from . import views

app_name = "inspections"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("checklists/", views.checklists, name="checklists"),
    path("checklists/<slug:code>/export.xlsx", views.checklist_export, name="checklist_export"),
    path("sites/", views.sites, name="sites"),
    path("rounds/", views.rounds, name="rounds"),
    path("m/", views.phone_list, name="phone"),
    path("m/<int:pk>/", views.phone_check, name="phone_check"),
    path("m/done/<int:pk>/", views.phone_done, name="phone_done"),
    path("desk/", views.desk, name="desk"),
    path("findings/<int:pk>/", views.finding, name="finding"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("rankings/", views.rankings, name="rankings"),
    path("report/", views.report, name="report"),
]
