from django.contrib import admin
from django.urls import include, path

from duban.api.api import api, unknown_endpoint

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/v1/<path:rest>", unknown_endpoint),
    path("tickets/", include("duban.tickets.urls")),
    path("metrics/", include("duban.metrics.urls")),
    path("portal/", include("duban.portal.urls")),
    path("notices/", include("duban.notifications.urls")),
    path("indicators/", include("duban.indicators.urls")),
    path("enterprises/", include("duban.enterprises.urls")),
    path("projects/", include("duban.projects.urls")),
    path("inspections/", include("duban.inspections.urls")),
    path("", include("duban.web.urls")),
]
