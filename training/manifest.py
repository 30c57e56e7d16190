"""Model manifest (docs/model-contract.md): building, validating against the contract and the ONNX graph, writing.

``validate`` returns every problem as ``"<field>: <what is wrong>"``; ``check`` raises :class:`ManifestError` with all
of them and the file name. The exporter runs ``check`` on every manifest it writes; tests run it too.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from .metrics import HEADLINE
from .models import INFANT_AUS
from .schemes import SCHEMES, Scheme

SCHEMA = 1
PAIN_ARCHITECTURES = ("gla-cnn", "da-cnn", "resnet18", "faceapi-expression")
TASKS = {"pain-classes": PAIN_ARCHITECTURES, "infant-flacc": ("infant-mlp",)}
REGRESSION_METRICS = ("accuracy", "macro_f1", "kappa_linear", "kappa_quadratic", "pcc", "mae")
SYNTHETIC_NOTE = "not clinically validated"


class ManifestError(ValueError):
    """A manifest that breaks the contract; the message names the file and every bad field."""


# --------------------------------------------------------------------------------------------------- building


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def kit_revision() -> str:
    """``training/ <git rev>`` (``+dirty`` when the kit has uncommitted changes)."""
    root = Path(__file__).resolve().parent
    try:
        rev = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True, text=True,
                             timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "."], cwd=root, capture_output=True, text=True,
                               timeout=10, check=True).stdout.strip()
        return f"training/ {rev}{'+dirty' if dirty else ''}"
    except (OSError, subprocess.SubprocessError):
        return "training/ unknown"


def utc_now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def image_input(size: int, mean: Sequence[float], std: Sequence[float]) -> dict[str, Any]:
    return {"name": "input", "layout": "NCHW", "height": size, "width": size, "channels": 3, "colorOrder": "RGB",
            "scale": 255.0, "mean": [float(v) for v in mean], "std": [float(v) for v in std],
            "alignment": "painstream-112"}


def training_block(data: str, seed: int, epochs: int, counts: dict[str, int], subjects: dict[str, list[str]],
                   extra: dict[str, Any] | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"data": data, "clinicallyValidated": False, "seed": int(seed), "epochs": int(epochs),
                             "trainItems": int(counts["train"]), "valItems": int(counts["val"]),
                             "testItems": int(counts["test"]), "subjects": subjects, "createdAt": utc_now(),
                             "kit": kit_revision()}
    if extra:
        block.update(extra)
    return block


def pain_manifest(name: str, architecture: str, scheme: Scheme, size: int, mean: Sequence[float],
                  std: Sequence[float], temperature: float, training: dict[str, Any], metrics: dict[str, Any],
                  onnx_path: str | Path, version: str = "1.0.0") -> dict[str, Any]:
    return {
        "schema": SCHEMA, "name": name, "version": version, "sha256": sha256_file(onnx_path),
        "architecture": architecture, "task": "pain-classes", "scheme": scheme.name,
        "input": image_input(size, mean, std),
        "output": {"name": "logits", "kind": "logits"},
        "cam": {"features": "features", "weights": "cam_weights"},
        "classes": scheme.to_manifest(), "temperature": float(temperature), "training": training,
        "metrics": {k: metrics.get(k) for k in HEADLINE},
    }


def infant_manifest(name: str, training: dict[str, Any], metrics: dict[str, Any], onnx_path: str | Path,
                    engagement: Sequence[float], version: str = "1.0.0") -> dict[str, Any]:
    scheme = SCHEMES["flacc4"]
    return {
        "schema": SCHEMA, "name": name, "version": version, "sha256": sha256_file(onnx_path),
        "architecture": "infant-mlp", "task": "infant-flacc", "scheme": scheme.name,
        "input": {"name": "input", "layout": "NC", "channels": len(INFANT_AUS), "aus": list(INFANT_AUS),
                  "engagement": [float(v) for v in engagement]},
        "output": {"name": "flacc", "kind": "regression", "min": 0.0, "max": 10.0},
        "cam": None,
        # FLACC levels; the contract's class fields are named pspiMin/pspiMax for every task.
        "classes": scheme.to_manifest(), "temperature": 1.0, "training": training,
        "metrics": {k: metrics.get(k) for k in REGRESSION_METRICS},
    }


def write(manifest: dict[str, Any], path: str | Path, onnx_path: str | Path | None = None) -> None:
    """Validate (against the graph too when given) and write pretty JSON."""
    check(manifest, onnx_path, where=str(path))
    Path(path).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def manifest_path(onnx_path: str | Path) -> Path:
    p = Path(onnx_path)
    return p.with_name(p.stem + ".manifest.json")


# --------------------------------------------------------------------------------------------------- validation


def check(manifest: dict[str, Any], onnx_path: str | Path | None = None, where: str = "manifest") -> None:
    problems = validate(manifest, onnx_path)
    if problems:
        raise ManifestError(f"{where}: " + "; ".join(problems))


def load_and_check(path: str | Path) -> dict[str, Any]:
    """Read ``<name>.manifest.json`` and check it against ``<name>.onnx`` beside it."""
    path = Path(path)
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as e:
        raise ManifestError(f"{path}: cannot read ({e})") from None
    onnx_path = path.with_name(path.name[: -len(".manifest.json")] + ".onnx")
    check(manifest, onnx_path if onnx_path.is_file() else None, where=str(path))
    return manifest


def _is_num(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def validate(m: Any, onnx_path: str | Path | None = None) -> list[str]:
    """Every contract violation of manifest ``m`` (and, given the file, of the ONNX graph against it)."""
    if not isinstance(m, dict):
        return ["(root): not a JSON object"]
    errs: list[str] = []
    need = {"schema", "name", "version", "sha256", "architecture", "task", "scheme", "input", "output", "classes",
            "temperature", "training", "metrics"}
    errs += [f"{k}: missing" for k in sorted(need - m.keys())]
    if errs:
        return errs
    if m["schema"] != SCHEMA:
        errs.append(f"schema: {m['schema']!r}, expected {SCHEMA}")
    for key in ("name", "version"):
        if not isinstance(m[key], str) or not m[key]:
            errs.append(f"{key}: must be a non-empty string")
    if not isinstance(m["sha256"], str) or not re.fullmatch(r"[0-9a-f]{64}", m["sha256"]):
        errs.append("sha256: must be 64 lowercase hex digits")
    task, arch = m["task"], m["architecture"]
    if task not in TASKS:
        errs.append(f"task: {task!r} unknown (known: {', '.join(TASKS)})")
    elif arch not in TASKS[task]:
        errs.append(f"architecture: {arch!r} is not a {task} architecture ({', '.join(TASKS[task])})")
    errs += _validate_classes(m)
    if task == "infant-flacc":
        errs += _validate_infant_io(m)
    else:
        errs += _validate_image_io(m)
    errs += _validate_training(m["training"])
    errs += _validate_metrics(m["metrics"], REGRESSION_METRICS if task == "infant-flacc" else HEADLINE)
    if onnx_path is not None and not errs:
        errs += _validate_graph(m, Path(onnx_path))
    return errs


def _validate_classes(m: dict[str, Any]) -> list[str]:
    errs: list[str] = []
    scheme = SCHEMES.get(m["scheme"])
    if scheme is None:
        return [f"scheme: {m['scheme']!r} unknown (known: {', '.join(sorted(SCHEMES))})"]
    classes = m["classes"]
    if not isinstance(classes, list) or len(classes) != scheme.num_classes:
        return [f"classes: scheme {scheme.name} has {scheme.num_classes} classes, manifest lists "
                f"{len(classes) if isinstance(classes, list) else 'none'}"]
    for i, (c, ref) in enumerate(zip(classes, scheme.classes)):
        if not isinstance(c, dict) or not isinstance(c.get("label"), str):
            errs.append(f"classes[{i}]: needs label, pspiMin, pspiMax")
            continue
        if c.get("pspiMin") != ref.lo or c.get("pspiMax") != ref.hi:
            errs.append(f"classes[{i}]: range {c.get('pspiMin')}–{c.get('pspiMax')} differs from scheme "
                        f"{scheme.name} ({ref.lo:g}–{ref.hi:g})")
        if "value" in c and not _is_num(c["value"]):
            errs.append(f"classes[{i}].value: must be a number")
    t = m["temperature"]
    if not _is_num(t) or t <= 0:
        errs.append("temperature: must be a positive number")
    return errs


def _validate_image_io(m: dict[str, Any]) -> list[str]:
    errs: list[str] = []
    inp, out = m["input"], m["output"]
    if not isinstance(inp, dict):
        return ["input: must be an object"]
    expect = {"name": str, "layout": str, "height": int, "width": int, "channels": int, "colorOrder": str,
              "scale": (int, float), "mean": list, "std": list, "alignment": str}
    for key, typ in expect.items():
        if not isinstance(inp.get(key), typ) or isinstance(inp.get(key), bool):
            errs.append(f"input.{key}: missing or not {getattr(typ, '__name__', 'a number')}")
    if errs:
        return errs
    if inp["layout"] != "NCHW":
        errs.append(f"input.layout: {inp['layout']!r}, pain CNNs use NCHW")
    if inp["channels"] != 3:
        errs.append(f"input.channels: {inp['channels']}, expected 3")
    if inp["colorOrder"] not in ("RGB", "BGR"):
        errs.append(f"input.colorOrder: {inp['colorOrder']!r}, expected RGB or BGR")
    if inp["height"] < 16 or inp["width"] < 16:
        errs.append("input.height/width: at least 16")
    if inp["scale"] <= 0:
        errs.append("input.scale: must be positive")
    for key in ("mean", "std"):
        if len(inp[key]) != 3 or not all(_is_num(v) for v in inp[key]):
            errs.append(f"input.{key}: three numbers")
    if all(_is_num(v) for v in inp["std"]) and any(v <= 0 for v in inp["std"]):
        errs.append("input.std: values must be positive")
    if inp["alignment"] != "painstream-112":
        errs.append(f"input.alignment: {inp['alignment']!r}, expected painstream-112")
    if not isinstance(out, dict) or not isinstance(out.get("name"), str):
        errs.append("output.name: missing")
    elif out.get("kind") not in ("logits", "probabilities"):
        errs.append(f"output.kind: {out.get('kind')!r}, expected logits or probabilities")
    elif out["kind"] == "probabilities" and m["temperature"] != 1:
        errs.append("temperature: must be 1 when output.kind is probabilities")
    cam = m.get("cam")
    if cam is not None and (not isinstance(cam, dict) or not isinstance(cam.get("features"), str)
                            or not isinstance(cam.get("weights"), str)):
        errs.append("cam: null or {features, weights} output names")
    return errs


def _validate_infant_io(m: dict[str, Any]) -> list[str]:
    errs: list[str] = []
    inp, out = m["input"], m["output"]
    if not isinstance(inp, dict) or inp.get("layout") != "NC" or inp.get("channels") != len(INFANT_AUS):
        errs.append(f"input: infant models take layout NC with {len(INFANT_AUS)} channels")
    elif inp.get("aus") != list(INFANT_AUS):
        errs.append(f"input.aus: must be {list(INFANT_AUS)}")
    elif not isinstance(inp.get("name"), str):
        errs.append("input.name: missing")
    if not isinstance(out, dict) or out.get("kind") != "regression" or not isinstance(out.get("name"), str):
        errs.append("output: infant models give {name, kind: regression}")
    if m["temperature"] != 1:
        errs.append("temperature: must be 1 for a regression output")
    return errs


def _validate_training(t: Any) -> list[str]:
    if not isinstance(t, dict):
        return ["training: must be an object"]
    errs: list[str] = []
    if not isinstance(t.get("data"), str) or not t["data"]:
        errs.append("training.data: describe the training data")
    elif t["data"].lower().startswith("synthetic") and SYNTHETIC_NOTE not in t["data"].lower():
        errs.append(f"training.data: synthetic data must say '{SYNTHETIC_NOTE}'")
    if not isinstance(t.get("clinicallyValidated"), bool):
        errs.append("training.clinicallyValidated: must be true or false")
    elif t["clinicallyValidated"] and t.get("data", "").lower().startswith("synthetic"):
        errs.append("training.clinicallyValidated: synthetic data cannot be clinically validated")
    for key in ("seed", "epochs", "trainItems", "valItems", "testItems"):
        if not isinstance(t.get(key), int) or isinstance(t.get(key), bool) or t[key] < 0:
            errs.append(f"training.{key}: must be a non-negative integer")
    subjects = t.get("subjects")
    if not isinstance(subjects, dict) or sorted(subjects) != ["test", "train", "val"] or not all(
            isinstance(v, list) and all(isinstance(s, str) for s in v) for v in subjects.values()):
        errs.append("training.subjects: {train, val, test} lists of subject ids")
    else:
        seen: dict[str, str] = {}
        for split in ("train", "val", "test"):
            for s in subjects[split]:
                if s in seen:
                    errs.append(f"training.subjects: subject {s!r} in both {seen[s]} and {split}")
                seen[s] = split
    if not isinstance(t.get("createdAt"), str):
        errs.append("training.createdAt: ISO-8601 UTC string")
    if not isinstance(t.get("kit"), str) or not t["kit"].startswith("training/"):
        errs.append("training.kit: 'training/ <git rev>'")
    return errs


def _validate_metrics(metrics: Any, keys: Sequence[str]) -> list[str]:
    if not isinstance(metrics, dict):
        return ["metrics: must be an object"]
    errs = [f"metrics.{k}: missing" for k in keys if k not in metrics]
    errs += [f"metrics.{k}: number or null" for k, v in metrics.items() if v is not None and not _is_num(v)]
    errs += [f"metrics.{k}: not snake_case" for k in metrics if not re.fullmatch(r"[a-z0-9_]+", k)]
    return errs


# --------------------------------------------------------------------------------------------------- graph


def graph_io(onnx_path: Path) -> tuple[dict[str, list[int | str]], dict[str, list[int | str]]]:
    """Inputs and outputs of a graph as name → dims (int, or the symbolic name; '?' when unknown)."""
    import onnx

    model = onnx.load(str(onnx_path))
    inits = {i.name for i in model.graph.initializer}

    def dims(v: Any) -> list[int | str]:
        return [d.dim_param or (d.dim_value if d.HasField("dim_value") else "?")
                for d in v.type.tensor_type.shape.dim]

    return ({v.name: dims(v) for v in model.graph.input if v.name not in inits},
            {v.name: dims(v) for v in model.graph.output})


def _validate_graph(m: dict[str, Any], onnx_path: Path) -> list[str]:
    if not onnx_path.is_file():
        return [f"sha256: model file {onnx_path} not found"]
    errs: list[str] = []
    if sha256_file(onnx_path) != m["sha256"]:
        return [f"sha256: does not match {onnx_path.name} (truncated or replaced model file?)"]
    try:
        inputs, outputs = graph_io(onnx_path)
    except Exception as e:  # noqa: BLE001 - protobuf raises several types for a corrupt file
        return [f"sha256: {onnx_path.name} matches but is not a readable ONNX model ({type(e).__name__})"]
    inp, out = m["input"], m["output"]
    if inp["name"] not in inputs:
        return errs + [f"input.name: {inp['name']!r} is not a graph input ({', '.join(inputs)})"]
    if out["name"] not in outputs:
        return errs + [f"output.name: {out['name']!r} is not a graph output ({', '.join(outputs)})"]
    idims, odims = inputs[inp["name"]], outputs[out["name"]]
    if not isinstance(idims[0], str) or not isinstance(odims[0], str):
        errs.append("input/output: dim 0 (batch) must be dynamic in the graph")
    if m["task"] == "infant-flacc":
        if idims[1:] != [inp["channels"]]:
            errs.append(f"input: graph input is {idims}, manifest says [batch, {inp['channels']}]")
        return errs
    want = [inp["channels"], inp["height"], inp["width"]]
    if idims[1:] != want:
        errs.append(f"input.height/width/channels: graph input is {idims}, manifest says [batch, {want}]")
    k = len(m["classes"])
    if odims[1:] != [k]:
        errs.append(f"classes: graph output {out['name']} is {odims}, manifest has {k} classes")
    cam = m.get("cam")
    if cam:
        f, w = outputs.get(cam["features"]), outputs.get(cam["weights"])
        if f is None or w is None:
            errs.append(f"cam: outputs {cam['features']!r}/{cam['weights']!r} not in the graph")
        elif len(f) != 4 or not isinstance(f[0], str):
            errs.append(f"cam.features: {f} is not [batch, C, h, w]")
        elif w != [k, f[1]]:
            errs.append(f"cam.weights: {w}, expected [{k}, {f[1]}] (classes × feature channels)")
    return errs
