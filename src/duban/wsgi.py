import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
application = get_wsgi_application()

from duban.core.startup import warm_up  # noqa: E402 - needs the apps loaded above

warm_up()
