"""The HTTP API (django-ninja) at ``/api/v1/``: one NinjaAPI, its auth and error handlers."""
