import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from duban.dispatch.tests.conftest import synthetic_rows, write_csv


def run(*args):
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue()


def test_train_then_evaluate_json(tmp_path, train_csv):
    model = tmp_path / "m.bin"
    out = run("dispatch", "train", "--csv", str(train_csv), "--out", str(model))
    assert "model saved" in out and model.exists()
    test_csv = write_csv(tmp_path / "test.csv", synthetic_rows(seed=5), encoding="gbk")
    report = json.loads(
        run("dispatch", "evaluate", "--model", str(model), "--csv", str(test_csv), "--json")
    )
    assert report["macro_f1"] > 0.8
    assert set(report["coverage_at_precision"]) == {"0.95", "0.98", "0.99"}
    assert report["per_second"] > 0 and report["model_bytes"] == model.stat().st_size


def test_cv_json_report(train_csv):
    report = json.loads(run("dispatch", "cv", "--csv", str(train_csv), "--folds", "3", "--json"))
    assert report["folds"] == 3 and report["n"] == 36
    assert 0 <= report["macro_f1"] <= 1
    assert len(report["confusion_matrix"]) == 3


def test_text_report_mentions_metrics(train_csv):
    out = run("dispatch", "cv", "--csv", str(train_csv), "--folds", "3")
    assert "macro-F1" in out and "precision >= 0.98" in out


@pytest.mark.parametrize(
    "args, message",
    [
        (["train", "--csv", "{missing_col}", "--out", "{tmp}/m.bin"], "missing column"),
        (["train", "--csv", "{empty}", "--out", "{tmp}/m.bin"], "empty"),
        (["evaluate", "--model", "{corrupt}", "--csv", "{train}"], "not a duban"),
        (["evaluate", "--model", "{tmp}/none.bin", "--csv", "{train}"], "not found"),
        (["train", "--out", "{tmp}/m.bin"], "--from-tickets is required"),
        (["cv", "--csv", "{train}", "--folds", "1"], "at least 2"),
    ],
)
def test_bad_input_gives_one_line_command_error(tmp_path, train_csv, args, message):
    paths = {
        "tmp": tmp_path,
        "train": train_csv,
        "missing_col": write_csv(
            tmp_path / "mc.csv", synthetic_rows(), fieldnames=["id", "text", "label2"]
        ),
        "empty": tmp_path / "empty.csv",
        "corrupt": tmp_path / "corrupt.bin",
    }
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "corrupt.bin").write_bytes(b"garbage" * 20)
    with pytest.raises(CommandError, match=message) as info:
        run("dispatch", *[a.format(**paths) for a in args])
    assert "\n" not in str(info.value)


def test_evaluate_rejects_unknown_labels(tmp_path, train_csv):
    model = tmp_path / "m.bin"
    run("dispatch", "train", "--csv", str(train_csv), "--out", str(model))
    rows = synthetic_rows()
    rows[0]["label"] = "外星事务"
    bad = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(CommandError, match="外星事务"):
        run("dispatch", "evaluate", "--model", str(model), "--csv", str(bad))
