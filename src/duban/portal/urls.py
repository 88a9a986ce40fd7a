from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("submit/", views.submit, name="submit"),
    path("submitted/<str:token>/", views.submitted, name="submitted"),
    path("track/", views.track, name="track"),
    path("rate/", views.rate, name="rate"),
]
