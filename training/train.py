"""Training of the seed pain CNNs: the seeds' recipes, early stopping on validation macro-F1, temperature scaling on
the validation split, test-split metrics, ONNX export and manifest.

Outputs for ``--out models/NAME``: ``NAME.onnx``, ``NAME.manifest.json`` (the contract), ``NAME.report.json`` (full
test metrics, per-epoch history, recipe), ``NAME.test-predictions.csv`` (``eval-predictions`` format, for comparing
``painstream eval``) and ``NAME.parity.json`` (a few test images with their expected logits, for ONNX parity checks).
"""

from __future__ import annotations

import json
import math
import os
import random
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch
import torch.nn as nn
from sklearn.metrics import f1_score

from . import manifest as mf
from .augment import IMAGENET_MEAN, IMAGENET_STD, NO_AUGMENT, AugmentConfig, normalise
from .calibration import fit_temperature, nll, softmax
from .data import FaceDataset, Item, Split, class_weights_sampler, read_info, read_labels, split_subjects
from .export import export_pain_model
from .metrics import Predictions, compute, write_predictions
from .models import CamModel, build_model, load_backbone
from .schemes import ARCH_SCHEME, Scheme, get_scheme

REPEAT_SEEDS = (42, 123, 999)  # seed 001's fixed seeds for repeat runs


@dataclass(frozen=True)
class Recipe:
    """A seed's training recipe (papers' values; ``AMBIGUOUS`` notes where a paper leaves a choice)."""

    optimizer: str  # "sgd" | "adamw"
    lr: float
    weight_decay: float
    momentum: float = 0.0
    batch_size: int = 32
    epochs: int = 30
    label_smoothing: float = 0.0
    schedule: str = "constant"  # "constant" | "cosine" (warm-up + cosine annealing) | "step" (÷5 at 1/3 and 2/3)
    warmup_epochs: int = 0
    eta_min: float = 0.0
    patience: int = 10
    balance: bool = False  # class-balanced sampling
    augment: AugmentConfig = AugmentConfig()


RECIPES: dict[str, Recipe] = {
    # Seed 000: SGD lr 1e-3, momentum 0.9, weight decay 1e-4, batch 32, plain cross-entropy. AMBIGUOUS: epochs,
    # schedule and augmentation are not stated → 30 epochs, constant lr, the kit's default augmentation (training
    # from scratch without any overfits), early stopping patience 10.
    "gla-cnn": Recipe("sgd", 1e-3, 1e-4, momentum=0.9, batch_size=32, epochs=30, patience=10),
    # Seed 001: AdamW, label smoothing 0.1, batch 32, 100 epochs, cosine annealing (T = epochs, eta_min 1e-6) after a
    # 5-epoch warm-up, early stopping patience 15, class-weighted sampling; flip p=0.5, rotation ±15°, brightness/
    # contrast ±0.2. AMBIGUOUS: lr 1e-3 (§4.3) vs 1e-4 ("final", §5.1) and weight decay 1e-4 vs 1e-2 → lr 1e-3 and
    # weight decay 1e-4 (§4.3's training set-up; the higher lr suits short from-scratch runs); dropout 0.5.
    "da-cnn": Recipe("adamw", 1e-3, 1e-4, batch_size=32, epochs=100, label_smoothing=0.1, schedule="cosine",
                     warmup_epochs=5, eta_min=1e-6, patience=15, balance=True,
                     augment=AugmentConfig(rotate_deg=15.0, translate=0.0, scale=0.0, brightness=0.2, contrast=0.2,
                                           flip=0.5)),
    # Seed 002: SGD momentum 0.8, weight decay 1e-4, lr ÷5 at epochs 60 and 120, stop at 180; classes balanced
    # (negatives down-sampled, positives flipped/rotated). AMBIGUOUS: the initial lr's exponent is missing ("4e") and
    # batch size and loss are not stated → lr 4e-3 (the paper's 4e-6 reading only makes sense for fine-tuning a
    # pretrained head; from scratch it does not train), batch 32, cross-entropy, step schedule at 1/3 and 2/3 of the
    # epochs, class-balanced sampling, flip + rotation ±10°.
    "resnet18": Recipe("sgd", 4e-3, 1e-4, momentum=0.8, batch_size=32, epochs=180, schedule="step", patience=30,
                       balance=True, augment=AugmentConfig(rotate_deg=10.0, translate=0.0, scale=0.0, brightness=0.0,
                                                           contrast=0.0, flip=0.5)),
    # Seed 002's transfer idea with face-api's expression network (training/faceapi.py) as the pretrained backbone:
    # seed 002's optimiser and schedule with a fine-tuning lr of 1e-3 (our choice), 60 epochs, patience 20.
    "faceapi-expression": Recipe("sgd", 1e-3, 1e-4, momentum=0.8, batch_size=32, epochs=60, schedule="step",
                                 patience=20, balance=True,
                                 augment=AugmentConfig(rotate_deg=10.0, translate=0.0, scale=0.0, brightness=0.0,
                                                       contrast=0.0, flip=0.5)),
}


