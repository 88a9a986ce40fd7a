from django.contrib import admin
from django.urls import path

from duban.api.api import api, unknown_endpoint

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/v1/<path:rest>", unknown_endpoint),
]
