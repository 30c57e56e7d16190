"""End to end: train → calibrate → export → manifest that matches the contract; train-infant; CLI errors."""

from __future__ import annotations

import copy
import csv
import json
from pathlib import Path

import pytest

from training.__main__ import main
from training.manifest import ManifestError, check, graph_io, load_and_check, sha256_file, validate
from training.synthetic import make_infant_aus
from training.train import TrainConfig, train

from .conftest import SIZE, WIDTH

HEADLINE = {"accuracy", "macro_f1", "kappa_linear", "kappa_quadratic", "auc_macro", "ece", "pcc", "mae"}


@pytest.fixture(scope="module")
def trained(smoke_dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("models") / "dacnn-smoke"
    train(TrainConfig(dataset=smoke_dataset, arch="da-cnn", out=out, epochs=2, size=SIZE, width=WIDTH,
                      batch_size=16, log=lambda s: None))
    return out


def test_outputs_and_manifest_match_the_contract(trained: Path, smoke_dataset: Path) -> None:
    onnx_path = trained.with_name(trained.name + ".onnx")
    m = load_and_check(trained.with_name(trained.name + ".manifest.json"))
    assert m["schema"] == 1 and m["name"] == "dacnn-smoke" and m["version"] == "1.0.0"
    assert m["sha256"] == sha256_file(onnx_path)
    assert (m["architecture"], m["task"], m["scheme"]) == ("da-cnn", "pain-classes", "da5")
    assert m["input"] == {"name": "input", "layout": "NCHW", "height": SIZE, "width": SIZE, "channels": 3,
                          "colorOrder": "RGB", "scale": 255.0, "mean": [0.485, 0.456, 0.406],
                          "std": [0.229, 0.224, 0.225], "alignment": "painstream-112"}
    assert m["output"] == {"name": "logits", "kind": "logits"}
    assert m["cam"] == {"features": "features", "weights": "cam_weights"}
    assert [c["label"] for c in m["classes"]] == ["0", "1", "2-3", "4-6", "7-16"]
    assert m["temperature"] > 0
    t = m["training"]
    assert t["data"].startswith("synthetic") and "not clinically validated" in t["data"]
    assert t["clinicallyValidated"] is False and t["seed"] == 42 and 1 <= t["epochs"] <= 2
    assert t["kit"].startswith("training/ ") and t["createdAt"].endswith("Z")
    subjects = t["subjects"]
    assert not set(subjects["train"]) & set(subjects["test"]) and not set(subjects["val"]) & set(subjects["test"])
    assert t["trainItems"] + t["valItems"] + t["testItems"] == 96
    assert set(m["metrics"]) == HEADLINE
    assert all(v is None or isinstance(v, float) for v in m["metrics"].values())
    assert graph_io(onnx_path)[0]["input"] == ["batch", 3, SIZE, SIZE]
    report = json.loads(trained.with_name(trained.name + ".report.json").read_text())
    assert report["metrics"]["n"] == t["testItems"] and report["train_images_per_second"] > 0


def test_test_predictions_reproduce_the_manifest_metrics(trained: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest_path = trained.with_name(trained.name + ".manifest.json")
    predictions = trained.with_name(trained.name + ".test-predictions.csv")
    assert main(["eval-predictions", str(predictions), "--manifest", str(manifest_path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    manifest = json.loads(manifest_path.read_text())
    for key in HEADLINE:
        assert out[key] == pytest.approx(manifest["metrics"][key], abs=1e-12) if out[key] is not None \
            else manifest["metrics"][key] is None
    parity = json.loads(trained.with_name(trained.name + ".parity.json").read_text())
    assert parity["size"] == SIZE and len(parity["items"][0]["logits"]) == 5


def test_validator_names_bad_fields(trained: Path) -> None:
    onnx_path = trained.with_name(trained.name + ".onnx")
    good = json.loads(trained.with_name(trained.name + ".manifest.json").read_text())
    assert validate(good, onnx_path) == []

    def problems(edit) -> str:  # type: ignore[no-untyped-def]
        m = copy.deepcopy(good)
        edit(m)
        return "; ".join(validate(m, onnx_path))

    assert "classes: scheme da5 has 5 classes" in problems(lambda m: m["classes"].pop())
    assert "input.height/width/channels" in problems(lambda m: m["input"].update(height=112, width=112))
    assert "sha256: does not match" in problems(lambda m: m.update(sha256="0" * 64))
    assert "input.layout" in problems(lambda m: m["input"].update(layout="NHWC"))
    assert "output.name" in problems(lambda m: m["output"].update(name="probs"))
    assert "not clinically validated" in problems(lambda m: m["training"].update(data="synthetic faces"))
    assert "in both train and test" in problems(lambda m: m["training"]["subjects"]["test"].append(
        m["training"]["subjects"]["train"][0]))
    assert "metrics.auc_macro: missing" in problems(lambda m: m["metrics"].pop("auc_macro"))
    assert "temperature" in problems(lambda m: m.update(temperature=0))
    with pytest.raises(ManifestError, match="x.json: .*scheme"):
        check({**good, "scheme": "nope"}, where="x.json")


def test_truncated_model_fails_the_checksum(trained: Path, tmp_path: Path) -> None:
    onnx_path = tmp_path / "cut.onnx"
    onnx_path.write_bytes(trained.with_name(trained.name + ".onnx").read_bytes()[:1000])
    manifest = tmp_path / "cut.manifest.json"
    manifest.write_text(trained.with_name(trained.name + ".manifest.json").read_text())
    with pytest.raises(ManifestError, match="cut.manifest.json: sha256: does not match"):
        load_and_check(manifest)


def test_cli_train_gla_and_resnet(smoke_dataset: Path, tmp_path: Path) -> None:
    for arch in ("gla-cnn", "resnet18"):
        out = tmp_path / arch
        assert main(["train", str(smoke_dataset), "--arch", arch, "--out", str(out), "--epochs", "1", "--size",
                     str(SIZE), "--width", str(WIDTH), "--batch-size", "16", "--max-steps", "2", "--seed", "123"]) == 0
        m = load_and_check(out.with_name(arch + ".manifest.json"))
        assert m["scheme"] == {"gla-cnn": "gla4", "resnet18": "res7"}[arch] and m["training"]["seed"] == 123


def test_cli_train_reports_a_bad_dataset(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "labels.csv").write_text("path,subject,pspi\nimg/missing.png,s1,2\n")
    assert main(["train", str(tmp_path), "--arch", "da-cnn", "--out", str(tmp_path / "m")]) == 2
    assert "line 2: image 'img/missing.png' not found" in capsys.readouterr().err


def test_train_infant(tmp_path: Path) -> None:
    aus = make_infant_aus(tmp_path / "aus.csv", subjects=8, per_subject=20)
    out = tmp_path / "infant"
    assert main(["train-infant", str(aus), "--out", str(out), "--epochs", "60",
                 "--data-description", "synthetic AU intensities; not clinically validated"]) == 0
    m = load_and_check(out.with_name("infant.manifest.json"))
    assert (m["architecture"], m["task"], m["scheme"]) == ("infant-mlp", "infant-flacc", "flacc4")
    assert m["input"]["aus"] == ["AU27", "AU25", "AU10", "AU12", "AU9", "AU6", "AU20"]
    assert m["output"]["kind"] == "regression" and m["cam"] is None
    assert [(c["pspiMin"], c["pspiMax"]) for c in m["classes"]] == [(0, 0), (1, 3), (4, 6), (7, 10)]
    assert m["metrics"]["mae"] < 2.5


def test_train_infant_bad_row(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "aus.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["subject", "AU27", "AU25", "AU10", "AU12", "AU9", "AU6", "AU20", "flacc"])
        w.writerow(["a", 1, 1, 1, 1, 1, 1, 1, 3])
        w.writerow(["a", 1, 1, 9, 1, 1, 1, 1, 3])
    assert main(["train-infant", str(path), "--out", str(tmp_path / "x")]) == 2
    assert "line 3: AU intensities must be in 0–5" in capsys.readouterr().err


def test_same_seed_same_model(smoke_dataset: Path, tmp_path: Path) -> None:
    """Seed 001's reproducibility: a fixed seed gives a bit-identical model (and a different seed does not)."""
    digests = []
    for run, seed in (("a", 42), ("b", 42), ("c", 999)):
        out = tmp_path / run
        train(TrainConfig(dataset=smoke_dataset, arch="resnet18", out=out, epochs=1, size=SIZE, width=WIDTH,
                          batch_size=16, max_steps=2, seed=seed, log=lambda s: None))
        digests.append(sha256_file(out.with_name(run + ".onnx")))
    assert digests[0] == digests[1] != digests[2]
