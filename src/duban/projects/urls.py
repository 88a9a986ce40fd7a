from django.urls import path

from . import views

app_name = "projects"

urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("export.xlsx", views.ledger_export, name="export"),
    path("import/", views.ledger_import, name="import"),
    path("dispatch/", views.dispatch_desk, name="dispatch"),
    path("reports/<int:pk>/review/", views.report_review, name="review"),
    path("photos/<int:pk>/", views.report_photo, name="photo"),
    path("report/", views.report_form, name="report"),
    path("mine/", views.my_projects, name="mine"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("boards/", views.boards, name="boards"),
    path("bulletin/", views.bulletin, name="bulletin"),
    path("contests/", views.contest_list, name="contests"),
    path("contests/new/", views.contest_new, name="contest_new"),
    path("contests/<int:pk>/", views.contest_page, name="contest"),
    path("contests/<int:pk>/edit/", views.contest_edit, name="contest_edit"),
    path("contests/<int:pk>/score/", views.contest_score_view, name="contest_score"),
    path("contests/<int:pk>/state/", views.contest_state, name="contest_state"),
    path("contests/<int:pk>/export.xlsx", views.contest_export, name="contest_export"),
    path("p/<str:code>/", views.project_page, name="project"),
    path("p/<str:code>/stage/", views.project_stage, name="stage"),
    path("p/<str:code>/blockers/", views.project_blocker, name="blocker"),
]
