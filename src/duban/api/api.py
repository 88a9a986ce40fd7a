"""The NinjaAPI instance served at ``/api/v1/`` (OpenAPI at ``openapi.json``, docs at ``docs``).

Callers authenticate with ``Authorization: Bearer dbn_…`` (integrations) or the
Django session (pages; CSRF enforced on unsafe methods). Swagger UI is served from
ninja's bundled static files, never from a CDN.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from ninja import NinjaAPI, Swagger

from duban.core import api_errors
from duban.dispatch.api import router as dispatch_router
from duban.enterprises.api import router as enterprises_router
from duban.indicators.api import router as indicators_router
from duban.inspections.api import router as inspections_router
from duban.metrics.api import router as metrics_router
from duban.notifications.api import router as notifications_router
from duban.org.api import router as org_router
from duban.org.auth import BearerAuth, SessionAuth
from duban.projects.api import router as projects_router
from duban.tickets.api import router as tickets_router
from duban.tickets.api_actions import router as actions_router
from duban.tickets.api_attachments import router as attachments_router

api = NinjaAPI(
    title="督办 duban API",
    version="1",
    description="12345 工单、单位与指标 / tickets, units and figures. "
    "Errors are JSON `{code, message, details}` with a stable `code`.",
    auth=[BearerAuth(), SessionAuth()],
    docs=Swagger(),
    urls_namespace="api-v1",
)
api_errors.install(api)

api.add_router("", tickets_router)
api.add_router("", actions_router)
api.add_router("", attachments_router)
api.add_router("", org_router)
api.add_router("", metrics_router)
api.add_router("", dispatch_router)
api.add_router("", notifications_router)
api.add_router("", indicators_router)
api.add_router("", enterprises_router)
api.add_router("", projects_router)
api.add_router("", inspections_router)


def unknown_endpoint(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Any other path under ``/api/v1/`` answers a JSON 404, like the endpoints do."""
    return JsonResponse(api_errors.error_body("not_found"), status=404)
