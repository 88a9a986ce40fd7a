"""The dashboard's table of units: the template loop it replaced vs ``{% unit_figure_rows %}``.

    uv run --frozen --no-sync python bench/dashboard_rows.py [--units 400] [--repeat 30]

Renders the same rows both ways and prints the best of ``--repeat`` renders (the machine's
speed drifts, so the best is the comparable figure). No database needed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "src/duban/web/tests")]
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
os.environ.setdefault("DUBAN_VAR_DIR", "/tmp/duban-bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    import django

    Path(os.environ["DUBAN_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    django.setup()
    from django.template import engines
    from test_unit_figure_rows import TEMPLATE_LOOP, figure

    rows = [figure(unit_code=f"u{i}", label=f"单位{i}") for i in range(args.units)]
    context = {"rows": rows, "search_url": "/search/", "period": "2026-11"}
    django_engine = engines["django"]
    ways = {
        "template loop": django_engine.from_string(TEMPLATE_LOOP),
        "{% unit_figure_rows %}": django_engine.from_string(
            "{% load duban_web %}{% unit_figure_rows rows search_url period %}"
        ),
    }
    for name, template in ways.items():
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            template.render(context)
            times.append(time.perf_counter() - started)
        print(f"{name}: {min(times) * 1000:.1f} ms for {args.units} rows (best of {args.repeat})")


if __name__ == "__main__":
    main()
