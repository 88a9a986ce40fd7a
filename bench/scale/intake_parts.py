"""What intake's suggestions cost, part by part, in CPU per ticket (issue 15, intake).

    DATABASE_URL=postgres://… uv run --frozen --no-sync python bench/scale/intake_parts.py \
        [--tickets 300] [--runs 3]

``paths.py --intake-engine-only`` sets the registration alone beside intake with its
suggestions over HTTP; this takes the suggestions apart in one process, as
``DispatchIntelligence.analyse`` runs them before a ticket is saved: the text's band keys,
the smart-dispatch settings row, the unit suggestions (the dispatch model and the
territorial place match, with the labels' units and categories read in one query each), the
duplicate look-up (band keys, the candidates' rows, the caller's open tickets, their
similarity), the repeat caller and the knowledge base; then the whole ``analyse``. The
appeals are the newest ``--tickets`` of the database, each with a fresh caller; nothing is
written. Prints this process's CPU time per ticket (``time.process_time``: the database's
own work is not in it), the best of ``--runs``.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Callable

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
os.environ.setdefault("DUBAN_VAR_DIR", "/tmp/duban-scale-var")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.utils import timezone

    from duban.core.startup import warm_up
    from duban.dispatch import intake
    from duban.dispatch.selectors import current_model, dispatch_settings
    from duban.tickets import intelligence
    from duban.tickets.models import Caller, Ticket

    warm_up()  # as every app server process does at start-up
    brain = intelligence.current()
    now = timezone.now()
    rng = random.Random(15)
    rows = Ticket.objects.order_by("-id").values_list(
        "title", "content", "location", "district_id", "appeal_type"
    )[: args.tickets]
    tickets = [
        Ticket(
            title=title,
            content=content,
            location=location,
            district_id=district_id,
            appeal_type=appeal_type,
            created_at=now,
            caller=Caller.build(
                name="张三", phone=f"138{rng.randrange(10**8):08d}", id_number="", created_at=now
            ),
        )
        for title, content, location, district_id, appeal_type in rows
    ]
    cfg = dispatch_settings()
    keys = {id(t): brain.fingerprint(title=t.title, content=t.content) for t in tickets}
    parts: dict[str, Callable[[Ticket], object]] = {
        "band keys of the text (fingerprint)": lambda t: brain.fingerprint(
            title=t.title, content=t.content
        ),
        "smart-dispatch settings row": lambda t: dispatch_settings(),
        "unit suggestions (model, places, labels' units)": intake.unit_suggestions,
        "duplicate look-up (keys, rows, caller, similarity)": lambda t: intake.duplicate_candidates(
            t, keys=keys[id(t)], cfg=cfg, now=now, phone=t.caller.phone
        ),
        "repeat caller (90 days)": lambda t: intake.repeat_caller(t, now=now),
        "knowledge base (consultations only)": lambda t: intake.knowledge_suggestions(t, now=now),
        "the whole analyse": lambda t: brain.analyse(ticket=t, keys=keys[id(t)], now=now),
    }
    for t in tickets[:20]:  # warm the caches the first calls fill (places, model)
        for fn in parts.values():
            fn(t)
    model = "with the dispatch model" if current_model() is not None else "NO dispatch model"
    print(f"# {len(tickets)} appeals, {model}; CPU ms per ticket, best of {args.runs} runs\n")
    print("| part | CPU per ticket |")
    print("|---|---|")
    for name, fn in parts.items():
        best = float("inf")
        for _ in range(args.runs):
            started = time.process_time()
            for t in tickets:
                fn(t)
            best = min(best, (time.process_time() - started) / len(tickets) * 1000)
        print(f"| {name} | {best:.2f} ms |", flush=True)


if __name__ == "__main__":
    main()
