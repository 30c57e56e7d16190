"""Tiny generated datasets for tests and smoke runs only.

``make_smoke_dataset`` draws cartoon shapes — an ellipse with bars for brows, ellipses for eyes, lines for nose
wrinkles and a mouth — whose geometry follows PSPI's action units (AU4 lowers the brows, AU6/7 narrows the eyes,
AU9/10 adds nose lines and raises the lip, AU43 closes the eyes). They are clearly *not faces* and say so in
``dataset.json``; a model trained on them is only good for testing the pipeline.

``make_infant_aus`` writes a CSV of the 7 infant AU intensities with a FLACC-like target for ``train-infant`` tests.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .models import INFANT_AUS

SMOKE_DESCRIPTION = ("synthetic: drawn cartoon shapes (not faces) from training/synthetic.py, for tests only; "
                     "not clinically validated")


@dataclass(frozen=True)
class Aus:
    au4: int  # brow lowerer 0–5
    au67: int  # max(AU6, AU7) 0–5
    au910: int  # max(AU9, AU10) 0–5
    au43: int  # eyes closed 0/1

    @property
    def pspi(self) -> int:
        return self.au4 + self.au67 + self.au910 + self.au43


def sample_aus(rng: random.Random, pain_fraction: float = 0.6) -> Aus:
    """No pain with probability 1 − pain_fraction, else an intensity t ~ U(0,1] spread over the AUs."""
    if rng.random() > pain_fraction:
        return Aus(0, 0, 0, 0)
    t = rng.random()
    au = [min(5, round(5 * t * rng.uniform(0.5, 1.1))) for _ in range(3)]
    return Aus(au[0], au[1], au[2], int(t > 0.75 and rng.random() < 0.5))


@dataclass(frozen=True)
class Look:
    """Per-subject appearance."""

    skin: tuple[int, int, int]
    background: tuple[int, int, int]
    face_w: float
    face_h: float
    eye_dx: float
    brow_y: float


def subject_look(rng: random.Random) -> Look:
    skin = tuple(int(v) for v in np.clip(np.array([200, 160, 130]) * rng.uniform(0.45, 1.15), 0, 255))
    background = (rng.randrange(20, 90), rng.randrange(20, 90), rng.randrange(20, 90))
    return Look(skin, background, rng.uniform(0.33, 0.40), rng.uniform(0.42, 0.48), rng.uniform(0.15, 0.19),
                rng.uniform(0.33, 0.37))


def draw(aus: Aus, look: Look, size: int, rng: random.Random) -> "Image.Image":  # noqa: F821
    """One image: coordinates in units of the image size, then jittered a little."""
    from PIL import Image, ImageDraw

    s = float(size)
    jx, jy = rng.uniform(-0.02, 0.02), rng.uniform(-0.02, 0.02)

    def p(x: float, y: float) -> tuple[float, float]:
        return ((x + jx) * s, (y + jy) * s)

    im = Image.new("RGB", (size, size), look.background)
    d = ImageDraw.Draw(im)
    d.ellipse([p(0.5 - look.face_w, 0.5 - look.face_h), p(0.5 + look.face_w, 0.5 + look.face_h)], fill=look.skin)
    dark = (40, 30, 30)
    eye_y, eye_h = 0.42, 0.045 * (1.0 - 0.17 * aus.au67)
    for side in (-1, 1):
        cx = 0.5 + side * look.eye_dx
        if aus.au43:
            d.line([p(cx - 0.06, eye_y), p(cx + 0.06, eye_y)], fill=dark, width=max(1, size // 56))
        else:
            d.ellipse([p(cx - 0.06, eye_y - eye_h), p(cx + 0.06, eye_y + eye_h)], fill=(240, 240, 240))
            d.ellipse([p(cx - 0.02, eye_y - min(eye_h, 0.02)), p(cx + 0.02, eye_y + min(eye_h, 0.02))], fill=dark)
        brow = look.brow_y + 0.012 * aus.au4
        tilt = -0.01 * aus.au4 * side  # inner ends drop
        d.line([p(cx - 0.07, brow - tilt), p(cx + 0.07, brow + tilt)], fill=dark, width=max(1, size // 40))
    for i in range(aus.au910):
        y = 0.47 + 0.015 * i
        d.line([p(0.45, y), p(0.55, y)], fill=(110, 70, 60), width=max(1, size // 112))
    lip = 0.68 - 0.008 * aus.au910
    d.ellipse([p(0.40, lip), p(0.60, 0.72 + 0.004 * aus.pspi)], fill=(120, 40, 40))
    arr = np.asarray(im, dtype=np.float32) + np.random.default_rng(rng.randrange(1 << 30)).normal(0, 4, (size, size, 3))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def make_smoke_dataset(folder: str | Path, subjects: int = 8, per_subject: int = 20, size: int = 112,
                       seed: int = 0) -> Path:
    """Write ``folder/labels.csv``, ``folder/dataset.json`` and PNGs under ``folder/images/<subject>/``."""
    folder = Path(folder)
    rng = random.Random(seed)
    rows = []
    for s in range(subjects):
        subject = f"s{s:02d}"
        look = subject_look(rng)
        (folder / "images" / subject).mkdir(parents=True, exist_ok=True)
        for i in range(per_subject):
            aus = sample_aus(rng)
            rel = f"images/{subject}/{i:04d}.png"
            draw(aus, look, size, rng).save(folder / rel)
            rows.append((rel, subject, aus.pspi, f"{i / 10:.1f}"))
    with (folder / "labels.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["path", "subject", "pspi", "time"])
        w.writerows(rows)
    (folder / "dataset.json").write_text(json.dumps({"synthetic": True, "description": SMOKE_DESCRIPTION}, indent=2)
                                         + "\n", encoding="utf-8")
    return folder


def make_infant_aus(path: str | Path, subjects: int = 10, per_subject: int = 30, seed: int = 0) -> Path:
    """CSV ``subject,AU27,AU25,AU10,AU12,AU9,AU6,AU20,flacc`` with FLACC ≈ a weighted AU sum (mouth AUs weigh most,
    as seed 003 finds) plus noise, clipped to 0–10."""
    rng = np.random.default_rng(seed)
    weights = np.array([0.9, 0.7, 0.5, 0.3, 0.4, 0.5, 0.4])
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["subject", *INFANT_AUS, "flacc"])
        for s in range(subjects):
            for _ in range(per_subject):
                level = rng.uniform(0, 1) if rng.uniform() < 0.6 else 0.0
                aus = np.clip(level * 5 * rng.uniform(0.5, 1.2, 7) + rng.normal(0, 0.2, 7), 0, 5)
                flacc = float(np.clip(aus @ weights / 1.9 + rng.normal(0, 0.3), 0, 10))
                w.writerow([f"i{s:02d}", *[f"{a:.3f}" for a in aus], f"{flacc:.2f}"])
    return path
