"""Training and inference speed of the seed architectures on this machine (synthetic batches, no data loading)."""

from __future__ import annotations

import time
from typing import Any

import torch

from .models import build_model
from .schemes import ARCH_SCHEME, get_scheme
from .train import RECIPES, make_optimizer, set_threads


def measure(arch: str, size: int = 112, width: float = 1.0, batch: int = 32, steps: int = 3,
            threads: int | None = None) -> dict[str, Any]:
    """Images/s for optimiser steps (forward + backward + step, train mode) and for eval-mode forward passes; one
    warm-up step first."""
    n_threads = set_threads(threads)
    torch.manual_seed(0)
    k = get_scheme(ARCH_SCHEME[arch]).num_classes
    model = build_model(arch, k, width)
    opt = make_optimizer(model.parameters(), RECIPES[arch], RECIPES[arch].lr)
    x, y = torch.randn(batch, 3, size, size), torch.randint(0, k, (batch,))
    model.train()
    for i in range(steps + 1):
        if i == 1:
            start = time.perf_counter()
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    train_ips = batch * steps / (time.perf_counter() - start)
    model.eval()
    with torch.no_grad():
        model(x)
        start = time.perf_counter()
        for _ in range(steps):
            model(x)
        infer_ips = batch * steps / (time.perf_counter() - start)
    return {"arch": arch, "size": size, "width": width, "batch": batch, "threads": n_threads,
            "params": sum(p.numel() for p in model.parameters()), "train_images_per_second": train_ips,
            "inference_images_per_second": infer_ips}
