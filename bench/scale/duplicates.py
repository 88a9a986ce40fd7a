"""The duplicate look-up of intake on the scale data, against ranking every row of each key
(issue 15).

    DATABASE_URL=postgres://… uv run --frozen --no-sync python bench/scale/duplicates.py \
        [--probes 40] [--runs 3]

For ``--probes`` tickets registered in the last 20 days (random, fixed seed), takes their
title and content as a new call's text and times, per call:

- **product**: ``dispatch.intake._text_candidates`` — each of the text's 13 band keys reads
  its newest ``PER_KEY`` rows of the window (one UNION ALL statement), then the 50 best
  candidates' rows;
- **every row**: the same keys ranked over every row of the window (``GROUP BY ticket_id``
  over all matches, as the look-up read them before 2026-12-03e), then the same rows.

The loader copies 3,000 template texts, so in its data every key is shared by hundreds to
thousands of tickets of the window: the shape of a mass event (a blackout: thousands of
near-identical calls), which is when the every-row ranking grows. Read-only.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
os.environ.setdefault("DUBAN_VAR_DIR", "/tmp/duban-scale-var")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--probes", type=int, default=40)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db.models import Count
    from django.utils import timezone

    from duban.dispatch import intake
    from duban.dispatch.fingerprint import CANDIDATES
    from duban.dispatch.intelligence import DispatchIntelligence
    from duban.dispatch.models import DispatchSettings
    from duban.tickets.models import DuplicateKey, Ticket

    now = timezone.now()
    cfg = DispatchSettings.objects.first() or DispatchSettings()
    brain = DispatchIntelligence()
    ids = list(
        Ticket.objects.filter(created_at__gte=now - timedelta(days=20)).values_list("pk", flat=True)
    )
    random.seed(2026)
    probes = list(Ticket.objects.filter(pk__in=random.sample(ids, min(args.probes, len(ids)))))
    since = now - timedelta(days=cfg.duplicate_window_days)

    def product(t: Ticket, keys: list[int]) -> None:
        intake._text_candidates(Ticket(district_id=t.district_id), keys=keys, cfg=cfg, now=now)

    def every_row(t: Ticket, keys: list[int]) -> None:
        ranked = (
            DuplicateKey.objects.filter(key__in=keys, created_at__gte=since)
            .exclude(ticket_id=None)
            .values("ticket_id")
            .annotate(shared=Count("id"))
            .order_by("-shared")[:CANDIDATES]
        )
        pks = [r["ticket_id"] for r in ranked]
        list(
            Ticket.objects.filter(pk__in=pks, district_id=t.district_id).only(
                *intake._CANDIDATE_FIELDS
            )
        )

    keyed = [(t, brain.fingerprint(title=t.title, content=t.content)) for t in probes]
    rows = DuplicateKey.objects.filter(created_at__gte=since).count()
    print(
        f"# {len(probes)} calls, {rows:,} duplicate keys in the {cfg.duplicate_window_days}-day "
        f"window, PER_KEY = {intake.PER_KEY}; ms per call"
    )
    print("| look-up | p50 | p95 | max |\n|---|---|---|---|")
    for _ in range(args.runs):
        for name, fn in (
            ("product (newest per key)", product),
            ("every row of each key", every_row),
        ):
            ts = []
            for t, keys in keyed:
                began = time.perf_counter()
                fn(t, keys)
                ts.append((time.perf_counter() - began) * 1000)
            ts.sort()
            p95 = ts[min(len(ts) - 1, int(0.95 * len(ts)))]
            print(
                f"| {name} | {statistics.median(ts):.1f} | {p95:.1f} | {ts[-1]:.1f} |", flush=True
            )


if __name__ == "__main__":
    main()
