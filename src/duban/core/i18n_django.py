"""Strings Django 5.2's admin shows that Django's own zh_Hans catalogue does not translate
(they are newer than its translations), and those of django-q2's admin (the job worker's
pages under 后台任务), which ships no zh-hans catalogue at all.

Marked here so that ``duban makemessages -l zh_Hans`` keeps them in duban's catalogue
(``src/duban/locale/zh_Hans/LC_MESSAGES/django.po``), where their Chinese is; our
catalogue comes first in ``LOCALE_PATHS``. Drop a line once Django ships its translation.
"""

from django.utils.translation import gettext_noop

DJANGO_ADMIN_STRINGS = (
    # admin/app_list.html: the (screen-reader) column heads of every app's model table.
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    # admin/login.html and admin/auth/user/*.html
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop("In case you’ve forgotten, you are:"),
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop("Enable password-based authentication"),
    gettext_noop("Error:"),
)

DJANGO_Q_ADMIN_STRINGS = (
    # django_q/admin.py and models.py: the column and field names of its pages.
    gettext_noop("Cluster"),
    gettext_noop("Group"),
    gettext_noop("Cron"),
    gettext_noop("key"),
)
