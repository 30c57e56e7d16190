"""Shared fixtures: a tiny generated dataset (drawn shapes, 40 px) and two torch threads."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from training.synthetic import make_smoke_dataset
from training.train import set_threads

SIZE = 40  # small inputs keep the whole suite well under 3 minutes on 2 cores
WIDTH = 0.125


@pytest.fixture(scope="session", autouse=True)
def _threads() -> None:
    set_threads()


@pytest.fixture(scope="session")
def smoke_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6 subjects × 16 images at 40 px."""
    return make_smoke_dataset(tmp_path_factory.mktemp("smoke"), subjects=6, per_subject=16, size=SIZE, seed=1)


@pytest.fixture()
def gen() -> torch.Generator:
    return torch.Generator().manual_seed(0)
