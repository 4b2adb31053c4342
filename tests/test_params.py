from __future__ import annotations

import pytest

from jobmatch_utils.errors import ParameterError
from jobmatch_utils.params import check_parameters, injected_parameter_names


def namespace(**values):
    annotations = {"smoke": bool, "languages": list[str], "run_id": str, "max_queries": int, "ratio": float}
    defaults = {"smoke": False, "languages": ["en"], "run_id": "a", "max_queries": 0, "ratio": 0.5}
    return {"__annotations__": annotations, **defaults, **values}


def test_papermill_strings_and_numbers_are_coerced() -> None:
    ns = namespace(smoke="false", languages="en, Spanish", max_queries="12", ratio=1)
    values = check_parameters(ns, injected={"smoke", "languages", "max_queries", "ratio"})
    assert values["smoke"] is False and values["languages"] == ["en", "es"]
    assert values["max_queries"] == 12 and values["ratio"] == 1.0
    assert ns["smoke"] is False  # written back into the notebook's namespace


def test_numeric_text_loses_leading_zeros_with_a_warning() -> None:
    with pytest.warns(UserWarning, match="-r"):
        assert check_parameters(namespace(run_id=7), injected={"run_id"})["run_id"] == "7"


def test_unknown_parameter_lists_the_valid_ones() -> None:
    with pytest.raises(ParameterError, match=r"unknown parameter\(s\) smok — valid parameters: smoke, languages"):
        check_parameters(namespace(), injected={"smok"})


@pytest.mark.parametrize("values, message", [
    ({"smoke": "maybe"}, "'smoke' must be bool"),
    ({"max_queries": "many"}, "'max_queries' must be int"),
    ({"languages": ["en", "fr"]}, "unsupported language.*en, es, de, zh"),
])
def test_wrong_values_stop_with_a_message(values, message) -> None:
    with pytest.raises(ParameterError, match=message):
        check_parameters(namespace(**values), injected=set(values))


def test_choices() -> None:
    ns = {"__annotations__": {"protocol": str}, "protocol": "x"}
    with pytest.raises(ParameterError, match="not allowed.*'trec'"):
        check_parameters(ns, injected=set(), choices={"protocol": ("trec", "sentence-transformers")})


def test_injected_names_are_read_from_papermills_cell() -> None:
    history = ["", "smoke: bool = False", "# Parameters\nsmoke = True\noutput_dir = \"/tmp/x\"\n", "x = 1"]
    assert injected_parameter_names(history) == {"smoke", "output_dir"}
