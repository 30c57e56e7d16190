"""Dataset reader errors name the row; splits are subject-disjoint and deterministic; images load at any size."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from training.data import DatasetError, FaceDataset, read_info, read_labels, split_subjects
from training.schemes import get_scheme

DA5 = get_scheme("da5")


def _dataset(tmp_path: Path, smoke_dataset: Path, rows: list[str], header: str = "path,subject,pspi,class") -> Path:
    folder = tmp_path / "ds"
    shutil.copytree(smoke_dataset / "images", folder / "images")
    (folder / "labels.csv").write_text(header + "\n" + "\n".join(rows) + "\n")
    return folder


def test_reads_smoke_dataset(smoke_dataset: Path) -> None:
    items = read_labels(smoke_dataset, DA5)
    assert len(items) == 96
    assert all(it.label == DA5.class_of(it.pspi) for it in items)
    assert items[0].line == 2 and items[0].time == 0.0


@pytest.mark.parametrize("row, message", [
    ("images/s00/9999.png,s00,3,", "line 3: image 'images/s00/9999.png' not found"),
    ("images/s00/0001.png,s00,abc,", "line 3: pspi 'abc' is not a number"),
    ("images/s00/0001.png,s00,17,", "line 3: pspi 17 is outside 0–16"),
    ("images/s00/0001.png,s00,3,5", "line 3: class 5 is unknown in scheme da5"),
    ("images/s00/0001.png,s00,3,x", "line 3: class 'x' is not an integer"),
    ("images/s00/0001.png,,3,", "line 3: empty subject"),
    ("../outside.png,s00,3,", "line 3: path '../outside.png' must be relative"),
])
def test_errors_name_the_row(tmp_path: Path, smoke_dataset: Path, row: str, message: str) -> None:
    folder = _dataset(tmp_path, smoke_dataset, ["images/s00/0000.png,s00,0,", row])
    with pytest.raises(DatasetError, match=message.replace("(", r"\(").replace(")", r"\)")) as err:
        read_labels(folder, DA5)
    assert "labels.csv" in str(err.value)


def test_missing_header_column(tmp_path: Path, smoke_dataset: Path) -> None:
    folder = _dataset(tmp_path, smoke_dataset, ["images/s00/0000.png,0"], header="path,pspi")
    with pytest.raises(DatasetError, match="line 1: .*lacks column\\(s\\) subject"):
        read_labels(folder, DA5)


def test_class_column_overrides_scheme(tmp_path: Path, smoke_dataset: Path) -> None:
    folder = _dataset(tmp_path, smoke_dataset, ["images/s00/0000.png,s00,0,4", "images/s00/0001.png,s00,5,"])
    items = read_labels(folder, DA5)
    assert [it.label for it in items] == [4, 3]


def test_dataset_info_marks_synthetic(smoke_dataset: Path, tmp_path: Path) -> None:
    info = read_info(smoke_dataset)
    assert info.synthetic and info.description.startswith("synthetic")
    assert "not clinically validated" in info.description
    assert not read_info(tmp_path).synthetic
    (tmp_path / "synth.csv").write_text("path,subject,pspi\n")  # provenance of `painstream dataset synth`
    assert read_info(tmp_path).synthetic and "warped grimaces" in read_info(tmp_path).description


def test_split_is_subject_disjoint_and_deterministic(smoke_dataset: Path) -> None:
    items = read_labels(smoke_dataset, DA5)
    a = split_subjects(items, seed=42)
    b = split_subjects(list(reversed(items)), seed=42)
    assert a == b
    sets = [set(a.train), set(a.val), set(a.test)]
    assert all(sets) and not (sets[0] & sets[1] or sets[0] & sets[2] or sets[1] & sets[2])
    assert set().union(*sets) == {it.subject for it in items}
    assert len(a.of(items, "train")) + len(a.of(items, "val")) + len(a.of(items, "test")) == len(items)
    others = {tuple(split_subjects(items, seed=s).test) for s in (123, 999, 7, 8)}
    assert len(others | {tuple(a.test)}) > 1  # the seed changes the split


def test_explicit_subjects_and_too_few_subjects(smoke_dataset: Path) -> None:
    items = read_labels(smoke_dataset, DA5)
    s = split_subjects(items, 42, val_subjects=["s01"], test_subjects=["s02", "s03"])
    assert s.val == ["s01"] and s.test == ["s02", "s03"] and "s01" not in s.train
    with pytest.raises(DatasetError, match="need at least 3 subjects"):
        split_subjects([it for it in items if it.subject in ("s00", "s01")], 42)
    with pytest.raises(DatasetError, match="not in the dataset"):
        split_subjects(items, 42, test_subjects=["nobody"])


def test_images_load_and_resize(smoke_dataset: Path) -> None:
    items = read_labels(smoke_dataset, DA5)[:3]
    assert FaceDataset(items, 40)[0][0].shape == (3, 40, 40)
    lazy = FaceDataset(items, 32, cache=False)
    image, label, pspi = lazy[1]
    assert image.shape == (3, 32, 32) and label == items[1].label and pspi == items[1].pspi
