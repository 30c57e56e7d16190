"""ONNX export (dynamic batch axis ``batch``, contract names) and the check with ``onnx.checker``."""

from __future__ import annotations

import warnings
from pathlib import Path

import torch

from .models import CamExport, CamModel, InfantExport, InfantMLP

OPSET = 13  # well supported by torch 1.13's exporter and by ONNX Runtime
PAIN_OUTPUTS = ("logits", "features", "cam_weights")


def export_pain_model(model: CamModel, size: int, path: str | Path) -> Path:
    """Write ``model`` as ONNX: input ``input`` [batch,3,size,size]; outputs ``logits`` [batch,K], ``features``
    [batch,C,h,w] and ``cam_weights`` [K,C] (constant). Returns the path after ``onnx.checker`` passed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wrapper = CamExport(model).eval()
    dummy = torch.zeros(2, 3, size, size)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(wrapper, (dummy,), str(path), input_names=["input"], output_names=list(PAIN_OUTPUTS),
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}, "features": {0: "batch"}},
                          opset_version=OPSET, do_constant_folding=False)
        shapes = [tuple(t.shape) for t in wrapper(dummy)]
    set_output_shapes(path, dict(zip(PAIN_OUTPUTS, shapes)), batched=("logits", "features"))
    check_onnx(path)
    return path


def export_infant_model(model: InfantMLP, path: str | Path, output_name: str = "flacc") -> Path:
    """Write the infant MLP: input ``input`` [batch,7] → ``flacc`` [batch,1] clamped to 0–10."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wrapper = InfantExport(model).eval()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(wrapper, (torch.zeros(2, 7),), str(path), input_names=["input"], output_names=[output_name],
                          dynamic_axes={"input": {0: "batch"}, output_name: {0: "batch"}}, opset_version=OPSET)
    check_onnx(path)
    return path


def set_output_shapes(path: Path, shapes: dict[str, tuple[int, ...]], batched: tuple[str, ...]) -> None:
    """Write the concrete output shapes into the graph (the exporter leaves some symbolic, e.g. after a Concat),
    with dim 0 named ``batch`` for batched outputs, so the scorer can read C, h, w from the graph."""
    import onnx

    model = onnx.load(str(path))
    for out in model.graph.output:
        if out.name not in shapes:
            continue
        dims = out.type.tensor_type.shape.dim
        for i, size in enumerate(shapes[out.name]):
            dims[i].Clear()
            if i == 0 and out.name in batched:
                dims[i].dim_param = "batch"
            else:
                dims[i].dim_value = size
    onnx.save(model, str(path))


def check_onnx(path: Path) -> None:
    import onnx

    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
