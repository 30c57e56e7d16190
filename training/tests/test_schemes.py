"""Class schemes map PSPI edges as in the contract."""

from __future__ import annotations

import pytest

from training.schemes import SCHEMES, get_scheme, scheme_for_classes

EDGES = {
    "gla4": {0: 0, 1: 1, 2: 2, 3: 3, 7: 3, 16: 3},
    "da5": {0: 0, 1: 1, 2: 2, 3: 2, 4: 3, 6: 3, 7: 4, 10: 4, 16: 4},
    "res7": {0: 0, 1: 1, 2: 1, 3: 2, 4: 2, 5: 3, 6: 3, 7: 4, 9: 4, 10: 5, 12: 5, 13: 6, 15: 6, 16: 6},
}


@pytest.mark.parametrize("name", sorted(EDGES))
def test_pspi_edges(name: str) -> None:
    scheme = get_scheme(name)
    for pspi, cls in EDGES[name].items():
        assert scheme.class_of(pspi) == cls, (name, pspi)


def test_non_integer_pspi_takes_the_class_of_its_floor() -> None:
    assert get_scheme("gla4").class_of(0.5) == 0
    assert get_scheme("da5").class_of(3.5) == 2
    assert get_scheme("res7").class_of(12.9) == 5


def test_out_of_range_pspi_is_refused() -> None:
    with pytest.raises(ValueError):
        get_scheme("da5").class_of(16.5)
    with pytest.raises(ValueError):
        get_scheme("da5").class_of(-1)


def test_manifest_classes_and_midpoints() -> None:
    da5 = get_scheme("da5")
    assert da5.to_manifest()[2] == {"label": "2-3", "pspiMin": 2, "pspiMax": 3}
    assert da5.values == [0.0, 1.0, 2.5, 5.0, 11.5]
    assert [c.label for c in SCHEMES["res7"].classes] == ["0", "1-2", "3-4", "5-6", "7-9", "10-12", "13-16"]


def test_scheme_from_class_count() -> None:
    assert scheme_for_classes(4).name == "gla4"
    assert scheme_for_classes(7).name == "res7"
    with pytest.raises(ValueError):
        scheme_for_classes(6)
