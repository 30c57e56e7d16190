"""The seeds' evaluation metrics — the reference implementation that ``painstream eval`` (C#) is compared against.

Definitions (the C# side must match them):

- predicted class = argmax_k p_k (first index on ties); confidence = max_k p_k; expected PSPI = Σ_k p_k·value_k —
  unless the predictions carry the scorer's own predicted class and PSPI (``painstream eval``'s predictions.csv), then
  those, with confidence = p of the predicted class (the C# ``EvaluationMetrics`` does the same).
- ``accuracy``: fraction with predicted == true.
- ``macro_f1``: scikit-learn ``f1_score(average="macro", zero_division=0)`` over the classes that occur in the true
  *or* predicted labels (scikit-learn's default label set).
- ``kappa_linear`` / ``kappa_quadratic``: ``cohen_kappa_score`` with ``labels=0..K-1`` so the weights use class
  index distance |i−j| (or its square) even when a class is absent; null when undefined (a single class in both).
- ``auc_macro``: one-vs-rest ROC AUC (``roc_auc_score`` on p_k for "true == k") averaged over the classes k that
  have both positive and negative items in the true labels; null when no class qualifies.
- ``ece``: 15 equal-width confidence bins, item in bin b = clamp(ceil(conf·15) − 1, 0, 14) (bins (lo, hi], a
  confidence of 0 in the first); ECE = Σ_b n_b/N · |acc_b − conf_b|. ``reliability`` lists every bin.
- ``pcc``: Pearson correlation of expected PSPI with PSPI (null when either is constant); ``mae``: mean |E − PSPI|.
- ``confusion_matrix``: rows = true class, columns = predicted class, K×K.
- ``per_subject``: n, accuracy, mae, mean PSPI and mean expected PSPI per subject (sorted by subject id).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
from sklearn.metrics import (accuracy_score, cohen_kappa_score, confusion_matrix, f1_score, mean_absolute_error,
                             roc_auc_score)

ECE_BINS = 15
HEADLINE = ("accuracy", "macro_f1", "kappa_linear", "kappa_quadratic", "auc_macro", "ece", "pcc", "mae")


@dataclass
class Predictions:
    """Per-item predictions of a K-class model."""

    subjects: list[str]
    pspi: np.ndarray  # [N] float
    labels: np.ndarray  # [N] int, true class
    probs: np.ndarray  # [N,K] float
    # A scorer's own point estimate, when it has one (``painstream eval``'s predictions.csv: the geometric scorer's class
    # is the class of its PSPI estimate, not the arg-max of its soft probabilities). None: arg-max and Σ p·value.
    predicted: np.ndarray | None = None  # [N] int
    expected: np.ndarray | None = None  # [N] float

    def __post_init__(self) -> None:
        self.pspi = np.asarray(self.pspi, dtype=np.float64)
        self.labels = np.asarray(self.labels, dtype=np.int64)
        self.probs = np.asarray(self.probs, dtype=np.float64)
        n = len(self.subjects)
        if self.probs.ndim != 2 or self.probs.shape[0] != n or self.pspi.shape != (n,) or self.labels.shape != (n,):
            raise ValueError("predictions: subjects, pspi, labels and probs must have the same number of rows")
        if (self.predicted is None) != (self.expected is None):
            raise ValueError("predictions: give both the predicted classes and the expected PSPI, or neither")
        if self.predicted is not None:
            self.predicted = np.asarray(self.predicted, dtype=np.int64)
            self.expected = np.asarray(self.expected, dtype=np.float64)
            if self.predicted.shape != (n,) or self.expected.shape != (n,):
                raise ValueError("predictions: predicted and expected must have one value per row")
            if n and (self.predicted.min() < 0 or self.predicted.max() >= self.probs.shape[1]):
                raise ValueError(f"predictions: a predicted class is outside 0–{self.probs.shape[1] - 1}")
        if n and (self.labels.min() < 0 or self.labels.max() >= self.probs.shape[1]):
            raise ValueError(f"predictions: a true label is outside 0–{self.probs.shape[1] - 1}")


def _nan_to_none(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def kappa(y_true: np.ndarray, y_pred: np.ndarray, k: int, weights: str | None) -> float | None:
    if len(np.unique(np.concatenate([y_true, y_pred]))) < 2:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        return _nan_to_none(cohen_kappa_score(y_true, y_pred, labels=list(range(k)), weights=weights))


def auc_macro(y_true: np.ndarray, probs: np.ndarray) -> float | None:
    aucs = []
    for k in range(probs.shape[1]):
        positive = y_true == k
        if positive.any() and not positive.all():
            aucs.append(roc_auc_score(positive.astype(int), probs[:, k]))
    return float(np.mean(aucs)) if aucs else None


def ece_bin(confidence: np.ndarray, bins: int = ECE_BINS) -> np.ndarray:
    """Bin index per confidence: clamp(ceil(conf·bins) − 1, 0, bins − 1)."""
    return np.clip(np.ceil(confidence * bins).astype(np.int64) - 1, 0, bins - 1)


def reliability(confidence: np.ndarray, correct: np.ndarray, bins: int = ECE_BINS) -> tuple[float, list[dict]]:
    """(ECE, table of every bin: lower, upper, count, accuracy, confidence, gap)."""
    index = ece_bin(confidence, bins)
    n = len(confidence)
    ece = 0.0
    table = []
    for b in range(bins):
        mask = index == b
        count = int(mask.sum())
        acc = float(correct[mask].mean()) if count else None
        conf = float(confidence[mask].mean()) if count else None
        if count:
            ece += count / n * abs(acc - conf)
        table.append({"bin": b, "lower": b / bins, "upper": (b + 1) / bins, "count": count, "accuracy": acc,
                      "confidence": conf, "gap": None if not count else abs(acc - conf)})
    return ece, table


def pearson(a: np.ndarray, b: np.ndarray) -> float | None:
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    return _nan_to_none(float(np.corrcoef(a, b)[0, 1]))


def compute(pred: Predictions, values: Sequence[float]) -> dict[str, Any]:
    """All metrics as a JSON-ready dict (headline names snake_case, as in the contract)."""
    k = pred.probs.shape[1]
    if len(values) != k:
        raise ValueError(f"{len(values)} class values for {k} classes")
    if pred.predicted is None:
        y_pred = pred.probs.argmax(axis=1)
        expected = pred.probs @ np.asarray(values, dtype=np.float64)
    else:
        y_pred, expected = pred.predicted, pred.expected
    confidence = pred.probs[np.arange(len(y_pred)), y_pred]
    correct = (y_pred == pred.labels).astype(np.float64)
    ece, table = reliability(confidence, correct)
    out: dict[str, Any] = {
        "n": int(len(pred.labels)),
        "classes": int(k),
        "accuracy": float(accuracy_score(pred.labels, y_pred)),
        "macro_f1": float(f1_score(pred.labels, y_pred, average="macro", zero_division=0)),
        "kappa_linear": kappa(pred.labels, y_pred, k, "linear"),
        "kappa_quadratic": kappa(pred.labels, y_pred, k, "quadratic"),
        "auc_macro": auc_macro(pred.labels, pred.probs),
        "ece": float(ece),
        "pcc": pearson(expected, pred.pspi),
        "mae": float(mean_absolute_error(pred.pspi, expected)),
        "confusion_matrix": confusion_matrix(pred.labels, y_pred, labels=list(range(k))).tolist(),
        "reliability": table,
        "per_subject": per_subject(pred, y_pred, expected),
    }
    return out


def per_subject(pred: Predictions, y_pred: np.ndarray, expected: np.ndarray) -> list[dict[str, Any]]:
    rows = []
    subjects = np.asarray(pred.subjects)
    for s in sorted(set(pred.subjects)):
        m = subjects == s
        rows.append({"subject": s, "n": int(m.sum()), "accuracy": float((y_pred[m] == pred.labels[m]).mean()),
                     "mae": float(np.abs(expected[m] - pred.pspi[m]).mean()), "mean_pspi": float(pred.pspi[m].mean()),
                     "mean_expected_pspi": float(expected[m].mean())})
    return rows


def headline(metrics: dict[str, Any]) -> dict[str, float | None]:
    """The eight manifest metrics."""
    return {key: metrics.get(key) for key in HEADLINE}


# --------------------------------------------------------------------------------------------------- CSV


def write_predictions(path: str | Path, pred: Predictions) -> None:
    """CSV ``subject,pspi,label,p0..pK-1`` (the format ``eval-predictions`` reads)."""
    k = pred.probs.shape[1]
    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["subject", "pspi", "label"] + [f"p{i}" for i in range(k)])
        for s, ps, y, p in zip(pred.subjects, pred.pspi, pred.labels, pred.probs):
            w.writerow([s, repr(float(ps)), int(y)] + [repr(float(v)) for v in p])


EVAL_COLUMNS = ["path", "subject", "pspi", "class", "predicted_class", "predicted_pspi", "confidence"]


def read_predictions(path: str | Path) -> Predictions:
    """Read ``subject,pspi,label,p0..pK-1``, or ``painstream eval``'s predictions.csv; errors name the line."""
    path = Path(path)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        if header[:len(EVAL_COLUMNS)] == EVAL_COLUMNS:
            return _read_eval_predictions(path, header, reader)
        k = len(header) - 3
        expected = ["subject", "pspi", "label"] + [f"p{i}" for i in range(k)]
        if k < 2 or header != expected:
            raise ValueError(f"{path} line 1: header must be subject,pspi,label,p0,...,pK-1 (K >= 2), got "
                             f"{','.join(header)}")
        subjects, pspi, labels, probs = [], [], [], []
        for line, row in enumerate(reader, start=2):
            if not any(c.strip() for c in row):
                continue
            if len(row) != len(header):
                raise ValueError(f"{path} line {line}: {len(row)} fields, header has {len(header)}")
            try:
                pspi.append(float(row[1]))
                labels.append(int(row[2]))
                probs.append([float(v) for v in row[3:]])
            except ValueError as e:
                raise ValueError(f"{path} line {line}: {e}") from None
            if not 0 <= labels[-1] < k:
                raise ValueError(f"{path} line {line}: label {labels[-1]} outside 0–{k - 1}")
            subjects.append(row[0])
    if not subjects:
        raise ValueError(f"{path}: no rows")
    return Predictions(subjects, np.array(pspi), np.array(labels), np.array(probs))


