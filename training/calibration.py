"""Temperature scaling (Guo et al. 2017) fitted on the validation split: p = softmax(logits / T) minimising NLL."""

from __future__ import annotations

import math

import numpy as np
from scipy.special import log_softmax

T_MIN, T_MAX = 0.05, 20.0


def nll(logits: np.ndarray, labels: np.ndarray, temperature: float = 1.0) -> float:
    """Mean negative log-likelihood of the true labels under softmax(logits / T)."""
    logp = log_softmax(np.asarray(logits, dtype=np.float64) / temperature, axis=1)
    return float(-logp[np.arange(len(labels)), np.asarray(labels)].mean())


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    return np.exp(log_softmax(np.asarray(logits, dtype=np.float64) / temperature, axis=1))


def fit_temperature(logits: np.ndarray, labels: np.ndarray, iterations: int = 60) -> float:
    """The T in [0.05, 20] minimising validation NLL: a log-spaced grid, then golden-section search around the best
    grid point (NLL is unimodal in log T for all but degenerate inputs). Returns 1.0 for an empty split."""
    if len(labels) == 0:
        return 1.0
    grid = np.linspace(math.log(T_MIN), math.log(T_MAX), 61)
    losses = [nll(logits, labels, math.exp(g)) for g in grid]
    best = int(np.argmin(losses))
    lo, hi = grid[max(best - 1, 0)], grid[min(best + 1, len(grid) - 1)]
    phi = (math.sqrt(5) - 1) / 2
    a, b = hi - phi * (hi - lo), lo + phi * (hi - lo)
    fa, fb = nll(logits, labels, math.exp(a)), nll(logits, labels, math.exp(b))
    for _ in range(iterations):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - phi * (hi - lo)
            fa = nll(logits, labels, math.exp(a))
        else:
            lo, a, fa = a, b, fb
            b = lo + phi * (hi - lo)
            fb = nll(logits, labels, math.exp(b))
    t = math.exp((lo + hi) / 2)
    return float(t) if nll(logits, labels, t) <= nll(logits, labels, 1.0) else 1.0