def normalisation(arch: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(mean, std) of the input for ``arch``: ImageNet statistics, except face-api's own for its backbone."""
    if arch == "faceapi-expression":
        from .faceapi import MEAN, STD

        return MEAN, STD
    return IMAGENET_MEAN, IMAGENET_STD


@dataclass
class TrainConfig:
    dataset: Path
    arch: str
    out: Path  # models/NAME → models/NAME.onnx + models/NAME.manifest.json
    scheme: str | None = None  # default: the architecture's seed scheme
    epochs: int | None = None
    size: int = 112
    seed: int = 42
    width: float = 1.0
    batch_size: int | None = None
    lr: float | None = None
    patience: int | None = None
    augment: bool = True
    balance: bool | None = None
    threads: int | None = None
    fractions: tuple[float, float, float] = (0.7, 0.1, 0.2)
    val_subjects: Sequence[str] = ()
    test_subjects: Sequence[str] = ()
    init: Path | None = None  # torchvision-format checkpoint for the backbone
    freeze_backbone: bool = False
    max_steps: int | None = None  # cap on optimiser steps per epoch (quick runs, benchmarks)
    # Which weights are exported: "best" = the epoch with the best validation macro-F1 (early stopping, the seeds'
    # recipes); "last" = the final epoch, for runs whose validation split cannot judge the training faces (the example
    # model: one synthetic val face of another identity, where val F1 is noise and picks an under-trained epoch).
    keep: str = "best"
    name: str | None = None
    version: str = "1.0.0"
    data_description: str | None = None
    log: Callable[[str], None] = print


@dataclass
class TrainResult:
    onnx_path: Path
    manifest_path: Path
    manifest: dict[str, Any]
    metrics: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)
    temperature: float = 1.0
    train_images_per_second: float = 0.0


# --------------------------------------------------------------------------------------------------- set-up


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - non-Linux
        return os.cpu_count() or 1


def set_threads(threads: int | None = None) -> int:
    """Use every core this process may run on (Debian's torch starts with one thread)."""
    n = threads or available_cores()
    torch.set_num_threads(n)
    return n


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % (2 ** 32))
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)


def make_optimizer(params: Sequence[nn.Parameter] | Any, recipe: Recipe, lr: float) -> torch.optim.Optimizer:
    if recipe.optimizer == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=recipe.momentum, weight_decay=recipe.weight_decay)
    if recipe.optimizer == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=recipe.weight_decay)
    raise ValueError(f"unknown optimiser {recipe.optimizer}")


def lr_factor(recipe: Recipe, lr: float, epochs: int, steps_per_epoch: int) -> Callable[[int], float]:
    """Per-step multiplier of the base lr for the recipe's schedule."""
    total = max(1, epochs * steps_per_epoch)
    warm = min(recipe.warmup_epochs, max(0, epochs // 4)) * steps_per_epoch

    def factor(step: int) -> float:
        if recipe.schedule == "cosine":
            if step < warm:
                return (step + 1) / warm
            t = (step - warm) / max(1, total - warm)
            floor = recipe.eta_min / lr
            return floor + 0.5 * (1.0 - floor) * (1.0 + math.cos(math.pi * min(1.0, t)))
        if recipe.schedule == "step":
            return 0.2 ** sum(step >= total * f for f in (1 / 3, 2 / 3))
        return 1.0

    return factor


# --------------------------------------------------------------------------------------------------- loops


def train_epoch(model: nn.Module, loader: torch.utils.data.DataLoader, opt: torch.optim.Optimizer,
                sched: torch.optim.lr_scheduler.LambdaLR, loss_fn: nn.Module, mean: Sequence[float],
                std: Sequence[float], aug: AugmentConfig, gen: torch.Generator,
                max_steps: int | None = None) -> tuple[list[float], int, float]:
    """One epoch; returns (loss per step, images seen, seconds)."""
    model.train()
    losses: list[float] = []
    seen = 0
    start = time.perf_counter()
    for images, labels, _ in loader:
        if max_steps is not None and len(losses) >= max_steps:
            break
        x = normalise(images, mean, std, aug, gen)
        loss = loss_fn(model(x), labels)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss))
        seen += len(labels)
    return losses, seen, time.perf_counter() - start


