"""Dataset folders (docs/model-contract.md "Dataset folder"), subject-wise splits and image loading.

A dataset is a folder with ``labels.csv`` whose header holds ``path,subject,pspi`` and optionally ``class`` and
``time``; ``path`` is relative to the folder and names a PNG face crop made by ``painstream dataset align`` or
``painstream dataset synth`` (112×112; PNG stores RGB). An optional ``dataset.json`` ``{"description": "...", "synthetic": true}`` describes the data for the
model manifest; without it, a ``synth.csv`` beside ``labels.csv`` (``painstream dataset synth``) marks it synthetic.
"""

from __future__ import annotations

import csv
import json
import math
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import torch

from .schemes import Scheme

REQUIRED_COLUMNS = ("path", "subject", "pspi")
OPTIONAL_COLUMNS = ("class", "time")
PSPI_MAX = 16.0
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp")
# ``painstream dataset synth`` writes this provenance file beside labels.csv.
SYNTH_PROVENANCE = "synth.csv"
SYNTH_DESCRIPTION = ("synthetic: warped grimaces of real fixture faces (painstream dataset synth); "
                     "not clinically validated")
# Preload decoded images while they fit in this many bytes; beyond it they are decoded on every access.
CACHE_LIMIT_BYTES = 1_500_000_000


class DatasetError(ValueError):
    """A dataset problem; the message names the file and, where there is one, the line of labels.csv."""


@dataclass(frozen=True)
class Item:
    """One labelled image."""

    path: Path
    subject: str
    pspi: float
    label: int
    time: float | None
    line: int  # line number in labels.csv (the header is line 1)


@dataclass(frozen=True)
class DatasetInfo:
    """What ``dataset.json`` says about the data (used in the manifest's ``training.data``)."""

    description: str
    synthetic: bool


@dataclass
class Split:
    """Subject ids per split; no subject is in two splits."""

    train: list[str] = field(default_factory=list)
    val: list[str] = field(default_factory=list)
    test: list[str] = field(default_factory=list)

    def of(self, items: Sequence[Item], name: str) -> list[Item]:
        subjects = set(getattr(self, name))
        return [it for it in items if it.subject in subjects]

    def to_json(self) -> dict[str, list[str]]:
        return {"train": list(self.train), "val": list(self.val), "test": list(self.test)}


# --------------------------------------------------------------------------------------------------- labels.csv


def read_labels(folder: str | Path, scheme: Scheme, check_files: bool = True) -> list[Item]:
    """Read ``folder/labels.csv``; every problem raises :class:`DatasetError` naming the line."""
    folder = Path(folder)
    csv_path = folder / "labels.csv"
    if not csv_path.is_file():
        raise DatasetError(f"{csv_path}: not found (a dataset folder needs labels.csv with header path,subject,pspi)")
    with csv_path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        header = [h.strip().lower() for h in next(reader, [])]
        _check_header(csv_path, header)
        col = {name: header.index(name) for name in header}
        items = [_parse_row(csv_path, folder, scheme, col, row, line)
                 for line, row in enumerate(reader, start=2) if any(cell.strip() for cell in row)]
    if not items:
        raise DatasetError(f"{csv_path}: no rows")
    if check_files:
        for it in items:
            if not it.path.is_file():
                raise DatasetError(f"{csv_path} line {it.line}: image '{it.path.relative_to(folder)}' not found "
                                   f"({it.path})")
    return items


def _check_header(csv_path: Path, header: list[str]) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise DatasetError(f"{csv_path} line 1: header {','.join(header) or '(empty)'} lacks column(s) "
                           f"{','.join(missing)}; expected path,subject,pspi[,class][,time]")
    dupes = {h for h in header if header.count(h) > 1}
    if dupes:
        raise DatasetError(f"{csv_path} line 1: duplicate column(s) {','.join(sorted(dupes))}")


def _parse_row(csv_path: Path, folder: Path, scheme: Scheme, col: dict[str, int], row: list[str],
               line: int) -> Item:
    where = f"{csv_path} line {line}"

    def cell(name: str) -> str:
        i = col.get(name)
        return row[i].strip() if i is not None and i < len(row) else ""

    rel = cell("path")
    if not rel:
        raise DatasetError(f"{where}: empty path")
    if Path(rel).is_absolute() or ".." in Path(rel).parts:
        raise DatasetError(f"{where}: path '{rel}' must be relative to the dataset folder")
    if Path(rel).suffix.lower() not in IMAGE_SUFFIXES:
        raise DatasetError(f"{where}: path '{rel}' is not an image ({', '.join(IMAGE_SUFFIXES)}); clips are "
                           "allowed by the format but not read by the kit yet")
    subject = cell("subject")
    if not subject:
        raise DatasetError(f"{where}: empty subject")
    pspi = _parse_number(cell("pspi"), f"{where}: pspi", 0.0, PSPI_MAX)
    label = _parse_class(cell("class"), where, scheme) if cell("class") else scheme.class_of(pspi)
    time = _parse_number(cell("time"), f"{where}: time", 0.0, math.inf) if cell("time") else None
    return Item(folder / rel, subject, pspi, label, time, line)


