import numpy as np
import pytest

from duban.dispatch.classifier import (
    ClassifierError,
    ModelFileError,
    load_model,
    save_model,
    train_from_pairs,
)


def test_predicts_obvious_categories_with_calibrated_confidence(small_model):
    top = small_model.suggest("A市A1区公交车发车太慢，希望调整线路", k=3)
    assert [s.label for s in top][0] == "交通运输"
    assert len(top) == 3
    assert top[0].confidence >= top[1].confidence >= top[2].confidence
    proba = small_model.predict_proba(["学校老师补课收费", "工厂排放废气污染"])
    assert np.allclose(proba.sum(1), 1.0)
    assert list(small_model.predict(["学校老师补课收费", "工厂排放废气污染"])) == [
        "教育文体",
        "环境保护",
    ]


def test_predictions_skip_scikit_learns_checks_without_changing_a_probability(small_model):
    """``predict_proba`` runs without scikit-learn's per-call validation (intake's time);
    the estimators called with every check on give the very same numbers."""
    docs = ["A市A1区公交车发车太慢", "学校老师补课收费", "工厂排放废气污染", ""]
    checked = small_model.calibrator.predict_proba(
        small_model.svm.decision_function(small_model._features(docs))
    )
    assert np.array_equal(small_model.predict_proba(docs), checked)


def test_empty_and_huge_texts_do_not_crash(small_model):
    proba = small_model.predict_proba(["", "字" * 200_000])
    assert proba.shape == (2, 3)
    assert small_model.predict_proba([]).shape == (0, 3)


def test_save_load_roundtrip_and_corruption(tmp_path, small_model):
    path = tmp_path / "m.bin"
    size = save_model(small_model, path)
    assert size == path.stat().st_size
    loaded = load_model(path)
    text = ["河道污水臭气"]
    assert np.allclose(loaded.predict_proba(text), small_model.predict_proba(text))

    data = bytearray(path.read_bytes())
    data[-10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="checksum"):
        load_model(path)
    path.write_bytes(b"hello")
    with pytest.raises(ModelFileError, match="truncated"):
        load_model(path)
    path.write_bytes(b"X" * 100)
    with pytest.raises(ModelFileError, match="not a duban"):
        load_model(path)
    with pytest.raises(ModelFileError, match="not found"):
        load_model(tmp_path / "missing.bin")


def test_training_rejects_single_class_and_tiny_classes():
    with pytest.raises(ClassifierError, match="two distinct"):
        train_from_pairs(["a", "b"], ["x", "x"])
    with pytest.raises(ClassifierError, match="fewer than"):
        train_from_pairs(["甲", "乙", "丙"], ["x", "x", "y"])
    with pytest.raises(ClassifierError, match="differ in length"):
        train_from_pairs(["甲"], ["x", "y"])


@pytest.mark.parametrize("stack", [False, True])
def test_two_labels_and_stacked_models(stack):
    from duban.dispatch.classifier import ClassifierConfig
    from duban.dispatch.tests.conftest import synthetic_rows

    rows = [r for r in synthetic_rows(seed=3) if r["label"] != "环境保护"]
    model = train_from_pairs(
        [r["text"] for r in rows],
        [r["label"] for r in rows],
        config=ClassifierConfig(calib_folds=3, stack_linear_svm=stack),
    )
    top = model.suggest("公交车线路发车太慢", k=5)
    assert [s.label for s in top] == ["交通运输", "教育文体"]
    assert sum(s.confidence for s in top) == pytest.approx(1.0)