@torch.no_grad()
def predict_logits(model: nn.Module, data: FaceDataset, mean: Sequence[float], std: Sequence[float],
                   batch_size: int = 64) -> np.ndarray:
    model.eval()
    out = []
    for i in range(0, len(data), batch_size):
        images = torch.stack([data[j][0] for j in range(i, min(i + batch_size, len(data)))])
        out.append(model(normalise(images, mean, std)).double().numpy())
    return np.concatenate(out) if out else np.zeros((0, 0))


def macro_f1(labels: np.ndarray, logits: np.ndarray) -> float:
    return float(f1_score(labels, logits.argmax(1), average="macro", zero_division=0))


# --------------------------------------------------------------------------------------------------- main entry


def train(cfg: TrainConfig) -> TrainResult:
    """Train, calibrate, evaluate on the test split, export ONNX + manifest (+ report, predictions, parity)."""
    log = cfg.log
    threads = set_threads(cfg.threads)
    seed_everything(cfg.seed)
    scheme = get_scheme(cfg.scheme or ARCH_SCHEME[cfg.arch])
    recipe = RECIPES[cfg.arch]
    epochs = cfg.epochs if cfg.epochs is not None else recipe.epochs
    lr = cfg.lr if cfg.lr is not None else recipe.lr
    batch = cfg.batch_size or recipe.batch_size
    patience = cfg.patience if cfg.patience is not None else recipe.patience
    aug = recipe.augment if cfg.augment else NO_AUGMENT
    balance = recipe.balance if cfg.balance is None else cfg.balance
    mean, std = normalisation(cfg.arch)

    items = read_labels(cfg.dataset, scheme)
    info = read_info(cfg.dataset)
    split = split_subjects(items, cfg.seed, cfg.fractions, cfg.val_subjects, cfg.test_subjects)
    sets = {name: FaceDataset(split.of(items, name), cfg.size) for name in ("train", "val", "test")}
    log(f"[train] {cfg.arch}/{scheme.name} {cfg.size}px width {cfg.width:g}: {len(items)} items, subjects "
        f"train {len(split.train)} / val {len(split.val)} / test {len(split.test)}, items "
        + " / ".join(str(len(sets[n])) for n in ("train", "val", "test")) + f", {threads} thread(s)")

    model = build_model(cfg.arch, scheme.num_classes, cfg.width)
    params = _trainable(model, cfg, log)
    opt = make_optimizer(params, recipe, lr)
    gen = torch.Generator().manual_seed(cfg.seed)
    sampler = class_weights_sampler(sets["train"].labels, scheme.num_classes, cfg.seed) if balance else None
    loader = torch.utils.data.DataLoader(sets["train"], batch_size=batch, shuffle=sampler is None, sampler=sampler,
                                         generator=gen, drop_last=len(sets["train"]) > batch)
    steps = min(len(loader), cfg.max_steps) if cfg.max_steps else len(loader)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_factor(recipe, lr, epochs, steps))
    loss_fn = nn.CrossEntropyLoss(label_smoothing=recipe.label_smoothing)

    val_labels = sets["val"].labels.numpy()
    best: tuple[float, float] = (-1.0, math.inf)
    best_state = {k: v.clone() for k, v in model.state_dict().items()}
    best_epoch, history, seen_total, seconds_total = 0, [], 0, 0.0
    for epoch in range(1, epochs + 1):
        losses, seen, secs = train_epoch(model, loader, opt, sched, loss_fn, mean, std, aug, gen, cfg.max_steps)
        seen_total, seconds_total = seen_total + seen, seconds_total + secs
        val_logits = predict_logits(model, sets["val"], mean, std)
        f1, val_nll = macro_f1(val_labels, val_logits), nll(val_logits, val_labels)
        history.append({"epoch": epoch, "loss": float(np.mean(losses)) if losses else None, "val_macro_f1": f1,
                        "val_nll": val_nll, "images_per_second": seen / secs if secs else None,
                        "lr": opt.param_groups[0]["lr"]})
        log(f"[train] epoch {epoch}/{epochs} loss {history[-1]['loss']:.4f} val macro-F1 {f1:.4f} "
            f"NLL {val_nll:.4f} ({seen / secs:.1f} img/s)")
        if cfg.keep == "last":
            best, best_epoch = (f1, val_nll), epoch
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        elif f1 > best[0] + 1e-9 or (abs(f1 - best[0]) <= 1e-9 and val_nll < best[1]):
            best, best_epoch = (f1, val_nll), epoch
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        elif epoch - best_epoch >= patience:
            log(f"[train] early stop: no val macro-F1 gain for {patience} epochs (best epoch {best_epoch})")
            break
    model.load_state_dict(best_state)
    model.eval()

    val_logits = predict_logits(model, sets["val"], mean, std)
    temperature = fit_temperature(val_logits, val_labels)
    log(f"[train] temperature {temperature:.4f}: val NLL {nll(val_logits, val_labels):.4f} → "
        f"{nll(val_logits, val_labels, temperature):.4f}")
    test_logits = predict_logits(model, sets["test"], mean, std)
    test_pred = Predictions([it.subject for it in sets["test"].items], sets["test"].pspi.numpy(),
                            sets["test"].labels.numpy(), softmax(test_logits, temperature))
    metrics = compute(test_pred, scheme.values)
    ips = seen_total / seconds_total if seconds_total else 0.0

    result = _write_outputs(cfg, model, scheme, split, sets, info, temperature, metrics, test_pred, test_logits,
                            history, best_epoch, len(history), recipe, lr, batch, aug, balance, ips, threads)
    log(f"[train] test: " + ", ".join(f"{k} {_fmt(metrics[k])}" for k in
                                      ("accuracy", "macro_f1", "kappa_quadratic", "auc_macro", "ece", "pcc", "mae")))
    log(f"[train] wrote {result.onnx_path} and {result.manifest_path}")
    return result


