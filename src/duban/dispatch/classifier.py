"""The dispatch classifier: suggests the responsible category for an appeal.

Features: character 2-3-gram TF-IDF plus rjieba word 1-2-gram TF-IDF (sublinear
tf) on the normalised "title 。 text" document. Model: one-vs-rest NB-SVM
(linear SVMs on naive-Bayes-scaled features, see ``nbsvm.py``) stacked with a
class-balanced LinearSVC. Confidence: a multinomial logistic regression fitted
on both models' out-of-fold decision scores (stacked calibration), so
``predict_proba`` returns calibrated probabilities whose maximum is the
dispatch confidence.

Use :func:`train_from_pairs` to train, :func:`save_model` / :func:`load_model`
to persist, and :meth:`DispatchModel.suggest` for top-k suggestions.
"""

from __future__ import annotations

import hashlib
import io
import pickle
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from duban.dispatch.text import join_title_text, normalize, segment, split_ws

FORMAT_MAGIC = b"DUBANDSP"
FORMAT_VERSION = 1
_HEADER = struct.Struct(">8sI32s")  # magic, version, sha256 of the payload

MIN_EXAMPLES_PER_CLASS = 2


class ClassifierError(ValueError):
    """Training data cannot be used (too few examples, a single class, ...)."""


class ModelFileError(ValueError):
    """A model file is missing, truncated, corrupt or of an unsupported version."""


@dataclass(frozen=True)
class Suggestion:
    label: str
    confidence: float


@dataclass
class ClassifierConfig:
    char_ngram: tuple[int, int] = (2, 3)
    char_max_features: int = 200_000
    word_ngram: tuple[int, int] = (1, 2)
    word_max_features: int = 200_000
    svm_c: float = 0.3
    stack_linear_svm: bool = True
    linear_c: float = 0.5
    calib_folds: int = 5
    calib_c: float = 1.0
    seed: int = 0


@dataclass
class DispatchModel:
    classes_: np.ndarray
    char_vec: Any
    word_vec: Any
    svm: Any
    calibrator: Any
    config: ClassifierConfig
    meta: dict[str, Any] = field(default_factory=dict)

    # -- features ---------------------------------------------------------
    def _features(self, docs: Sequence[str]):
        from scipy.sparse import hstack

        docs = [normalize(d) for d in docs]
        seg = [segment(d) for d in docs]
        return hstack([self.char_vec.transform(docs), self.word_vec.transform(seg)]).tocsr()

    # -- prediction -------------------------------------------------------
    def decision_function(self, docs: Sequence[str]) -> np.ndarray:
        return self.svm.decision_function(self._features(docs))

    def predict_proba(self, docs: Sequence[str]) -> np.ndarray:
        """Calibrated class probabilities, columns in ``classes_`` order."""
        if len(docs) == 0:
            return np.zeros((0, len(self.classes_)))
        from sklearn import config_context

        # The input is this model's own features (finite by construction) and its estimators
        # were checked when trained: without scikit-learn's per-call checks a one-appeal
        # prediction at intake takes 1.5 ms instead of 1.9 (the same probabilities).
        with config_context(assume_finite=True, skip_parameter_validation=True):
            return self.calibrator.predict_proba(self.decision_function(docs))

    def predict(self, docs: Sequence[str]) -> np.ndarray:
        return self.classes_[self.predict_proba(docs).argmax(1)]

    def top_k(self, docs: Sequence[str], k: int = 3) -> list[list[Suggestion]]:
        proba = self.predict_proba(docs)
        k = max(1, min(k, len(self.classes_)))
        out = []
        for row in proba:
            idx = np.argsort(-row)[:k]
            out.append([Suggestion(str(self.classes_[i]), float(row[i])) for i in idx])
        return out

    def suggest(self, text: str, *, title: str = "", k: int = 3) -> list[Suggestion]:
        """Top-k category suggestions with calibrated confidences for one appeal."""
        return self.top_k([join_title_text(title, text)], k=k)[0]


def _make_vectorizers(cfg: ClassifierConfig):
    from sklearn.feature_extraction.text import TfidfVectorizer

    char_vec = TfidfVectorizer(
        analyzer="char",
        ngram_range=cfg.char_ngram,
        sublinear_tf=True,
        min_df=2,
        max_features=cfg.char_max_features,
        dtype=np.float32,
    )
    word_vec = TfidfVectorizer(
        tokenizer=split_ws,
        token_pattern=None,
        lowercase=False,
        sublinear_tf=True,
        ngram_range=cfg.word_ngram,
        max_features=cfg.word_max_features,
        dtype=np.float32,
    )
    return char_vec, word_vec


def _make_svm(cfg: ClassifierConfig):
    from sklearn.svm import LinearSVC

    from duban.dispatch.nbsvm import NBSVM, ScoreStack

    nb = NBSVM(C=cfg.svm_c, random_state=cfg.seed)
    if not cfg.stack_linear_svm:
        return nb
    svm = LinearSVC(C=cfg.linear_c, class_weight="balanced", random_state=cfg.seed)
    return ScoreStack([nb, svm])


