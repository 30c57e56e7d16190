"""Batch augmentation and normalisation on tensors (no extra dependencies, deterministic for a generator)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Sequence

import torch
import torch.nn.functional as F

# ImageNet statistics (seed 001 states them; torchvision-format pretrained backbones expect them).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


@dataclass(frozen=True)
class AugmentConfig:
    """Random augmentation per image. Defaults: small affine, brightness/contrast ±20 %, horizontal flip."""

    rotate_deg: float = 10.0
    translate: float = 0.04  # fraction of the image size
    scale: float = 0.05  # ± relative zoom
    brightness: float = 0.2
    contrast: float = 0.2
    flip: float = 0.5  # probability

    def to_json(self) -> dict[str, float]:
        return asdict(self)


NO_AUGMENT = AugmentConfig(0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


def _uniform(n: int, amount: float, gen: torch.Generator) -> torch.Tensor:
    return (torch.rand(n, generator=gen) * 2.0 - 1.0) * amount


def augment(x: torch.Tensor, cfg: AugmentConfig, gen: torch.Generator) -> torch.Tensor:
    """Augment a float batch [N,3,H,W] in [0,1]; returns a new tensor in [0,1]."""
    n = x.shape[0]
    if cfg.rotate_deg or cfg.translate or cfg.scale:
        angle = _uniform(n, math.radians(cfg.rotate_deg), gen)
        zoom = 1.0 + _uniform(n, cfg.scale, gen)
        tx, ty = _uniform(n, 2.0 * cfg.translate, gen), _uniform(n, 2.0 * cfg.translate, gen)
        cos, sin = torch.cos(angle) / zoom, torch.sin(angle) / zoom
        theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
        grid = F.affine_grid(theta, list(x.shape), align_corners=False)
        x = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    if cfg.flip:
        flip = torch.rand(n, generator=gen) < cfg.flip
        x = torch.where(flip[:, None, None, None], x.flip(3), x)
    if cfg.contrast:
        c = 1.0 + _uniform(n, cfg.contrast, gen)[:, None, None, None]
        mean = x.mean(dim=(1, 2, 3), keepdim=True)
        x = (x - mean) * c + mean
    if cfg.brightness:
        x = x * (1.0 + _uniform(n, cfg.brightness, gen)[:, None, None, None])
    return x.clamp(0.0, 1.0)


def normalise(x_uint8: torch.Tensor, mean: Sequence[float], std: Sequence[float],
              cfg: AugmentConfig | None = None, gen: torch.Generator | None = None) -> torch.Tensor:
    """uint8 RGB [N,3,H,W] → float ``(x/255 − mean)/std`` as in the manifest, augmented first when ``cfg`` is given."""
    x = x_uint8.float() / 255.0
    if cfg is not None and cfg != NO_AUGMENT:
        x = augment(x, cfg, gen if gen is not None else torch.Generator().manual_seed(0))
    m = torch.tensor(mean, dtype=x.dtype).view(1, 3, 1, 1)
    s = torch.tensor(std, dtype=x.dtype).view(1, 3, 1, 1)
    return (x - m) / s