def _fmt(v: float | None) -> str:
    return "n/a" if v is None else f"{v:.4f}"


def _trainable(model: CamModel, cfg: TrainConfig, log: Callable[[str], None]) -> list[nn.Parameter]:
    if cfg.init is not None:
        state = torch.load(cfg.init, map_location="cpu")
        state = state.get("state_dict", state) if isinstance(state, dict) else state
        loaded = load_backbone(model, state)
        log(f"[train] initialised {len(loaded)} backbone tensors from {cfg.init}")
    elif cfg.arch == "faceapi-expression":
        log("[train] warning: faceapi-expression without --init trains from scratch; convert the pretrained "
            "weights with `faceapi-convert` and pass --init")
    if cfg.init is not None and cfg.arch == "faceapi-expression" and cfg.size != 112:
        log(f"[train] warning: face-api's expression network was trained on 112-px faces, not {cfg.size}")
    if cfg.freeze_backbone:
        if cfg.init is None:
            raise ValueError("--freeze-backbone needs --init (a pretrained backbone)")
        for name, p in model.named_parameters():
            p.requires_grad = name.startswith("head.")
    return [p for p in model.parameters() if p.requires_grad]


def _write_outputs(cfg: TrainConfig, model: CamModel, scheme: Scheme, split: Split, sets: dict[str, FaceDataset],
                   info: Any, temperature: float, metrics: dict[str, Any], test_pred: Predictions,
                   test_logits: np.ndarray, history: list[dict[str, Any]], best_epoch: int, epochs_run: int,
                   recipe: Recipe, lr: float, batch: int, aug: AugmentConfig, balance: bool, ips: float,
                   threads: int) -> TrainResult:
    out = Path(cfg.out)
    onnx_path = export_pain_model(model, cfg.size, out.with_name(out.name + ".onnx"))
    data = cfg.data_description or info.description
    if info.synthetic and "not clinically validated" not in data.lower():
        data += "; not clinically validated"
    training = mf.training_block(
        data, cfg.seed, epochs_run, {n: len(sets[n]) for n in sets}, split.to_json(),
        extra={"bestEpoch": best_epoch, "width": cfg.width, "dataset": str(Path(cfg.dataset).name)})
    manifest = mf.pain_manifest(cfg.name or out.name, cfg.arch, scheme, cfg.size, *normalisation(cfg.arch),
                                temperature, training, metrics, onnx_path, cfg.version)
    manifest_path = mf.manifest_path(onnx_path)
    mf.write(manifest, manifest_path, onnx_path)

    report = {"manifest": manifest_path.name, "metrics": metrics, "history": history,
              "recipe": {**asdict(replace(recipe, augment=aug)), "lr": lr, "batch_size": batch, "balance": balance},
              "train_images_per_second": ips, "threads": threads, "size": cfg.size, "width": cfg.width}
    out.with_name(out.name + ".report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    write_predictions(out.with_name(out.name + ".test-predictions.csv"), test_pred)
    _write_parity(out.with_name(out.name + ".parity.json"), sets["test"].items, test_logits, temperature,
                  cfg.size)
    return TrainResult(onnx_path, manifest_path, manifest, metrics, history, temperature, ips)


def _write_parity(path: Path, items: Sequence[Item], logits: np.ndarray, temperature: float, size: int,
                  n: int = 8) -> None:
    """A few test images (absolute paths) with the PyTorch logits and calibrated probabilities, for checking the ONNX
    graph and the C# preprocessing against PyTorch (images not size×size were resized bilinearly by PIL first)."""
    rows = [{"path": str(it.path.resolve()), "subject": it.subject, "pspi": it.pspi, "logits": logits[i].tolist(),
             "probabilities": softmax(logits[i:i + 1], temperature)[0].tolist()} for i, it in enumerate(items[:n])]
    doc = {"temperature": temperature, "size": size, "items": rows}
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
