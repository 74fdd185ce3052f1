"""Table tests driven by tests/rules/rules_cases.yaml (OpenFisca-style YAML test cases)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from sotay.rules import InputError, compute

CASES = yaml.safe_load((Path(__file__).with_name("rules_cases.yaml")).read_text(encoding="utf-8"))
WARNING_KINDS = {"warning"}


def _plain(value):
    """YAML dates → ISO strings, recursively (the JSON contract uses ISO strings)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _run(inputs: dict):
    inputs = dict(inputs)
    return compute(
        inputs.pop("tier"),
        inputs.pop("support"),
        inputs.pop("end"),
        **inputs,
    )


def test_cases_file_is_well_formed():
    names = [case["name"] for case in CASES]
    assert len(names) == len(set(names)), "duplicate case names"
    for case in CASES:
        assert ("output" in case) != ("error" in case), case["name"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case):
    if "error" in case:
        with pytest.raises(InputError) as excinfo:
            _run(case["input"])
        assert case["error"] in excinfo.value.message
        return

    result = _run(case["input"])
    data = result.to_json()
    # the JSON must be serialisable as is
    json.dumps(data, ensure_ascii=False)
    for key, expected in case["output"].items():
        expected = _plain(expected)
        if key == "warning":
            has_warning = bool(data["warnings"]) and any(b["kind"] in WARNING_KINDS for b in data["basis"])
            assert has_warning is expected, f"warning expected={expected}: {data['warnings']}"
        elif key == "skipped":
            assert [d["date"] for d in data["days_off_skipped"]] == expected
        else:
            assert data[key] == expected, f"{key}: {data[key]!r} != {expected!r}"
