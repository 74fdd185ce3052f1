"""Rules engine: deterministic calculations from provincial regulations (no model involved).

Public API (imported lazily, so ``import sotay.rules`` stays cheap)::

    from sotay.rules import compute, format_result, parse_amount, parse_date, parse_tier, InputError

    result = compute("kho-khan", "40.000.000", "15/03/2024")   # -> RecoveryResult
    result.to_json()          # the `sotay recover --json` object
    format_result(result)     # the Vietnamese report

Parameters live in ``rules/*.yaml`` (one file per provincial regulation, plus
``bo_luat_dan_su_2015.yaml`` for counting periods). Never imports the search
stack (torch, sentence_transformers, underthesea, faiss, bm25s, sotay.index).
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "compute": "engine",
    "evaluate": "engine",
    "make_project": "engine",
    "Project": "engine",
    "RecoveryResult": "engine",
    "BasisItem": "engine",
    "Step": "engine",
    "InKindShare": "engine",
    "format_result": "formatting",
    "format_vnd": "formatting",
    "format_date": "formatting",
    "InputError": "inputs",
    "InKind": "inputs",
    "parse_amount": "inputs",
    "parse_date": "inputs",
    "parse_tier": "inputs",
    "parse_damage": "inputs",
    "parse_bool": "inputs",
    "parse_in_kind": "inputs",
    "RulesFileError": "params",
    "ParameterNotCovered": "params",
    "load_regulations": "params",
    "select_regulation": "params",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module_name}"), name)
    globals()[name] = value
    return value
