"""face-api expression network port: weight decoding, name mapping, and (when the npm package is at hand) equality
with face-api's own output computed in Node.js."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from training.faceapi import (CHANNELS, EXPRESSIONS, MEAN_RGB, FaceApiExpressionNet, convert, decode_weights,
                              expression_model, to_state_dict)

ROOT = Path(__file__).resolve().parents[2]
TGZ = Path(os.environ.get("PAINSTREAM_FACEAPI_TGZ", ROOT / "models/faceapi/vladmandic-face-api-1.7.15.tgz"))

# face-api 1.7.15 (tfjs CPU backend in Node.js 20) on np.random.seed(0); np.random.rand(2,112,112,3)*255 (HWC, RGB)
NODE_REFERENCE = np.array([
    [0.41230928897857666, 0.02925746701657772, 0.03644420579075813, 0.0694655105471611, 0.11867360025644302,
     0.004702071659266949, 0.3291478157043457],
    [0.07346323132514954, 0.01952195353806019, 0.1060183197259903, 0.08558210730552673, 0.5823169946670532,
     0.0050788093358278275, 0.12801852822303772]])


def _fake_manifest() -> tuple[list[dict], bytes, dict[str, np.ndarray]]:
    """Every weight of the real manifest's naming scheme, random, uint8-quantised except biases."""
    rng = np.random.default_rng(0)
    specs, chunks, expect = [], [], {}
    cin = 3
    for b, c in enumerate(CHANNELS):
        for j in range(4):
            if b == 0 and j == 0:
                shapes = {"filters": [3, 3, 3, c]}
            else:
                src = cin if j == 0 else c
                shapes = {"depthwise_filter": [3, 3, src, 1], "pointwise_filter": [1, 1, src, c]}
            shapes["bias"] = [c]
            for kind, shape in shapes.items():
                specs.append((f"dense{b}/conv{j}/{kind}", shape, kind != "bias"))
        cin = c
    specs += [("fc/weights", [256, 7], True), ("fc/bias", [7], False)]
    manifest = []
    for name, shape, quantised in specs:
        if quantised:
            q = rng.integers(0, 256, int(np.prod(shape)), dtype=np.uint8)
            scale, lo = 0.01, -1.2
            chunks.append(q.tobytes())
            expect[name] = (q.astype(np.float32) * np.float32(scale) + np.float32(lo)).reshape(shape)
            manifest.append({"name": name, "shape": shape, "dtype": "float32",
                             "quantization": {"dtype": "uint8", "scale": scale, "min": lo}})
        else:
            v = rng.normal(size=shape).astype(np.float32)
            chunks.append(v.tobytes())
            expect[name] = v
            manifest.append({"name": name, "shape": shape, "dtype": "float32"})
    return [{"paths": ["x.bin"], "weights": manifest}], b"".join(chunks), expect


def test_decode_and_map_weights() -> None:
    manifest, data, expect = _fake_manifest()
    weights = decode_weights(manifest, data)
    assert set(weights) == set(expect) and all(np.allclose(weights[k], expect[k]) for k in expect)
    state, head = to_state_dict(weights)
    model = FaceApiExpressionNet(7)
    model.load_state_dict({**state, **head}, strict=True)
    assert torch.equal(model.dense1.conv0.depthwise.weight[5, 0],
                       torch.from_numpy(expect["dense1/conv0/depthwise_filter"][:, :, 5, 0]))
    assert torch.equal(model.head.weight, torch.from_numpy(expect["fc/weights"].T))
    with pytest.raises(ValueError, match="bytes"):
        decode_weights(manifest, data + b"\0")


def test_feature_map_is_256x7x7_at_112() -> None:
    assert FaceApiExpressionNet(7).feature_map(torch.zeros(1, 3, 112, 112)).shape == (1, 256, 7, 7)


def test_port_reproduces_face_api(tmp_path: Path) -> None:
    assert TGZ.is_file(), f"{TGZ} is missing: models/fetch places it (scripts/setup runs it)"
    checkpoint = tmp_path / "faceapi.pt"
    convert(TGZ, checkpoint)
    model = expression_model(checkpoint)
    np.random.seed(0)
    pixels = torch.from_numpy((np.random.rand(2, 112, 112, 3) * 255).astype(np.float32)).permute(0, 3, 1, 2)
    x = (pixels - torch.tensor(MEAN_RGB).view(1, 3, 1, 1)) / 255.0
    with torch.no_grad():
        probs = torch.softmax(model(x), dim=1).numpy()
    assert np.abs(probs - NODE_REFERENCE).max() < 1e-5
    meta = torch.load(checkpoint)
    assert meta["labels"] == list(EXPRESSIONS) and "MIT" in meta["source"]
    assert json.dumps(meta["input"])  # serialisable description of the expected input