def fit(
    docs: Sequence[str],
    labels: Sequence[str],
    *,
    config: ClassifierConfig | None = None,
    progress: Callable[[str], None] | None = None,
) -> DispatchModel:
    """Fit a :class:`DispatchModel` on documents (``join_title_text`` output) and labels."""
    from scipy.sparse import hstack
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    cfg = config or ClassifierConfig()
    docs = [normalize(d) for d in docs]
    y = np.asarray([str(v).strip() for v in labels], dtype=object)
    if len(docs) != len(y):
        raise ClassifierError(f"texts and labels differ in length ({len(docs)} != {len(y)})")
    keep = np.array([bool(d) and bool(lab) for d, lab in zip(docs, y, strict=True)])
    docs = [d for d, k in zip(docs, keep, strict=True) if k]
    y = y[keep]
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ClassifierError("需要至少两个类别 / need at least two distinct labels to train")
    rare = [
        f"{c} ({n})" for c, n in zip(classes, counts, strict=True) if n < MIN_EXAMPLES_PER_CLASS
    ]
    if rare:
        raise ClassifierError(
            f"类别样本过少 / labels with fewer than {MIN_EXAMPLES_PER_CLASS} examples: {', '.join(rare)}"
        )

    say = progress or (lambda _msg: None)
    say(f"segmenting {len(docs)} texts")
    seg = [segment(d) for d in docs]
    char_vec, word_vec = _make_vectorizers(cfg)
    say("fitting TF-IDF vectorizers")
    X = hstack([char_vec.fit_transform(docs), word_vec.fit_transform(seg)]).tocsr()
    # The pruned-term sets are only for introspection; do not pickle them.
    char_vec.stop_words_ = None
    word_vec.stop_words_ = None

    # Out-of-fold SVM scores to fit the calibrator on unseen-data scores.
    n_folds = int(min(cfg.calib_folds, counts.min()))
    scores = None
    skf = StratifiedKFold(n_splits=max(2, n_folds), shuffle=True, random_state=cfg.seed)
    for i, (tr, te) in enumerate(skf.split(np.zeros(len(y)), y)):
        say(f"calibration fold {i + 1}/{skf.n_splits}")
        svm = _make_svm(cfg).fit(X[tr], y[tr])
        # Stratified folds with >= n_folds rows per class: every class is in every fold.
        s = svm.decision_function(X[te])
        if s.ndim == 1:  # binary case
            s = np.column_stack([-s, s])
        if scores is None:
            scores = np.zeros((len(y), s.shape[1]))
        scores[te] = s
    say("fitting final SVM and calibrator")
    svm = _make_svm(cfg).fit(X, y)
    calibrator = LogisticRegression(C=cfg.calib_c, max_iter=2000).fit(scores, y)
    if len(classes) == 2:
        calibrator = _BinaryScoreAdapter(calibrator)
    return DispatchModel(
        classes_=np.asarray(classes, dtype=object),
        char_vec=char_vec,
        word_vec=word_vec,
        svm=svm,
        calibrator=calibrator,
        config=cfg,
        meta={
            "n_train": len(y),
            "class_counts": dict(zip(classes.tolist(), counts.tolist(), strict=True)),
        },
    )


class _BinaryScoreAdapter:
    """LinearSVC returns one score column for two classes; the calibrator wants two."""

    def __init__(self, lr):
        self.lr = lr

    def predict_proba(self, s):
        s = np.asarray(s)
        if s.ndim == 1:
            s = np.column_stack([-s, s])
        return self.lr.predict_proba(s)


def train_from_pairs(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    config: ClassifierConfig | None = None,
    progress: Callable[[str], None] | None = None,
) -> DispatchModel:
    """Train from (text, label) pairs, e.g. closed tickets' text and their final category.

    ``texts`` may already contain the title; use :func:`join_title_text` to combine.
    """
    return fit(texts, labels, config=config, progress=progress)


# -- persistence -------------------------------------------------------------


def dumps_model(model: DispatchModel) -> bytes:
    buf = io.BytesIO()
    pickle.dump(model, buf, protocol=pickle.HIGHEST_PROTOCOL)
    payload = buf.getvalue()
    return _HEADER.pack(FORMAT_MAGIC, FORMAT_VERSION, hashlib.sha256(payload).digest()) + payload


def loads_model(data: bytes, *, name: str = "<bytes>") -> DispatchModel:
    if len(data) < _HEADER.size:
        raise ModelFileError(f"{name}: 模型文件已损坏 / model file is truncated or empty")
    magic, version, digest = _HEADER.unpack_from(data)
    if magic != FORMAT_MAGIC:
        raise ModelFileError(f"{name}: 不是督办分拨模型文件 / not a duban dispatch model file")
    if version != FORMAT_VERSION:
        raise ModelFileError(
            f"{name}: 模型格式版本不支持 / unsupported model format version {version} "
            f"(this code reads version {FORMAT_VERSION}); retrain the model"
        )
    payload = data[_HEADER.size :]
    if hashlib.sha256(payload).digest() != digest:
        raise ModelFileError(f"{name}: 模型文件校验失败 / model file checksum mismatch (corrupt)")
    try:
        model = pickle.loads(payload)
    except Exception as exc:  # pragma: no cover - checksum makes this unlikely
        raise ModelFileError(f"{name}: 无法读取模型 / cannot unpickle model: {exc}") from None
    if not isinstance(model, DispatchModel):
        raise ModelFileError(f"{name}: 文件内容不是分拨模型 / payload is not a DispatchModel")
    return model


def save_model(model: DispatchModel, path: str | Path) -> int:
    """Write the model to a single file atomically; returns its size in bytes."""
    path = Path(path)
    data = dumps_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return len(data)


def load_model(path: str | Path) -> DispatchModel:
    """Load a model written by :func:`save_model`; raises :class:`ModelFileError`."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"{path}: 模型文件不存在 / model file not found")
    return loads_model(path.read_bytes(), name=str(path))
