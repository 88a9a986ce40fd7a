from django.urls import path

from . import views, views_public

app_name = "enterprises"

urlpatterns = [
    path("", views.ledger, name="ledger"),
    path("export.xlsx", views.ledger_export, name="export"),
    path("import/", views.ledger_import, name="import"),
    path("desk/", views.desk, name="desk"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("report/<str:kind>/", views.report, name="report"),
    path("steps/", views.steps, name="steps"),
    path("steps/<int:pk>/<str:action>/", views.step_action, name="step_action"),
    path("<int:pk>/", views.enterprise, name="enterprise"),
    path("<int:pk>/visit/", views.visit_create, name="visit"),
    path("<int:pk>/problem/", views.problem_create, name="problem"),
    path("<int:pk>/case/", views.case_create, name="case"),
    path("<int:pk>/invite/", views.invite, name="invite"),
    path("problems/<int:pk>/whistle/", views.problem_whistle, name="whistle"),
    path("problems/<int:pk>/escalate/", views.problem_escalate, name="escalate"),
    # the enterprise's own pages (no staff account)
    path("e/", views_public.home, name="e_home"),
    path("e/login/", views_public.login, name="e_login"),
    path("e/logout/", views_public.logout, name="e_logout"),
    path("e/invite/<str:token>/", views_public.invitation, name="e_invite"),
    path("e/problem/", views_public.problem_raise, name="e_problem"),
    path("e/case/", views_public.case_request, name="e_case"),
    path("e/problems/<int:pk>/confirm/", views_public.problem_confirm, name="e_confirm"),
    path("e/cases/<int:pk>/rate/", views_public.case_rate, name="e_rate"),
]
