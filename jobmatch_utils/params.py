"""Validating notebook parameters right after papermill injects them.

A notebook declares its parameters in the ``parameters`` cell as annotated literals::

    languages: list[str] = ["en", "es", "de", "zh"]  # query languages
    smoke: bool = False                              # tiny model + sample, seconds

and its next cell calls :func:`check_parameters`, which stops at once, before any expensive
work, on a name papermill injected that the notebook does not declare (a typo), on a value
of the wrong type, or on a language code the kit does not know. It also coerces papermill's
``-p`` typing: ``-p smoke false`` arrives as the *string* ``"false"`` and becomes ``False``;
``-p run_id 007`` arrives as the integer ``7`` — for a ``str`` parameter it becomes ``"7"``
with a warning that leading zeros are lost (pass ``-r run_id 007`` to keep them).
"""

from __future__ import annotations

import ast
import typing
import warnings
from collections.abc import Mapping, MutableMapping
from typing import Any

from .errors import ParameterError
from .languages import LANGUAGES, parse_languages

__all__ = ["check_parameters", "injected_parameter_names"]

_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off", ""}


def injected_parameter_names(history: list[str] | None = None) -> set[str]:
    """Names assigned in papermill's injected cell (its source starts with ``# Parameters``).

    Reads IPython's input history (``In``) when ``history`` is not given; empty outside IPython.
    """
    if history is None:
        try:
            from IPython import get_ipython
        except ImportError:  # pragma: no cover - ipykernel brings IPython
            return set()
        shell = get_ipython()
        history = list(shell.user_ns.get("In", [])) if shell is not None else []
    names: set[str] = set()
    for source in history:
        if source.lstrip().startswith("# Parameters"):
            try:
                tree = ast.parse(source)
            except SyntaxError:
                continue
            for node in tree.body:
                if isinstance(node, ast.Assign):
                    names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _coerce(name: str, value: Any, expected: Any) -> Any:
    origin = typing.get_origin(expected)
    if expected is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
    elif expected is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
    elif expected is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                pass
    elif expected is str:
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            warnings.warn(f"parameter '{name}' arrived as the number {value!r} and became the text "
                          f"'{value}'; leading zeros are lost that way — pass it with papermill's -r "
                          "(raw) option to keep them", stacklevel=3)
            return str(value)
        if value is None:
            return ""
    elif origin is list:
        (item_type,) = typing.get_args(expected) or (str,)
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, (list, tuple)):
            return [_coerce(name, v, item_type) for v in value]
    else:  # unannotated or exotic: leave as is
        return value
    raise ParameterError(f"parameter '{name}' must be {getattr(expected, '__name__', expected)}, got {value!r}",
                         fix=f"pass a {getattr(expected, '__name__', expected)} value for '{name}'")


def check_parameters(namespace: MutableMapping[str, Any], *, injected: set[str] | None = None,
                     language_parameters: tuple[str, ...] = ("languages", "language"),
                     choices: Mapping[str, tuple[Any, ...]] | None = None) -> dict[str, Any]:
    """Validate and coerce a notebook's parameters in place; return them as a dict.

    Args:
        namespace: The notebook's ``globals()``; its ``__annotations__`` are the declared parameters.
        injected: Names papermill injected (default: read from the kernel's history).
        language_parameters: Parameters holding language codes (checked against en, es, de, zh).
        choices: Allowed values for further parameters, e.g. ``{"protocol": ("trec", ...)}``.

    Raises:
        ParameterError: An unknown name, a wrong type, or a value outside its choices.

    Example:
        >>> ns = {"__annotations__": {"smoke": bool, "languages": list[str]}, "smoke": "false",
        ...       "languages": "en,de"}
        >>> check_parameters(ns, injected={"smoke", "languages"})
        {'smoke': False, 'languages': ['en', 'de']}
    """
    declared: dict[str, Any] = dict(namespace.get("__annotations__", {}))
    injected = injected_parameter_names() if injected is None else set(injected)
    unknown = sorted(injected - set(declared))
    if unknown:
        raise ParameterError(f"unknown parameter(s) {', '.join(unknown)}",
                             fix=f"valid parameters: {', '.join(declared)}")
    values: dict[str, Any] = {}
    for name, expected in declared.items():
        if isinstance(expected, str):  # `from __future__ import annotations` style
            expected = eval(expected, {"list": list, "str": str, "int": int, "bool": bool, "float": float})
        value = _coerce(name, namespace.get(name), expected)
        if name in language_parameters:
            try:
                value = parse_languages(value) if isinstance(value, list) else parse_languages([value])[0]
            except ParameterError:
                raise ParameterError(f"parameter '{name}' has an unsupported language in {value!r}",
                                     fix=f"use codes from {', '.join(LANGUAGES)}") from None
        if choices and name in choices and value not in choices[name]:
            raise ParameterError(f"parameter '{name}' = {value!r} is not allowed",
                                 fix=f"use one of {', '.join(map(repr, choices[name]))}")
        namespace[name] = value
        values[name] = value
    return values
