"""Rules engine: deterministic calculations from provincial regulations (no model involved).

Public API::

    from sotay.rules import compute, format_result, parse_amount, parse_date, parse_tier, InputError

    result = compute("kho-khan", "40.000.000", "15/03/2024")   # -> RecoveryResult
    result.to_json()          # the `sotay recover --json` object
    format_result(result)     # the Vietnamese report

Parameters live in ``rules/parameters/*.yaml`` (one file per provincial regulation, plus
``bo_luat_dan_su_2015.yaml`` for counting periods). Reading recovery details out of chat
text is ``sotay.rules.extract``. Never imports the search stack (torch,
sentence_transformers, underthesea, faiss, bm25s, sotay.index).
"""

from __future__ import annotations

from sotay.rules.engine import BasisItem, InKindShare, RecoveryResult, Step, compute, evaluate
from sotay.rules.formatting import format_date, format_vnd
from sotay.rules.inputs import (
    InKind,
    InputError,
    Project,
    ProjectDetails,
    make_project,
    parse_amount,
    parse_bool,
    parse_damage,
    parse_date,
    parse_in_kind,
    parse_tier,
)
from sotay.rules.params import ParameterNotCovered, RulesFileError, load_regulations, select_regulation
from sotay.rules.report import format_result

__all__ = [
    "BasisItem",
    "InKind",
    "InKindShare",
    "InputError",
    "ParameterNotCovered",
    "Project",
    "ProjectDetails",
    "RecoveryResult",
    "RulesFileError",
    "Step",
    "compute",
    "evaluate",
    "format_date",
    "format_result",
    "format_vnd",
    "load_regulations",
    "make_project",
    "parse_amount",
    "parse_bool",
    "parse_damage",
    "parse_date",
    "parse_in_kind",
    "parse_tier",
    "select_regulation",
]