def _read_eval_predictions(path: Path, header: list[str], reader: Any) -> Predictions:
    """``path,subject,pspi,class,predicted_class,predicted_pspi,confidence,p_<label>...`` (``painstream eval``)."""
    k = len(header) - len(EVAL_COLUMNS)
    if k < 2 or not all(h.startswith("p_") for h in header[len(EVAL_COLUMNS):]):
        raise ValueError(f"{path} line 1: after {','.join(EVAL_COLUMNS)} expected p_<class> columns (K >= 2), got "
                         f"{','.join(header[len(EVAL_COLUMNS):])}")
    subjects, pspi, labels, probs, predicted, expected = [], [], [], [], [], []
    for line, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise ValueError(f"{path} line {line}: {len(row)} fields, header has {len(header)}")
        try:
            pspi.append(float(row[2]))
            labels.append(int(row[3]))
            predicted.append(int(row[4]))
            expected.append(float(row[5]))
            probs.append([float(v) for v in row[len(EVAL_COLUMNS):]])
        except ValueError as e:
            raise ValueError(f"{path} line {line}: {e}") from None
        for name, value in (("class", labels[-1]), ("predicted_class", predicted[-1])):
            if not 0 <= value < k:
                raise ValueError(f"{path} line {line}: {name} {value} outside 0–{k - 1}")
        subjects.append(row[1])
    if not subjects:
        raise ValueError(f"{path}: no rows")
    return Predictions(subjects, np.array(pspi), np.array(labels), np.array(probs), np.array(predicted),
                       np.array(expected))
