"""Small synthetic Chinese datasets for the dispatch tests (never the real data)."""

from __future__ import annotations

import csv
import random

import pytest

TEMPLATES = {
    "交通运输": [
        "{p}公交车{x}线路发车太慢",
        "{p}道路拥堵红绿灯{x}需要调整",
        "{p}出租车拒载{x}问题",
    ],
    "教育文体": ["{p}小学招生学位{x}不足", "{p}幼儿园收费{x}过高", "{p}学校老师补课{x}"],
    "环境保护": ["{p}工厂排放废气{x}污染严重", "{p}噪音扰民{x}夜间施工", "{p}河道污水{x}臭气"],
}
PLACES = ["A市A1区", "A市A2区", "B市B3县", "C市C4镇", "A市A5区"]
FILLERS = ["请尽快处理", "希望有关部门重视", "已经持续很久", "影响居民生活", "多次反映无果"]


def synthetic_rows(n_per_label: int = 12, seed: int = 0) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    i = 0
    for label, templates in TEMPLATES.items():
        for _ in range(n_per_label):
            tpl = rng.choice(templates)
            text = (
                tpl.format(p=rng.choice(PLACES), x=rng.choice(FILLERS))
                + "。\t"
                + rng.choice(FILLERS)
            )
            title = tpl.format(p=rng.choice(PLACES), x="")[:12] if rng.random() < 0.4 else ""
            rows.append({"id": str(i), "title": title, "text": text, "label": label})
            i += 1
    rng.shuffle(rows)
    return rows


def write_csv(path, rows, encoding="utf-8", fieldnames=None):
    fieldnames = fieldnames or list(rows[0].keys())
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=fieldnames, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


@pytest.fixture
def rows():
    return synthetic_rows()


@pytest.fixture
def train_csv(tmp_path, rows):
    return write_csv(tmp_path / "train.csv", rows)


@pytest.fixture(scope="session")
def small_model():
    from duban.dispatch.classifier import ClassifierConfig, train_from_pairs
    from duban.dispatch.text import join_title_text

    data = synthetic_rows(seed=1)
    return train_from_pairs(
        [join_title_text(r["title"], r["text"]) for r in data],
        [r["label"] for r in data],
        config=ClassifierConfig(calib_folds=3),
    )
