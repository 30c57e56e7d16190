"""Seed 003 infant model: 7 weighted AU intensities → MLP 7→3→1 → FLACC 0–10, trained subject-wise and exported.

Input CSV: header ``subject,AU27,AU25,AU10,AU12,AU9,AU6,AU20,flacc`` (AU columns in any order, intensities 0–5;
``flacc`` 0–10). Recipe (seed 003): Adam lr 0.01, SmoothL1 loss, batch 8, 100 epochs; the epoch with the lowest
validation MAE is kept.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch
import torch.nn as nn

from . import manifest as mf
from .data import DatasetError, Item, split_subjects
from .export import export_infant_model
from .metrics import kappa, pearson
from .models import INFANT_AUS, InfantMLP
from .schemes import SCHEMES
from .train import seed_everything, set_threads

FLACC = SCHEMES["flacc4"]


@dataclass
class AuRows:
    subjects: list[str]
    x: np.ndarray  # [N,7] in INFANT_AUS order
    y: np.ndarray  # [N] FLACC


def read_aus(path: str | Path) -> AuRows:
    """Read the AU CSV; errors name the line."""
    path = Path(path)
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = [h.strip() for h in next(reader, [])]
        need = ["subject", *INFANT_AUS, "flacc"]
        missing = [c for c in need if c not in header]
        if missing:
            raise DatasetError(f"{path} line 1: missing column(s) {','.join(missing)}; need {','.join(need)}")
        idx = {c: header.index(c) for c in need}
        subjects, xs, ys = [], [], []
        for line, row in enumerate(reader, start=2):
            if not any(c.strip() for c in row):
                continue
            try:
                aus = [float(row[idx[a]]) for a in INFANT_AUS]
                flacc = float(row[idx["flacc"]])
            except (ValueError, IndexError):
                raise DatasetError(f"{path} line {line}: AU intensities and flacc must be numbers") from None
            if not all(math.isfinite(a) and 0 <= a <= 5 for a in aus):
                raise DatasetError(f"{path} line {line}: AU intensities must be in 0–5")
            if not 0 <= flacc <= 10:
                raise DatasetError(f"{path} line {line}: flacc {flacc:g} outside 0–10")
            if not row[idx["subject"]].strip():
                raise DatasetError(f"{path} line {line}: empty subject")
            subjects.append(row[idx["subject"]].strip())
            xs.append(aus)
            ys.append(flacc)
    if not subjects:
        raise DatasetError(f"{path}: no rows")
    return AuRows(subjects, np.array(xs, dtype=np.float32), np.array(ys, dtype=np.float32))


def level_of(score: float) -> int:
    """FLACC level of a continuous estimate: round half up to an integer score, then the band 0 | 1–3 | 4–6 | 7–10."""
    return FLACC.class_of(min(10.0, max(0.0, math.floor(score + 0.5))))


def regression_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, Any]:
    from sklearn.metrics import accuracy_score, f1_score

    yl = np.array([level_of(v) for v in y])
    pl = np.array([level_of(v) for v in pred])
    return {"n": int(len(y)), "accuracy": float(accuracy_score(yl, pl)),
            "macro_f1": float(f1_score(yl, pl, average="macro", zero_division=0)),
            "kappa_linear": kappa(yl, pl, FLACC.num_classes, "linear"),
            "kappa_quadratic": kappa(yl, pl, FLACC.num_classes, "quadratic"),
            "pcc": pearson(pred.astype(np.float64), y.astype(np.float64)),
            "mae": float(np.abs(pred - y).mean()) if len(y) else None}


def train_infant(csv_path: str | Path, out: str | Path, seed: int = 42, epochs: int = 100,
                 engagement: Sequence[float] | None = None, name: str | None = None,
                 data_description: str | None = None, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Train, pick the best validation epoch, evaluate on test, export ONNX + manifest; returns the manifest."""
    set_threads()
    seed_everything(seed)
    rows = read_aus(csv_path)
    items = [Item(Path(csv_path), s, 0.0, 0, None, i + 2) for i, s in enumerate(rows.subjects)]
    split = split_subjects(items, seed)
    idx = {n: np.array([i for i, s in enumerate(rows.subjects) if s in set(getattr(split, n))])
           for n in ("train", "val", "test")}
    model = InfantMLP(engagement)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = nn.SmoothL1Loss()
    x = torch.from_numpy(rows.x)
    y = torch.from_numpy(rows.y)
    gen = torch.Generator().manual_seed(seed)
    best, best_state, best_epoch = math.inf, None, 0
    for epoch in range(1, epochs + 1):
        model.train()
        order = idx["train"][torch.randperm(len(idx["train"]), generator=gen).numpy()]
        for i in range(0, len(order), 8):
            b = torch.from_numpy(order[i:i + 8])
            loss = loss_fn(model(x[b]).squeeze(1), y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
        val_mae = float((_predict(model, x[idx["val"]]) - rows.y[idx["val"]]).__abs__().mean())
        if val_mae < best:
            best, best_epoch = val_mae, epoch
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    metrics = regression_metrics(rows.y[idx["test"]], _predict(model, x[idx["test"]]))
    log(f"[train-infant] best epoch {best_epoch} (val MAE {best:.3f}); test MAE {metrics['mae']:.3f}, "
        f"PCC {metrics['pcc']}, level accuracy {metrics['accuracy']:.3f}")

    out = Path(out)
    onnx_path = export_infant_model(model, out.with_name(out.name + ".onnx"))
    data = data_description or f"AU intensities from '{Path(csv_path).name}'"
    training = mf.training_block(data, seed, epochs, {n: len(idx[n]) for n in idx}, split.to_json(),
                                 extra={"bestEpoch": best_epoch})
    manifest = mf.infant_manifest(name or out.name, training, metrics, onnx_path, model.engagement.tolist())
    mf.write(manifest, mf.manifest_path(onnx_path), onnx_path)
    out.with_name(out.name + ".report.json").write_text(json.dumps({"metrics": metrics}, indent=2) + "\n")
    log(f"[train-infant] wrote {onnx_path} and {mf.manifest_path(onnx_path)}")
    return manifest


@torch.no_grad()
def _predict(model: InfantMLP, x: torch.Tensor) -> np.ndarray:
    model.eval()
    return model(x).clamp(0, 10).squeeze(1).numpy()