def _parse_number(text: str, what: str, lo: float, hi: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise DatasetError(f"{what} '{text}' is not a number") from None
    if not math.isfinite(value) or value < lo or value > hi:
        raise DatasetError(f"{what} {text} is outside {lo:g}–{hi:g}")
    return value


def _parse_class(text: str, where: str, scheme: Scheme) -> int:
    try:
        value = int(text)
    except ValueError:
        raise DatasetError(f"{where}: class '{text}' is not an integer class index") from None
    if not 0 <= value < scheme.num_classes:
        raise DatasetError(f"{where}: class {value} is unknown in scheme {scheme.name} "
                           f"(classes 0–{scheme.num_classes - 1})")
    return value


def read_info(folder: str | Path) -> DatasetInfo:
    """``dataset.json`` if present; else synthetic when ``synth.csv`` (written by ``painstream dataset synth``) is
    there; else a description naming the folder (assumed real data)."""
    path = Path(folder) / "dataset.json"
    if not path.is_file():
        if (Path(folder) / SYNTH_PROVENANCE).is_file():
            return DatasetInfo(SYNTH_DESCRIPTION, synthetic=True)
        return DatasetInfo(f"dataset folder '{Path(folder).name}' (no dataset.json)", synthetic=False)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise DatasetError(f"{path}: not valid JSON ({e})") from None
    synthetic = bool(doc.get("synthetic", False))
    description = str(doc.get("description") or ("synthetic data" if synthetic else Path(folder).name))
    if synthetic and not description.lower().startswith("synthetic"):
        description = "synthetic: " + description
    if synthetic and "not clinically validated" not in description.lower():
        description += "; not clinically validated"
    return DatasetInfo(description, synthetic)


# --------------------------------------------------------------------------------------------------- splits


def split_subjects(items: Sequence[Item], seed: int, fractions: Sequence[float] = (0.7, 0.1, 0.2),
                   val_subjects: Iterable[str] = (), test_subjects: Iterable[str] = ()) -> Split:
    """Subject-wise train/val/test split, deterministic for a seed.

    Explicit ``val_subjects``/``test_subjects`` are honoured; the other subjects are shuffled with ``seed`` (sorted
    first, so the input order does not matter) and assigned to test, then val, until each holds its fraction of the
    *items*; every split gets at least one subject; the rest is train.
    """
    counts: dict[str, int] = {}
    for it in items:
        counts[it.subject] = counts.get(it.subject, 0) + 1
    val_fixed, test_fixed = list(dict.fromkeys(val_subjects)), list(dict.fromkeys(test_subjects))
    unknown = [s for s in val_fixed + test_fixed if s not in counts]
    if unknown:
        raise DatasetError(f"subject(s) {', '.join(unknown)} not in the dataset")
    if set(val_fixed) & set(test_fixed):
        raise DatasetError(f"subject(s) {', '.join(sorted(set(val_fixed) & set(test_fixed)))} in both val and test")
    if len(fractions) != 3 or any(f < 0 for f in fractions) or sum(fractions) <= 0:
        raise ValueError(f"split fractions {fractions}: need three non-negative numbers (train,val,test)")
    free = sorted(s for s in counts if s not in set(val_fixed) | set(test_fixed))
    random.Random(seed).shuffle(free)
    total = sum(counts.values())
    frac = [f / sum(fractions) for f in fractions]
    test = list(test_fixed) or _take(free, counts, frac[2] * total)
    val = list(val_fixed) or _take(free, counts, frac[1] * total)
    train = sorted(free)
    if not train or not val or not test:
        raise DatasetError(f"{len(counts)} subject(s) cannot make subject-disjoint train/val/test splits "
                           "(need at least 3 subjects)")
    return Split(train, sorted(val), sorted(test))


def _take(pool: list[str], counts: dict[str, int], target: float) -> list[str]:
    """Pop subjects from the front of ``pool`` until their items reach ``target`` (at least one, and never the
    last subject of the pool, which is kept for train)."""
    taken: list[str] = []
    n = 0
    while len(pool) > 1 and (not taken or n < target):
        s = pool.pop(0)
        taken.append(s)
        n += counts[s]
    return taken


# --------------------------------------------------------------------------------------------------- images


def load_image(path: Path, size: int) -> np.ndarray:
    """A face crop as uint8 RGB [3, size, size]; resized (bilinear) when it is not size×size."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            im = im.convert("RGB")
            if im.size != (size, size):
                im = im.resize((size, size), Image.BILINEAR)
            arr = np.asarray(im, dtype=np.uint8)
    except (OSError, ValueError) as e:
        raise DatasetError(f"{path}: cannot read image ({e})") from None
    return np.ascontiguousarray(arr.transpose(2, 0, 1))


class FaceDataset(torch.utils.data.Dataset):
    """Items as (uint8 image [3,S,S], class index, pspi). Images are decoded once and kept in memory when they fit."""

    def __init__(self, items: Sequence[Item], size: int, cache: bool | None = None) -> None:
        self.items = list(items)
        self.size = size
        self.labels = torch.tensor([it.label for it in self.items], dtype=torch.long)
        self.pspi = torch.tensor([it.pspi for it in self.items], dtype=torch.float32)
        if cache is None:
            cache = len(self.items) * 3 * size * size <= CACHE_LIMIT_BYTES
        self.images: torch.Tensor | None = None
        if cache and self.items:
            self.images = torch.from_numpy(np.stack([load_image(it.path, size) for it in self.items]))

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int, float]:
        image = self.images[i] if self.images is not None else torch.from_numpy(load_image(self.items[i].path,
                                                                                             self.size))
        return image, int(self.labels[i]), float(self.pspi[i])


def class_weights_sampler(labels: torch.Tensor, num_classes: int, seed: int) -> torch.utils.data.Sampler:
    """Class-balanced sampling (seeds 001/002 balance classes): each item drawn with weight 1/count(class)."""
    counts = torch.bincount(labels, minlength=num_classes).clamp(min=1).double()
    weights = (1.0 / counts)[labels]
    gen = torch.Generator().manual_seed(seed)
    return torch.utils.data.WeightedRandomSampler(weights, num_samples=len(labels), replacement=True, generator=gen)
