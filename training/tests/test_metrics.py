"""Metrics equal hand-computed values; eval-predictions prints them as JSON; temperature scaling lowers NLL."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from training.__main__ import main
from training.calibration import fit_temperature, nll
from training.metrics import Predictions, compute, ece_bin, read_predictions, write_predictions

# 6 items, 3 classes: true 0,0,1,1,2,2 predicted 0,1,1,1,2,0 with confidence 0.7 each.
TRUE = [0, 0, 1, 1, 2, 2]
PRED = [0, 1, 1, 1, 2, 0]


def _example() -> Predictions:
    probs = np.full((6, 3), 0.15)
    probs[np.arange(6), PRED] = 0.7
    return Predictions(["a", "a", "a", "b", "b", "b"], np.array([0, 0, 1, 1, 2, 2.0]), np.array(TRUE), probs)


def test_hand_computed_example() -> None:
    m = compute(_example(), values=[0.0, 1.0, 2.0])
    assert m["accuracy"] == pytest.approx(4 / 6)
    # F1 per class: 0.5 (P 1/2, R 1/2), 0.8 (P 2/3, R 1), 2/3 (P 1, R 1/2)
    assert m["macro_f1"] == pytest.approx((0.5 + 0.8 + 2 / 3) / 3)
    # observed weighted disagreement / expected (rows 2,2,2; columns 2,3,1): linear 3/5, quadratic 5/7
    assert m["kappa_linear"] == pytest.approx(1 - 3 / 5)
    assert m["kappa_quadratic"] == pytest.approx(1 - 5 / 7)
    # one-vs-rest AUC with ties counted 1/2: 5/8, 7/8, 6/8
    assert m["auc_macro"] == pytest.approx((5 / 8 + 7 / 8 + 6 / 8) / 3)
    # every confidence 0.7 is in bin 10 (0.667, 0.733]: |4/6 − 0.7|
    assert m["ece"] == pytest.approx(abs(4 / 6 - 0.7))
    assert m["reliability"][10]["count"] == 6 and sum(b["count"] for b in m["reliability"]) == 6
    # expected PSPI 0.45 / 1.0 / 1.55 for predicted 0 / 1 / 2
    expected = np.array([0.45, 1.0, 1.0, 1.0, 1.55, 0.45])
    assert m["mae"] == pytest.approx(np.abs(expected - [0, 0, 1, 1, 2, 2]).mean())
    assert m["mae"] == pytest.approx(3.45 / 6)
    assert m["pcc"] == pytest.approx(np.corrcoef(expected, [0, 0, 1, 1, 2, 2])[0, 1])
    assert m["confusion_matrix"] == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert [(s["subject"], s["n"], s["accuracy"]) for s in m["per_subject"]] == [("a", 3, 2 / 3), ("b", 3, 2 / 3)]


def test_ece_bins_are_right_closed() -> None:
    assert list(ece_bin(np.array([0.0, 1 / 15, 0.0667, 0.6, 0.61, 1.0]))) == [0, 0, 1, 8, 9, 14]
    # confidences 0.95 (right), 0.95 (wrong), 0.55 (right), 0.62 (right)
    probs = np.array([[0.95, 0.05], [0.95, 0.05], [0.55, 0.45], [0.38, 0.62]])
    m = compute(Predictions(list("wxyz"), np.zeros(4), np.array([0, 1, 0, 1]), probs), values=[0.0, 1.0])
    assert m["ece"] == pytest.approx(2 / 4 * 0.45 + 1 / 4 * 0.45 + 1 / 4 * 0.38)


def test_undefined_metrics_are_null() -> None:
    probs = np.array([[0.9, 0.1], [0.8, 0.2]])
    m = compute(Predictions(["a", "a"], np.zeros(2), np.zeros(2, dtype=int), probs), values=[0.0, 1.0])
    assert m["auc_macro"] is None and m["pcc"] is None and m["kappa_linear"] is None
    assert m["accuracy"] == 1.0


def test_eval_predictions_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = tmp_path / "pred.csv"
    write_predictions(csv_path, _example())
    assert csv_path.read_text().splitlines()[0] == "subject,pspi,label,p0,p1,p2"
    back = read_predictions(csv_path)
    assert np.allclose(back.probs, _example().probs)
    # 3 classes match no PSPI scheme by count: values come from a manifest or --scheme; use a manifest here
    manifest = tmp_path / "m.manifest.json"
    manifest.write_text(json.dumps({"classes": [{"label": str(i), "pspiMin": i, "pspiMax": i} for i in range(3)]}))
    assert main(["eval-predictions", str(csv_path), "--manifest", str(manifest), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kappa_quadratic"] == pytest.approx(1 - 5 / 7)
    assert set(["accuracy", "macro_f1", "kappa_linear", "kappa_quadratic", "auc_macro", "ece", "pcc", "mae",
                "confusion_matrix", "reliability", "per_subject"]) <= out.keys()


def test_eval_predictions_bad_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("subject,pspi,label,p0,p1\na,0,0,0.9,0.1\nb,1,7,0.5,0.5\n")
    assert main(["eval-predictions", str(bad)]) == 2
    assert "line 3: label 7 outside 0–1" in capsys.readouterr().err


def test_temperature_scaling_lowers_nll_on_overconfident_logits() -> None:
    rng = np.random.default_rng(0)
    true_logits = rng.normal(0, 1.5, (2000, 5))
    p = np.exp(true_logits) / np.exp(true_logits).sum(1, keepdims=True)
    labels = np.array([rng.choice(5, p=row) for row in p])
    overconfident = 3.0 * true_logits
    t = fit_temperature(overconfident, labels)
    assert t == pytest.approx(3.0, rel=0.15)
    assert nll(overconfident, labels, t) < nll(overconfident, labels, 1.0) - 0.1
    assert fit_temperature(true_logits, labels) == pytest.approx(1.0, rel=0.15)
