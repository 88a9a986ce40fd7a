from django.urls import path

from . import account, bulk, circular_exports, desks, grid, health, intake, search, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("desk/", views.no_desk, name="no_desk"),
    path("desk/intake/", intake.desk, name="intake"),
    path("desk/intake/suggest/", intake.suggest, name="intake_suggest"),
    path("desk/intake/caller/", intake.caller, name="intake_caller"),
    path("desk/grid/", grid.grid, name="grid"),
    path("desk/grid/<str:number>/part/", grid.part, name="grid_part"),
    path("desk/inbox/", desks.inbox, name="inbox"),
    path("desk/centre/", desks.centre, name="centre"),
    path("desk/bulk/<slug:action>/", bulk.bulk, name="bulk"),
    path("desk/supervision/", desks.supervision, name="supervision"),
    path("desk/circular/", desks.circular, name="circular"),
    path("desk/circular/print/", circular_exports.circular_print, name="circular_print"),
    path("desk/circular/export.xlsx", circular_exports.circular_xlsx, name="circular_xlsx"),
    path("desk/circular/export.docx", circular_exports.circular_word, name="circular_docx"),
    path("search/", search.ticket_search, name="search"),
    path("account/second-factor/", account.second_factor, name="second_factor"),
    path("healthz", health.healthz, name="healthz"),
]
