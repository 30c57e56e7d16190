"""Expression-pretrained backbone from ``@vladmandic/face-api`` (MIT): its FaceExpressionNet, ported to PyTorch.

Seed 002's idea is transfer from facial-expression data (FER+) to pain levels. No FER+ weights can be downloaded
here, but the npm package ``@vladmandic/face-api`` ships a TF.js facial-expression network (7 expressions: neutral,
happy, sad, angry, fearful, disgusted, surprised) that takes 112×112 RGB faces — the size of PainStream's crops.
This module reimplements its graph (``src/faceFeatureExtractor``: four "dense blocks" of depthwise-separable 3×3
convolutions, 32/64/128/256 channels, stride 2 each, then average pooling and a 256→7 linear layer) and loads its
uint8-quantised weights, so ``train --arch faceapi-expression --init faceapi-expression.pt`` fine-tunes it with a
new pain head (GAP + linear, as the contract's CAM needs).

Get the package with ``npm pack @vladmandic/face-api@1.7.15`` and convert it with
``python3 -m training faceapi-convert vladmandic-face-api-1.7.15.tgz --out models/faceapi-expression.pt``.
The port reproduces face-api's probabilities to ~1e-6 (checked against the package running in Node.js).
"""

from __future__ import annotations

import io
import json
import math
import tarfile
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .models import CamModel

PACKAGE = "@vladmandic/face-api"
MODEL_STEM = "face_expression_model"
EXPRESSIONS = ("neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised")
MEAN_RGB = (122.782, 117.001, 104.298)  # face-api subtracts these and divides by 255
MEAN = tuple(v / 255.0 for v in MEAN_RGB)
STD = (1.0, 1.0, 1.0)
CHANNELS = (32, 64, 128, 256)


def tf_same_pad(x: torch.Tensor, kernel: int, stride: int) -> torch.Tensor:
    """TensorFlow's 'same' padding (extra row/column at the bottom/right), so strided outputs align with TF.js."""
    pads = []
    for n in (x.shape[-1], x.shape[-2]):
        n = int(n)
        total = max((math.ceil(n / stride) - 1) * stride + kernel - n, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads)


