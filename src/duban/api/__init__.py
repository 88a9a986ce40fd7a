"""The HTTP API (django-ninja) at ``/api/v1/``: the NinjaAPI that assembles the apps' routers.

The apps own their routers (``<app>/api.py``); the callers' authentication is ``org.auth``,
the JSON error contract ``core.api_errors`` and the shared schemas ``core.schemas``.
"""
