"""Precision and recall of the intake duplicate lookup on real appeals.

Replays ``hot_topic_messages.csv`` in time order through the same lookup the engine
runs at intake (``dispatch.fingerprint`` band keys → the 50 candidates sharing most
keys within the window → bigram Jaccard ≥ threshold), and judges the same-user pairs
it flags against the known repeats: the same user posting the same title. The lookup
sees only the body text (no title, no title key), so it cannot copy the ground truth.

    uv run python bench/duplicates_engine.py [--csv ../shared/data/tipdm2020c/hot_topic_messages.csv]
"""

from __future__ import annotations

import argparse
import time
from collections import Counter, defaultdict
from datetime import timedelta

from duban.dispatch.duplicates import _dice, known_repeats, records_from_csv
from duban.dispatch.fingerprint import CANDIDATES, band_keys, jaccard, shingles


def replay(records, *, threshold: float, window_days: int) -> tuple[set[tuple[int, int]], float]:
    order = sorted(
        range(len(records)), key=lambda i: (records[i].created_at is None, records[i].created_at)
    )
    index: dict[int, list[int]] = defaultdict(list)
    grams = [shingles(r.text) for r in records]
    predicted: set[tuple[int, int]] = set()
    started = time.perf_counter()
    for i in order:
        r = records[i]
        keys = [k for band, k in band_keys("", r.text)]
        shared: Counter[int] = Counter()
        for k in keys:
            for j in index[k]:
                other = records[j].created_at
                if r.created_at and other and r.created_at - other > timedelta(days=window_days):
                    continue
                shared[j] += 1
        for j, _ in shared.most_common(CANDIDATES):
            if jaccard(grams[i], grams[j]) >= threshold and r.user and r.user == records[j].user:
                predicted.add((min(i, j), max(i, j)))
        for k in keys:
            index[k].append(i)
    return predicted, (time.perf_counter() - started) / max(len(records), 1) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", default="../shared/data/tipdm2020c/hot_topic_messages.csv")
    parser.add_argument("--window-days", type=int, default=30)
    args = parser.parse_args()
    records = records_from_csv(args.csv)
    truth = known_repeats(records)
    print(f"{len(records)} appeals, {len(truth)} known repeat pairs (same user, same title)")
    print("precision: flagged pairs that are known repeats; relaxed: or whose titles share")
    print("≥ 50 % of their character bigrams (the same matter re-posted under a reworded title)")
    print(
        f"{'threshold':>9} {'flagged':>8} {'precision':>9} {'relaxed':>8} {'recall':>7} {'ms/appeal':>9}"
    )
    for threshold in (0.3, 0.4, 0.5, 0.6):
        predicted, ms = replay(records, threshold=threshold, window_days=args.window_days)
        tp = len(predicted & truth)
        precision = tp / len(predicted) if predicted else 0.0
        recall = tp / len(truth) if truth else 0.0
        relaxed = sum(
            (i, j) in truth or _dice(records[i].title, records[j].title) >= 0.5
            for i, j in predicted
        )
        relaxed_p = relaxed / len(predicted) if predicted else 0.0
        print(
            f"{threshold:>9.1f} {len(predicted):>8} {precision:>9.3f} {relaxed_p:>8.3f} {recall:>7.3f} {ms:>9.2f}"
        )


if __name__ == "__main__":
    main()