class SeparableConv(nn.Module):
    """TF ``separableConv2d`` (depthwise 3×3, then pointwise 1×1) + bias, 'same' padding."""

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.stride = stride
        self.depthwise = nn.Conv2d(cin, cin, 3, stride, 0, groups=cin, bias=False)
        self.pointwise = nn.Conv2d(cin, cout, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pointwise(self.depthwise(tf_same_pad(x, 3, self.stride)))


class FirstConv(nn.Module):
    """TF ``conv2d`` 3×3 stride 2 'same' + bias (the first layer of ``dense0``)."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 3, 2, 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(tf_same_pad(x, 3, 2))


class DenseBlock4(nn.Module):
    """face-api ``denseBlock4``: out1 = relu(conv0 x); out_k = conv_k(relu(out1 + … + out_{k-1})); relu of the sum."""

    def __init__(self, cin: int, cout: int, first: bool = False) -> None:
        super().__init__()
        self.conv0 = FirstConv(cin, cout) if first else SeparableConv(cin, cout, 2)
        self.conv1 = SeparableConv(cout, cout)
        self.conv2 = SeparableConv(cout, cout)
        self.conv3 = SeparableConv(cout, cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out1 = F.relu(self.conv0(x))
        out2 = self.conv1(out1)
        out3 = self.conv2(F.relu(out1 + out2))
        out4 = self.conv3(F.relu(out1 + out2 + out3))
        return F.relu(out1 + out2 + out3 + out4)


class FaceApiExpressionNet(CamModel):
    """face-api's FaceExpressionNet backbone + a new linear head on global average pooling (its own 7×7 average pool
    at 112 px is the same thing). ``num_classes = 7`` with the converted ``expression_head`` reproduces face-api."""

    def __init__(self, num_classes: int = 7, dropout: float = 0.0) -> None:
        super().__init__()
        self.dense0 = DenseBlock4(3, CHANNELS[0], first=True)
        self.dense1 = DenseBlock4(CHANNELS[0], CHANNELS[1])
        self.dense2 = DenseBlock4(CHANNELS[1], CHANNELS[2])
        self.dense3 = DenseBlock4(CHANNELS[2], CHANNELS[3])
        self.head_dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.head = nn.Linear(CHANNELS[3], num_classes)

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:
        return self.dense3(self.dense2(self.dense1(self.dense0(x))))


# --------------------------------------------------------------------------------------------------- conversion


def read_package(src: str | Path) -> tuple[list[dict[str, Any]], bytes]:
    """The weights manifest and the weights file of the expression model, from the npm tarball (``.tgz``), the
    unpacked package folder, or its ``model/`` folder."""
    src = Path(src)
    manifest_name, bin_name = f"{MODEL_STEM}-weights_manifest.json", f"{MODEL_STEM}.bin"
    if src.is_file():
        with tarfile.open(src, "r:gz") as tar:
            def member(name: str) -> bytes:
                f = tar.extractfile(f"package/model/{name}")
                if f is None:
                    raise ValueError(f"{src}: package/model/{name} missing")
                return f.read()
            return json.loads(member(manifest_name)), member(bin_name)
    folder = src / "model" if (src / "model").is_dir() else src
    if not (folder / manifest_name).is_file():
        raise ValueError(f"{src}: no {manifest_name} (give the npm .tgz of {PACKAGE} or its folder)")
    return json.loads((folder / manifest_name).read_text()), (folder / bin_name).read_bytes()


def decode_weights(manifest: list[dict[str, Any]], data: bytes) -> dict[str, np.ndarray]:
    """TF.js weights: concatenated in manifest order; quantised ones stored as uint8/uint16 q with value = q·scale +
    min (or float16)."""
    out: dict[str, np.ndarray] = {}
    offset = 0
    for group in manifest:
        for spec in group["weights"]:
            n = int(np.prod(spec["shape"])) if spec["shape"] else 1
            q = spec.get("quantization")
            if q is None:
                if spec["dtype"] != "float32":
                    raise ValueError(f"{spec['name']}: dtype {spec['dtype']} not supported")
                values = np.frombuffer(data, np.float32, n, offset)
                offset += 4 * n
            elif q["dtype"] == "float16":
                values = np.frombuffer(data, np.float16, n, offset).astype(np.float32)
                offset += 2 * n
            else:
                dtype = {"uint8": np.uint8, "uint16": np.uint16}[q["dtype"]]
                raw = np.frombuffer(data, dtype, n, offset)
                offset += raw.itemsize * n
                values = raw.astype(np.float32) * np.float32(q["scale"]) + np.float32(q["min"])
            out[spec["name"]] = values.reshape(spec["shape"]).astype(np.float32)
    if offset != len(data):
        raise ValueError(f"weights file has {len(data)} bytes, the manifest describes {offset}")
    return out


def to_state_dict(weights: dict[str, np.ndarray]) -> tuple[dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """(backbone state dict for :class:`FaceApiExpressionNet`, its 7-expression head as ``head.*``)."""
    state: dict[str, torch.Tensor] = {}
    for name, w in weights.items():
        parts = name.split("/")
        t = torch.from_numpy(np.ascontiguousarray(w))
        if parts[0] == "fc":
            continue
        block, conv, kind = parts
        if kind == "filters":  # [kh, kw, in, out] → [out, in, kh, kw]
            state[f"{block}.{conv}.conv.weight"] = t.permute(3, 2, 0, 1).contiguous()
        elif kind == "bias":
            layer = "conv" if (block, conv) == ("dense0", "conv0") else "pointwise"
            state[f"{block}.{conv}.{layer}.bias"] = t
        elif kind == "depthwise_filter":  # [kh, kw, in, 1] → [in, 1, kh, kw]
            state[f"{block}.{conv}.depthwise.weight"] = t.permute(2, 3, 0, 1).contiguous()
        elif kind == "pointwise_filter":  # [1, 1, in, out] → [out, in, 1, 1]
            state[f"{block}.{conv}.pointwise.weight"] = t.permute(3, 2, 0, 1).contiguous()
        else:
            raise ValueError(f"unexpected face-api weight {name}")
    head = {"head.weight": torch.from_numpy(weights["fc/weights"].T.copy()),
            "head.bias": torch.from_numpy(weights["fc/bias"])}
    return state, head


def convert(src: str | Path, out: str | Path) -> dict[str, Any]:
    """Convert the package's expression model to a PyTorch checkpoint usable with ``train --init``."""
    state, head = to_state_dict(decode_weights(*read_package(src)))
    model = FaceApiExpressionNet(len(EXPRESSIONS))
    model.load_state_dict({**state, **head}, strict=True)  # every tensor present with the right shape
    checkpoint = {"state_dict": state, "expression_head": head, "labels": list(EXPRESSIONS),
                  "source": f"{PACKAGE} ({Path(src).name}) {MODEL_STEM}, MIT license",
                  "input": {"size": 112, "colorOrder": "RGB", "scale": 255.0, "mean": list(MEAN), "std": list(STD)}}
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    Path(out).write_bytes(buffer.getvalue())
    return checkpoint


def expression_model(checkpoint: str | Path) -> FaceApiExpressionNet:
    """The original 7-expression network from a converted checkpoint (eval mode)."""
    ck = torch.load(checkpoint, map_location="cpu")
    model = FaceApiExpressionNet(len(EXPRESSIONS))
    model.load_state_dict({**ck["state_dict"], **ck["expression_head"]})
    return model.eval()
