"""Class schemes from PSPI (docs/model-contract.md, DESIGN.md §4) and the infant FLACC levels (seed 003)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence


@dataclass(frozen=True)
class ClassRange:
    """One class of a scheme: an inclusive score range and the value used for the expected score."""

    label: str
    lo: float
    hi: float
    value: float | None = None  # None: the midpoint of [lo, hi] (the contract's default)

    @property
    def expected_value(self) -> float:
        return self.value if self.value is not None else (self.lo + self.hi) / 2.0


@dataclass(frozen=True)
class Scheme:
    """An ordered list of score ranges; class index = position in the list."""

    name: str
    classes: tuple[ClassRange, ...]
    max_score: float = 16.0

    @property
    def num_classes(self) -> int:
        return len(self.classes)

    @property
    def values(self) -> list[float]:
        return [c.expected_value for c in self.classes]

    def class_of(self, score: float) -> int:
        """Class index of a score: the last class whose lower edge is <= score. For integer PSPI this is the class
        whose range contains it; a non-integer score (an averaged PSPI, e.g. 2.5 in ``gla4``) falls in the class of
        its floor."""
        if score < 0 or score > self.max_score:
            raise ValueError(f"score {score} outside 0–{self.max_score:g}")
        index = 0
        for i, c in enumerate(self.classes):
            if score >= c.lo:
                index = i
        return index

    def to_manifest(self) -> list[dict]:
        out = []
        for c in self.classes:
            item: dict = {"label": c.label, "pspiMin": _num(c.lo), "pspiMax": _num(c.hi)}
            if c.value is not None:
                item["value"] = c.value
            out.append(item)
        return out


def _num(x: float) -> float | int:
    return int(x) if float(x).is_integer() else x


def _ranges(edges: Sequence[tuple[float, float]]) -> tuple[ClassRange, ...]:
    return tuple(ClassRange(f"{lo:g}" if lo == hi else f"{lo:g}-{hi:g}", lo, hi) for lo, hi in edges)


SCHEMES: dict[str, Scheme] = {
    # seed 000 (GLA-CNN): 0 | 1 | 2 | >=3 ("No / Weak / Mild / Strong pain")
    "gla4": Scheme("gla4", _ranges([(0, 0), (1, 1), (2, 2), (3, 16)])),
    # seed 001 (DA-CNN): 0 | 1 | 2–3 | 4–6 | 7–10; the contract extends the top class to 16 (seed 001's PSPI is 0–10)
    "da5": Scheme("da5", _ranges([(0, 0), (1, 1), (2, 3), (4, 6), (7, 16)])),
    # seed 002 (ResNet-18): 0 | 1–2 | 3–4 | 5–6 | 7–9 | 10–12 | 13–15; the contract extends the top class to 16
    "res7": Scheme("res7", _ranges([(0, 0), (1, 2), (3, 4), (5, 6), (7, 9), (10, 12), (13, 16)])),
    # seed 003 (infant, FLACC 0–10): levels 0 | 1–3 | 4–6 | 7–10 as in the contract (the paper's 2.5-wide intervals
    # [0,2.5) [2.5,5) [5,7.5) [7.5,10] differ; the contract's levels are the clinical FLACC bands)
    "flacc4": Scheme("flacc4", _ranges([(0, 0), (1, 3), (4, 6), (7, 10)]), max_score=10.0),
}

# Default scheme of each architecture (the seed's own).
ARCH_SCHEME = {"gla-cnn": "gla4", "da-cnn": "da5", "resnet18": "res7", "faceapi-expression": "res7",
               "infant-mlp": "flacc4"}


def get_scheme(name: str) -> Scheme:
    try:
        return SCHEMES[name]
    except KeyError:
        raise ValueError(f"unknown class scheme '{name}' (known: {', '.join(sorted(SCHEMES))})") from None


def scheme_for_classes(k: int) -> Scheme:
    """The PSPI scheme with k classes (4 → gla4, 5 → da5, 7 → res7)."""
    for name in ("gla4", "da5", "res7"):
        if SCHEMES[name].num_classes == k:
            return SCHEMES[name]
    raise ValueError(f"no PSPI scheme has {k} classes; pass --scheme or --manifest")
