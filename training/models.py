"""Seed architectures (papers in ../shared/seeds, digest in seeds/DIGEST.md).

Every pain CNN is a :class:`CamModel`: ``feature_map(x)`` gives the last feature map ``[N,C,h,w]`` and the logits are
``head(GAP(feature_map(x)))`` with ``head`` one ``nn.Linear`` (dropout before it in training only). Hence the class
activation map ``CAM_k = Σ_c W[k,c]·F[c]`` averages exactly to ``logit_k − b_k``; :class:`CamExport` returns
``logits``, ``features`` and ``cam_weights`` (docs/model-contract.md ``cam``).

``width`` multiplies every channel count (1.0 = the paper's widths) so tests can build tiny versions; any input size
from 32 px works (the default deployment size is the contract's 112).

Places where a paper is ambiguous are marked ``AMBIGUOUS (seed N)`` with the choice made.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F

ARCHITECTURES = ("gla-cnn", "da-cnn", "resnet18", "faceapi-expression")
INFANT_AUS = ("AU27", "AU25", "AU10", "AU12", "AU9", "AU6", "AU20")


def ch(channels: int, width: float) -> int:
    """Channel count scaled by the width multiplier (at least 4)."""
    return max(4, int(round(channels * width)))


def conv_bn_relu(cin: int, cout: int, k: int = 3, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True))


class CamModel(nn.Module):
    """Base of the pain CNNs: feature map → global average pooling → (dropout) → linear classifier."""

    head: nn.Linear
    head_dropout: nn.Module

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits [N,K]."""
        return self.head(self.head_dropout(self.feature_map(x).mean(dim=(2, 3))))


class CamExport(nn.Module):
    """Export wrapper: (logits [N,K], features [N,C,h,w], cam_weights [K,C] constant)."""

    def __init__(self, model: CamModel) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        f = self.model.feature_map(x)
        logits = self.model.head(f.mean(dim=(2, 3)))
        # "+ 0" keeps a node between the initializer and the graph output (some runtimes dislike an initializer
        # that is also an output); constant folding is off for this reason in export.py.
        return logits, f, self.model.head.weight + 0.0


# --------------------------------------------------------------------------------------------------- DA-CNN (001)


