"""``python3 -m training <command>`` — see training/README.md.

Commands:
  train DATASET --arch da-cnn|gla-cnn|resnet18 [--scheme da5|gla4|res7] --out models/NAME [options]
  train-infant AUS_CSV --out models/NAME [--epochs 100 --seed 42 --engagement w1,...,w7]
  eval-predictions PREDICTIONS_CSV [--scheme S | --manifest M] [--json]
  check-manifest MODEL.manifest.json
  faceapi-convert vladmandic-face-api-1.7.15.tgz --out models/faceapi-expression.pt
  synthetic-smoke DIR [--subjects 8 --per-subject 20 --size 112 --seed 0]
  synthetic-aus CSV [--subjects 10 --per-subject 30 --seed 0]
  bench [--arch A ...] [--size 112 --width 1 --batch-size 32]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

from .models import ARCHITECTURES


def _floats(text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}': comma-separated numbers expected") from None


def _names(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python3 -m training", description="PainStream training kit")
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a seed pain CNN on a dataset folder and export ONNX + manifest")
    t.add_argument("dataset", type=Path)
    t.add_argument("--arch", required=True, choices=ARCHITECTURES,
                   help="faceapi-expression: face-api's expression net as a pretrained backbone (use --init)")
    t.add_argument("--scheme", choices=("gla4", "da5", "res7"), help="default: the architecture's seed scheme")
    t.add_argument("--out", required=True, type=Path, help="models/NAME → NAME.onnx + NAME.manifest.json")
    t.add_argument("--epochs", type=int, help="default: the seed recipe's (early stopping applies)")
    t.add_argument("--size", type=int, default=112, help="input size in px (contract crops are 112)")
    t.add_argument("--seed", type=int, default=42, help="42, 123, 999 for the seeds' repeat runs")
    t.add_argument("--width", type=float, default=1.0, help="channel width multiplier (1 = paper)")
    t.add_argument("--batch-size", type=int)
    t.add_argument("--lr", type=float)
    t.add_argument("--patience", type=int, help="early-stopping patience in epochs")
    t.add_argument("--no-augment", action="store_true")
    t.add_argument("--balance", action=argparse.BooleanOptionalAction, default=None,
                   help="class-balanced sampling (default: the recipe's)")
    t.add_argument("--threads", type=int, help="default: all cores available to the process")
    t.add_argument("--split", type=_floats, default=[0.7, 0.1, 0.2], help="train,val,test item fractions")
    t.add_argument("--val-subjects", type=_names, default=[])
    t.add_argument("--test-subjects", type=_names, default=[])
    t.add_argument("--init", type=Path, help="torchvision-format backbone checkpoint (.pt state dict)")
    t.add_argument("--freeze-backbone", action="store_true", help="train only the classifier (needs --init)")
    t.add_argument("--max-steps", type=int, help="cap optimiser steps per epoch")
    t.add_argument("--keep", choices=("best", "last"), default="best",
                   help="export the best-validation epoch (early stopping, default) or the last epoch")
    t.add_argument("--name", help="manifest name (default: the --out file name)")
    t.add_argument("--version", default="1.0.0")
    t.add_argument("--data-description", help="manifest training.data (default: dataset.json's description)")

    i = sub.add_parser("train-infant", help="train the seed-003 infant AU MLP (7→3→1) and export it")
    i.add_argument("aus_csv", type=Path)
    i.add_argument("--out", required=True, type=Path)
    i.add_argument("--epochs", type=int, default=100)
    i.add_argument("--seed", type=int, default=42)
    i.add_argument("--engagement", type=_floats, help="7 AU engagement weights (AU27,AU25,AU10,AU12,AU9,AU6,AU20)")
    i.add_argument("--name")
    i.add_argument("--data-description")

    e = sub.add_parser("eval-predictions", help="metrics of a subject,pspi,label,p0..pK-1 CSV")
    e.add_argument("predictions", type=Path)
    e.add_argument("--scheme", choices=("gla4", "da5", "res7"), help="default: from the number of classes")
    e.add_argument("--manifest", type=Path, help="take class values from a model manifest")
    e.add_argument("--json", action="store_true", help="print the full metrics JSON")

    f = sub.add_parser("faceapi-convert", help="convert @vladmandic/face-api's expression net (npm .tgz or folder) "
                                               "to a PyTorch checkpoint for train --arch faceapi-expression --init")
    f.add_argument("src", type=Path)
    f.add_argument("--out", required=True, type=Path)

    c = sub.add_parser("check-manifest", help="validate a manifest against the contract and its .onnx")
    c.add_argument("manifest", type=Path)

    s = sub.add_parser("synthetic-smoke", help="write a tiny generated dataset of drawn shapes (tests only)")
    s.add_argument("dir", type=Path)
    s.add_argument("--subjects", type=int, default=8)
    s.add_argument("--per-subject", type=int, default=20)
    s.add_argument("--size", type=int, default=112)
    s.add_argument("--seed", type=int, default=0)

    b = sub.add_parser("bench", help="training and inference images/s of the architectures (synthetic batches)")
    b.add_argument("--arch", action="append", choices=ARCHITECTURES, help="repeatable; default: all")
    b.add_argument("--size", type=int, default=112)
    b.add_argument("--width", type=float, default=1.0)
    b.add_argument("--batch-size", type=int, default=32)
    b.add_argument("--steps", type=int, default=3)
    b.add_argument("--threads", type=int)

    a = sub.add_parser("synthetic-aus", help="write a generated infant AU CSV (tests only)")
    a.add_argument("csv", type=Path)
    a.add_argument("--subjects", type=int, default=10)
    a.add_argument("--per-subject", type=int, default=30)
    a.add_argument("--seed", type=int, default=0)
    return p


def cmd_train(a: argparse.Namespace) -> int:
    from .train import TrainConfig, train

    if len(a.split) != 3:
        raise ValueError("--split needs three fractions: train,val,test")
    train(TrainConfig(dataset=a.dataset, arch=a.arch, out=a.out, scheme=a.scheme, epochs=a.epochs, size=a.size,
                      seed=a.seed, width=a.width, batch_size=a.batch_size, lr=a.lr, patience=a.patience,
                      augment=not a.no_augment, balance=a.balance, threads=a.threads, fractions=tuple(a.split),
                      val_subjects=a.val_subjects, test_subjects=a.test_subjects, init=a.init,
                      freeze_backbone=a.freeze_backbone, max_steps=a.max_steps, keep=a.keep, name=a.name, version=a.version,
                      data_description=a.data_description))
    return 0


def cmd_eval(a: argparse.Namespace) -> int:
    from .metrics import compute, read_predictions
    from .schemes import get_scheme, scheme_for_classes

    pred = read_predictions(a.predictions)
    k = pred.probs.shape[1]
    if a.manifest:
        classes = json.loads(a.manifest.read_text(encoding="utf-8"))["classes"]
        values = [c.get("value", (c["pspiMin"] + c["pspiMax"]) / 2) for c in classes]
    else:
        values = (get_scheme(a.scheme) if a.scheme else scheme_for_classes(k)).values
    if len(values) != k:
        raise ValueError(f"{a.predictions}: {k} probability columns, the scheme has {len(values)} classes")
    metrics = compute(pred, values)
    if a.json:
        print(json.dumps(metrics, indent=2))
    else:
        for key in ("n", "accuracy", "macro_f1", "kappa_linear", "kappa_quadratic", "auc_macro", "ece", "pcc", "mae"):
            v = metrics[key]
            print(f"{key:16s} {'n/a' if v is None else (f'{v:.4f}' if isinstance(v, float) else v)}")
        print("confusion_matrix (rows true, columns predicted):")
        for row in metrics["confusion_matrix"]:
            print("  " + " ".join(f"{v:5d}" for v in row))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    a = parser().parse_args(argv)
    try:
        if a.command == "train":
            return cmd_train(a)
        if a.command == "train-infant":
            from .infant import train_infant

            train_infant(a.aus_csv, a.out, a.seed, a.epochs, a.engagement, a.name, a.data_description)
            return 0
        if a.command == "eval-predictions":
            return cmd_eval(a)
        if a.command == "faceapi-convert":
            from .faceapi import convert

            ck = convert(a.src, a.out)
            print(f"{a.out}: {len(ck['state_dict'])} backbone tensors + expression head ({', '.join(ck['labels'])})")
            return 0
        if a.command == "check-manifest":
            from .manifest import load_and_check

            load_and_check(a.manifest)
            print(f"{a.manifest}: ok")
            return 0
        if a.command == "synthetic-smoke":
            from .synthetic import make_smoke_dataset

            print(make_smoke_dataset(a.dir, a.subjects, a.per_subject, a.size, a.seed))
            return 0
        if a.command == "bench":
            from .bench import measure

            for arch in a.arch or ARCHITECTURES:
                r = measure(arch, a.size, a.width, a.batch_size, a.steps, a.threads)
                print(f"{arch:9s} {a.size}px width {a.width:g} ({r['params'] / 1e6:.2f} M params, {r['threads']} "
                      f"threads, batch {a.batch_size}): train {r['train_images_per_second']:.1f} img/s, inference "
                      f"{r['inference_images_per_second']:.1f} img/s", flush=True)
            return 0
        if a.command == "synthetic-aus":
            from .synthetic import make_infant_aus

            print(make_infant_aus(a.csv, a.subjects, a.per_subject, a.seed))
            return 0
    except (ValueError, OSError) as e:  # DatasetError and ManifestError are ValueErrors
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 64


if __name__ == "__main__":
    sys.exit(main())
