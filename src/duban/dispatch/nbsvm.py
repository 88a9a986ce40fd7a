"""One-vs-rest NB-SVM (Wang & Manning 2012): a linear SVM per class trained on
features scaled by the class's naive-Bayes log-count ratio."""

from __future__ import annotations

import numpy as np
from scipy.sparse import diags


class NBSVM:
    """Multiclass one-vs-rest NB-SVM with a scikit-learn-like interface."""

    def __init__(self, C: float = 0.3, alpha: float = 1.0, random_state: int = 0):
        self.C = C
        self.alpha = alpha
        self.random_state = random_state

    def fit(self, X, y) -> NBSVM:
        from sklearn.svm import LinearSVC

        y = np.asarray(y, dtype=object)
        self.classes_ = np.unique(y)
        present = (X > 0).astype(np.float32)
        ratios, coefs, intercepts = [], [], []
        for label in self.classes_:
            pos = y == label
            p = np.asarray(present[pos].sum(axis=0)).ravel() + self.alpha
            q = np.asarray(present[~pos].sum(axis=0)).ravel() + self.alpha
            r = np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)
            svm = LinearSVC(C=self.C, random_state=self.random_state).fit(X @ diags(r), pos)
            ratios.append(r)
            # Fold the NB scaling into the weights: w . (r * x) == (w * r) . x
            coefs.append((svm.coef_.ravel() * r).astype(np.float32))
            intercepts.append(float(svm.intercept_[0]))
        self.coef_ = np.vstack(coefs)
        self.intercept_ = np.asarray(intercepts, dtype=np.float32)
        return self

    def decision_function(self, X) -> np.ndarray:
        return np.asarray(X @ self.coef_.T) + self.intercept_


class ScoreStack:
    """Several linear models side by side; decision scores are concatenated
    (one column per class and model) for the calibrator to combine."""

    def __init__(self, models):
        self.models = models

    def fit(self, X, y) -> ScoreStack:
        for m in self.models:
            m.fit(X, y)
            if hasattr(m, "coef_") and m.coef_.dtype == np.float64:
                m.coef_ = m.coef_.astype(np.float32)  # halves the model file
        self.classes_ = self.models[0].classes_
        return self

    def decision_function(self, X) -> np.ndarray:
        cols = []
        for m in self.models:
            s = np.asarray(m.decision_function(X))
            if s.ndim == 1:  # binary LinearSVC
                s = np.column_stack([-s, s])
            cols.append(s)
        return np.hstack(cols)