class MultiHeadSpatialAttention(nn.Module):
    """Seed 001: A_i = σ(Conv1×1(ReLU(Conv1×1(F)))) ∈ R^{H×W} per head, F' = Σ_i A_i ⊙ F.

    AMBIGUOUS (seed 001): the text also says "Q–K–V projections" (contradicting the gating formula) and sums K gated
    copies without normalisation (scaling F by up to K). We implement the explicit formula with K = 4 heads (the
    number stated) and hidden width C/8 per head, and take the *mean* over heads instead of the sum (same function up
    to a factor K that would otherwise inflate activations).
    """

    def __init__(self, channels: int, heads: int = 4, reduction: int = 8) -> None:
        super().__init__()
        hidden = max(1, channels // reduction)
        self.heads = heads
        self.reduce = nn.Conv2d(channels, hidden * heads, 1)
        self.gate = nn.Conv2d(hidden * heads, heads, 1, groups=heads)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a = torch.sigmoid(self.gate(F.relu(self.reduce(x))))  # [N, heads, H, W]
        return x * a.mean(dim=1, keepdim=True)


class TriplePoolChannelAttention(nn.Module):
    """Seed 001: z = [AvgPool(F), MaxPool(F), StdPool(F)], s = σ(W2 δ(W1 z)), F' = s ⊙ F, reduction r = 8.

    AMBIGUOUS (seed 001): the sizes of W1 are not given and "ECA" is also mentioned (a 1-D conv, not an MLP). We
    concatenate the three pooled vectors (3C) and use W1: 3C → C/8, W2: C/8 → C as the formula says.
    """

    def __init__(self, channels: int, reduction: int = 8) -> None:
        super().__init__()
        hidden = max(1, channels // reduction)
        self.fc1 = nn.Linear(3 * channels, hidden)
        self.fc2 = nn.Linear(hidden, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=(2, 3))
        peak = x.amax(dim=(2, 3))
        std = torch.sqrt((x - mean[:, :, None, None]).pow(2).mean(dim=(2, 3)) + 1e-5)
        s = torch.sigmoid(self.fc2(F.relu(self.fc1(torch.cat([mean, peak, std], dim=1)))))
        return x * s[:, :, None, None]


class DACNN(CamModel):
    """DA-CNN (seed 001): compact CNN + multi-head spatial attention + triple-pooling channel attention, 5 classes.

    - Backbone: four blocks Conv3×3 → BN → ReLU → MaxPool2 with 64/128/256/512 channels. AMBIGUOUS (seed 001): one
      passage says two blocks growing 3→256 channels, another four blocks; the stated 8,192-d flattened vector is
      512×4×4 at 64 px after four pools, so we take four blocks (one convolution each, as written).
    - Attention after the last block, spatial first then channel (as stated).
    - Head. AMBIGUOUS (seed 001): "flattened into an 8,192-d vector" → FC 256 → FC 128 (dropout 0.5) → softmax, but
      elsewhere "global average pooling, dropout, and fully connected layers". The contract needs GAP + linear for
      class activation maps, so the two FC layers (256, 128 units, BN, ReLU, dropout) are applied per position as
      1×1 convolutions before GAP, then dropout and the linear classifier. The 128-channel map is the CAM feature map.
    - Input: the paper uses 64×64 with ImageNet normalisation; we default to the contract's 112×112 crops (same
      normalisation); ``--size 64`` reproduces the paper's size (the scorer must then resize the crop).
    """

    def __init__(self, num_classes: int = 5, width: float = 1.0, dropout: float = 0.5) -> None:
        super().__init__()
        widths = [ch(c, width) for c in (64, 128, 256, 512)]
        layers: list[nn.Module] = []
        cin = 3
        for c in widths:
            layers += [conv_bn_relu(cin, c), nn.MaxPool2d(2)]
            cin = c
        self.backbone = nn.Sequential(*layers)
        self.spatial = MultiHeadSpatialAttention(cin)
        self.channel = TriplePoolChannelAttention(cin)
        h1, h2 = ch(256, width), ch(128, width)
        self.fc_conv = nn.Sequential(conv_bn_relu(cin, h1, 1), nn.Dropout(dropout), conv_bn_relu(h1, h2, 1))
        self.head_dropout = nn.Dropout(dropout)
        self.head = nn.Linear(h2, num_classes)

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc_conv(self.channel(self.spatial(self.backbone(x))))


# --------------------------------------------------------------------------------------------------- GLA-CNN (000)

VGG16_CFG: tuple[int | str, ...] = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512)


def vgg16_features(width: float = 1.0) -> nn.Sequential:
    """VGG-16 (configuration D) convolutions with batch norm, up to conv5_3 + ReLU (the fifth max-pool dropped).

    Layer indices equal torchvision's ``vgg16_bn().features`` so its state dict loads (``features.`` → ``vgg.``).
    """
    layers: list[nn.Module] = []
    cin = 3
    for v in VGG16_CFG:
        if v == "M":
            layers.append(nn.MaxPool2d(2, 2))
        else:
            c = ch(int(v), width)
            layers += [nn.Conv2d(cin, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(True)]
            cin = c
    return nn.Sequential(*layers)


class LocalAttentionNet(nn.Module):
    """LANet (seed 000): the map is cut into grid×grid non-overlapping patches; each patch has its own local attention
    module (separate weights, as in the patch-gated CNN it derives from; implemented with grouped convolutions).

    Per patch P_i (C×p×p):
    - branch 1 (β_i, "vector-shaped local feature"): AMBIGUOUS (seed 000), method not given → Conv1×1-BN-ReLU with
      the paper's identity skip from the input patch, then global average pooling → C-d vector (1×1 rather than 3×3
      keeps the 25 separate modules at 6.5 M instead of 59 M parameters);
    - branch 2 (ω_i, scalar weight): max-pool → two 3×3 convolutions → 128×3×3 → ReLU, BatchNorm2d → sigmoid, as
      stated. AMBIGUOUS (seed 000): how 128×3×3 becomes a scalar → a 3×3 convolution without padding (128×3×3 → 1);
    - w_i = σ(ω_i)·β_i (Eq. 2).
    Output: the per-position projections of the paper's "concatenate w_1…w_25 → FC 1024" (the FC's column block i,
    P_i, applied to w_i), as a map U [1024, grid, grid]; Σ_i U_i equals the FC without its bias (the bias folds into
    the classifier's), so GAP over U reproduces the FC up to the constant factor 25, which the classifier absorbs.
    """

    def __init__(self, channels: int, grid: int = 5, patch: int = 4, hidden: int = 128, out_dim: int = 1024) -> None:
        super().__init__()
        g, c = grid * grid, channels
        self.grid, self.patch, self.channels, self.out_dim = grid, patch, channels, out_dim
        self.beta = nn.Sequential(nn.Conv2d(g * c, g * c, 1, groups=g, bias=False),
                                  nn.BatchNorm2d(g * c), nn.ReLU(True))
        # p×p → max-pool (k = p − 2, stride 1) → 3×3 so the two padded 3×3 convolutions give 128×3×3 as stated.
        self.omega = nn.Sequential(nn.MaxPool2d(patch - 2, 1),
                                   nn.Conv2d(g * c, g * hidden, 3, padding=1, groups=g),
                                   nn.Conv2d(g * hidden, g * hidden, 3, padding=1, groups=g),
                                   nn.ReLU(True), nn.BatchNorm2d(g * hidden),
                                   nn.Conv2d(g * hidden, g, 3, groups=g))
        self.project = nn.Conv2d(g * c, g * out_dim, 1, groups=g, bias=False)

    def patches(self, x: torch.Tensor) -> torch.Tensor:
        """[N,C,G·p,G·p] → [N, G²·C, p, p] with patch-major channels (patch index = row·G + col)."""
        n, c, g, p = x.shape[0], self.channels, self.grid, self.patch
        x = x.reshape(n, c, g, p, g, p).permute(0, 2, 4, 1, 3, 5)
        return x.reshape(n, g * g * c, p, p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, g = x.shape[0], self.grid
        patches = self.patches(x)
        beta = (patches + self.beta(patches)).mean(dim=(2, 3), keepdim=True)  # [N, G²·C, 1, 1]
        weight = torch.sigmoid(self.omega(patches))  # [N, G², 1, 1]
        w = beta.reshape(n, g * g, self.channels) * weight.reshape(n, g * g, 1)
        u = self.project(w.reshape(n, g * g * self.channels, 1, 1))  # [N, G²·D, 1, 1]
        return u.reshape(n, g, g, self.out_dim).permute(0, 3, 1, 2)  # [N, D, G, G]


class GlobalAttentionNet(nn.Module):
    """GANet (seed 000): M = MaxPool2(F); V = σ(Conv1×1(GAP(M))); M' from M by conv, max-pool, ReLU;
    M'' = M ⊕ (V ⊗ M') (Eq. 5). AMBIGUOUS (seed 000): the text derives M' from the pooled vector y_k and gives no
    sizes; we apply Conv3×3-BN → MaxPool3×3 (stride 1, keeps M's size) → ReLU to M."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.pool = nn.MaxPool2d(2)
        self.gate = nn.Conv2d(channels, channels, 1)
        self.branch = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels),
                                    nn.MaxPool2d(3, 1, 1), nn.ReLU(True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        m = self.pool(x)
        v = torch.sigmoid(self.gate(m.mean(dim=(2, 3), keepdim=True)))
        return m + v * self.branch(m)


class GLACNN(CamModel):
    """GLA-CNN (seed 000): VGG-16 + LANet (25 patches, local attention) + GANet (global attention), 4 classes.

    - Backbone: VGG-16 convolutions. Deviation: with batch norm (torchvision's ``vgg16_bn`` layout), because no
      ImageNet weights can be downloaded here and plain VGG-16 trains poorly from scratch.
    - AMBIGUOUS (seed 000): the last map is stated as 512×25×25, which VGG-16 does not give at 224 px (14×14). We
      resize conv5_3 bilinearly to a fixed G·p = 5·4 = 20 (not 25) square: 25 patches of 512×4×4 for LANet, and
      GANet's max-pool gives 10×10 (paper 12×12). 20 rather than 25 makes the LANet grid (5×5, upsampled ×2) and the
      GANet map (10×10) share one 10×10 grid, so both paths form one feature map whose GAP + linear layer is exactly
      the paper's head "concat(f_L 1024-d, f_G 512-d) → FC → softmax" — which the contract's CAM output needs.
    - Loss plain cross-entropy, SGD lr 1e-3, momentum 0.9, weight decay 1e-4, batch 32 (train.py).
    """

    def __init__(self, num_classes: int = 4, width: float = 1.0, grid: int = 5, patch: int = 4,
                 dropout: float = 0.0) -> None:
        super().__init__()
        c = ch(512, width)
        self.map_size = grid * patch
        self.vgg = vgg16_features(width)
        self.local = LocalAttentionNet(c, grid, patch, hidden=ch(128, width), out_dim=ch(1024, width))
        self.glob = GlobalAttentionNet(c)
        self.upsample = (self.map_size // 2) // grid  # LANet grid → GANet grid (5 → 10)
        self.head_dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.head = nn.Linear(ch(1024, width) + c, num_classes)

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:
        f = F.interpolate(self.vgg(x), size=(self.map_size, self.map_size), mode="bilinear", align_corners=False)
        m = self.glob(f)  # [N, C, 10, 10]
        u = self.local(f)  # [N, D, 5, 5]
        u = F.interpolate(u, scale_factor=float(self.upsample), mode="nearest")
        return torch.cat([u, m], dim=1)


# --------------------------------------------------------------------------------------------------- ResNet-18 (002)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample: nn.Module | None = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


class ResNet18(CamModel):
    """ResNet-18 (seed 002): torchvision's layout (parameter names equal ``torchvision.models.resnet18`` at width 1,
    so a torchvision-format checkpoint, e.g. one pre-trained on facial expressions, loads with ``--init``) with the
    dense head replaced by a new 7-way linear layer on global average pooling.

    Deviation: no FER+ (or ImageNet) weights can be downloaded here, so it trains from scratch unless ``--init`` is
    given. AMBIGUOUS (seed 002): whether only the classifier or all blocks are fine-tuned → all layers from scratch;
    ``--freeze-backbone`` trains only the classifier (its §III-C) when starting from a checkpoint.
    """

    def __init__(self, num_classes: int = 7, width: float = 1.0, dropout: float = 0.0) -> None:
        super().__init__()
        c = [ch(v, width) for v in (64, 128, 256, 512)]
        self.conv1 = nn.Conv2d(3, c[0], 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(c[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.layer1 = nn.Sequential(BasicBlock(c[0], c[0]), BasicBlock(c[0], c[0]))
        self.layer2 = nn.Sequential(BasicBlock(c[0], c[1], 2), BasicBlock(c[1], c[1]))
        self.layer3 = nn.Sequential(BasicBlock(c[1], c[2], 2), BasicBlock(c[2], c[2]))
        self.layer4 = nn.Sequential(BasicBlock(c[2], c[3], 2), BasicBlock(c[3], c[3]))
        self.head_dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.head = nn.Linear(c[3], num_classes)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def backbone_parameters(self) -> list[nn.Parameter]:
        return [p for name, p in self.named_parameters() if not name.startswith("head.")]

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        return self.layer4(self.layer3(self.layer2(self.layer1(x))))


# --------------------------------------------------------------------------------------------------- infant (003)


class InfantMLP(nn.Module):
    """Seed 003 regression model: 7 AU intensities ⊙ engagement levels → Linear(7,3) → ReLU → Dropout → Linear(3,1).

    AMBIGUOUS (seed 003): the engagement levels are not published numerically and their normalisation is unstated →
    a fixed buffer, all ones unless given (``--engagement``); the dropout rate is unstated → 0.1 after the hidden
    layer; the target is presumably FLACC 0–10 (the export clamps the output to 0–10).
    """

    def __init__(self, engagement: Sequence[float] | None = None, dropout: float = 0.1) -> None:
        super().__init__()
        eng = torch.ones(len(INFANT_AUS)) if engagement is None else torch.tensor(list(engagement), dtype=torch.float32)
        if eng.shape != (len(INFANT_AUS),):
            raise ValueError(f"engagement needs {len(INFANT_AUS)} values ({', '.join(INFANT_AUS)})")
        self.register_buffer("engagement", eng)
        self.net = nn.Sequential(nn.Linear(len(INFANT_AUS), 3), nn.ReLU(), nn.Dropout(dropout), nn.Linear(3, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[N,7] AU intensities (0–5) → [N,1] FLACC estimate."""
        return self.net(x * self.engagement)


class InfantExport(nn.Module):
    """Export wrapper: the FLACC estimate clamped to 0–10."""

    def __init__(self, model: InfantMLP) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x).clamp(0.0, 10.0)


# --------------------------------------------------------------------------------------------------- factory


def build_model(arch: str, num_classes: int, width: float = 1.0, dropout: float | None = None) -> CamModel:
    """A pain CNN by name (``gla-cnn``, ``da-cnn``, ``resnet18``; ``faceapi-expression`` ignores ``width``)."""
    if arch == "da-cnn":
        return DACNN(num_classes, width, 0.5 if dropout is None else dropout)
    if arch == "gla-cnn":
        return GLACNN(num_classes, width, dropout=0.0 if dropout is None else dropout)
    if arch == "resnet18":
        return ResNet18(num_classes, width, 0.0 if dropout is None else dropout)
    if arch == "faceapi-expression":  # fixed widths: its point is the pretrained weights (training/faceapi.py)
        from .faceapi import FaceApiExpressionNet

        return FaceApiExpressionNet(num_classes, 0.0 if dropout is None else dropout)
    raise ValueError(f"unknown architecture '{arch}' (known: {', '.join(ARCHITECTURES)})")


def load_backbone(model: CamModel, state: dict[str, torch.Tensor]) -> list[str]:
    """Load a torchvision-format checkpoint into the backbone (classifier skipped; VGG ``features.`` → ``vgg.``).
    Returns the names that were loaded; raises when a shape disagrees."""
    own = model.state_dict()
    loaded: dict[str, torch.Tensor] = {}
    for key, value in state.items():
        name = "vgg." + key[len("features."):] if isinstance(model, GLACNN) and key.startswith("features.") else key
        if name.startswith(("head.", "fc.", "classifier.")) or name not in own:
            continue
        if own[name].shape != value.shape:
            raise ValueError(f"checkpoint tensor {key} has shape {tuple(value.shape)}, model expects "
                             f"{tuple(own[name].shape)}")
        loaded[name] = value
    model.load_state_dict(loaded, strict=False)
    return sorted(loaded)
