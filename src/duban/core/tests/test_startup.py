"""An app server process imports every view at start-up and freezes what start-up made,
so the collector never walks the libraries' objects inside a request."""

from __future__ import annotations

import os
import subprocess
import sys

PROBE = """
import gc, sys
import duban.wsgi
frozen = gc.get_freeze_count()
print(frozen, "duban.web.views" in sys.modules, "openpyxl" in sys.modules, len(gc.get_objects()))
"""


def test_the_wsgi_module_imports_the_views_and_freezes_the_start_up_objects(tmp_path):
    env = {**os.environ, "DUBAN_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "duban.settings"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    frozen, views, openpyxl, tracked = int(out[0]), out[1], out[2], int(out[3])
    assert views == "True" and openpyxl == "True"  # imported before the first request
    assert frozen > 50_000  # Django, the apps and the libraries they import
    assert tracked < 1_000  # what the collector still walks
