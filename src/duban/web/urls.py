from django.urls import path

from . import desks, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("desk/", views.no_desk, name="no_desk"),
    path("desk/intake/", desks.intake, name="intake"),
    path("desk/inbox/", desks.inbox, name="inbox"),
    path("desk/centre/", desks.centre, name="centre"),
    path("desk/supervision/", desks.supervision, name="supervision"),
    path("desk/circular/", desks.circular, name="circular"),
]
