from __future__ import annotations

from pathlib import Path

import pytest

from jobmatch_utils.errors import DataFormatError, DataNotFoundError
from jobmatch_utils.esco import load_esco_occupations, load_isco_groups, split_labels

HEADER = "conceptType,conceptUri,iscoGroup,preferredLabel,altLabels,hiddenLabels,status\n"


def test_alt_labels_split_on_newlines_stripped_and_deduplicated(tmp_path: Path) -> None:
    (tmp_path / "occupations_de.csv").write_text(
        HEADER + 'Occupation,uri:1,2341,Lehrer/Lehrerin,"Lehrerin\n\n  Lehrer \nLehrerin\nLehrer/Lehrerin",,released\n',
        encoding="utf-8")
    (occupation,) = load_esco_occupations(tmp_path, "de")
    assert occupation.preferred_label == "Lehrer/Lehrerin"
    assert occupation.alt_labels == ("Lehrerin", "Lehrer")
    assert occupation.labels == ("Lehrer/Lehrerin", "Lehrerin", "Lehrer")
    assert occupation.isco_major_group == "2"


def test_missing_column_is_reported_with_the_fix(tmp_path: Path) -> None:
    (tmp_path / "occupations_en.csv").write_text("conceptUri,preferredLabel\nu,nurse\n", encoding="utf-8")
    with pytest.raises(DataFormatError, match=r"occupations_en.csv:1: missing column\(s\) iscoGroup, altLabels"):
        load_esco_occupations(tmp_path, "en")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataNotFoundError, match="JOBMATCH_ESCO"):
        load_esco_occupations(tmp_path, "es")


def test_split_labels_handles_crlf() -> None:
    assert split_labels("a\r\nb\r\n\r\na") == ("a", "b")


def test_sample_esco_has_every_sample_occupation() -> None:
    from jobmatch_utils.data import SAMPLE_ROOT
    from jobmatch_utils.sample import load_sample_occupations

    occupations = load_esco_occupations(SAMPLE_ROOT / "esco", "en")
    assert len(occupations) == len(load_sample_occupations())
    assert load_isco_groups(SAMPLE_ROOT / "esco")["2"] == "Professionals"


@pytest.mark.realdata
def test_real_esco(esco_root: Path) -> None:
    for code in ("en", "de", "es"):
        occupations = load_esco_occupations(esco_root, code)
        assert len(occupations) == 3039
        assert all(o.labels and o.labels[0] == o.preferred_label for o in occupations)
    assert len(load_isco_groups(esco_root)) > 400
