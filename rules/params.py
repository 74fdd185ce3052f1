"""Load, validate and select the regulation parameter files in ``rules/*.yaml``.

Two kinds of file live next to this module:

* ``kind: recovery_regulation`` — one per provincial regulation (e.g.
  ``ninh_thuan.yaml``): rates per tier, recovery period, maximum extension,
  damage threshold (each with ``values: {date: value}`` and
  ``metadata.reference``), quoted clauses and the follow-up steps. Adding a
  province means adding such a file; no code changes.
* ``kind: time_counting`` — the Civil Code clauses on counting periods
  (``bo_luat_dan_su_2015.yaml``), shared by all provinces.

A parameter value applies from its date key until the next key; a ``null``
value means "no longer in force". Asking for a date that no value covers raises
:class:`ParameterNotCovered` (an :class:`~sotay.rules.inputs.InputError`: it is
the user's date that falls outside the regulation). A malformed file raises
:class:`RulesFileError`. Both carry Vietnamese messages.
"""

from __future__ import annotations

import datetime as _dt
import os
import string
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, TypeVar

from sotay.rules.inputs import TIERS, InputError, normalize_key
from sotay.rules.vocabulary import Status

__all__ = [
    "RULES_DIR",
    "STATUSES",
    "Reference",
    "Parameter",
    "StepRule",
    "Regulation",
    "TimeRules",
    "RulesFileError",
    "ParameterNotCovered",
    "load_regulations",
    "select_regulation",
    "load_time_rules",
]

RULES_DIR = Path(__file__).resolve().parent / "parameters"
STATUSES: tuple[str, ...] = tuple(Status)  # the outcomes a step may apply to ("when" in a rules file)
STEP_PLACEHOLDERS = frozenset({"amount", "deadline", "quantity"})
REQUIRED_CLAUSES = ("form", "amount_in_approval", "extension", "waiver")


class RulesFileError(Exception):
    """A rules YAML file is missing or malformed (a maintainer's problem, not the user's)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ParameterNotCovered(InputError):
    """No value of a parameter applies on the requested date."""


@dataclass(frozen=True)
class Parameter:
    """A dated parameter (OpenFisca style): ``values`` sorted by start date; ``None`` = ended."""

    name: str
    description: str
    unit: str
    values: tuple[tuple[_dt.date, Decimal | None], ...]
    reference: Reference
    document: str

    def at(self, day: _dt.date) -> Decimal:
        """The value in force on ``day``; raises :class:`ParameterNotCovered` if none is."""
        current: Decimal | None = None
        started = False
        for start, value in self.values:
            if start <= day:
                current, started = value, True
            else:
                break
        if not started or current is None:
            spans = self._spans()
            raise ParameterNotCovered(
                f"{self.document} không áp dụng cho dự án kết thúc ngày {day:%d/%m/%Y}: "
                f"“{self.description}” ({self.reference.citation}) chỉ có hiệu lực {spans}.",
                "end",
            )
        return current

    def _spans(self) -> str:
        parts: list[str] = []
        items = list(self.values)
        for i, (start, value) in enumerate(items):
            if value is None:
                continue
            if i + 1 < len(items):
                stop = items[i + 1][0] - _dt.timedelta(days=1)
                parts.append(f"từ {start:%d/%m/%Y} đến {stop:%d/%m/%Y}")
            else:
                parts.append(f"từ {start:%d/%m/%Y}")
        return "; ".join(parts) or "không có khoảng thời gian nào"


@dataclass(frozen=True)
class StepRule:
    """A follow-up step: who does what, for which statuses and (optionally) which form."""

    who: str
    what: str
    when: frozenset[str]
    form: str | None
    citation: str
    text: str


@dataclass(frozen=True)
class Regulation:
    """One provincial regulation, as read from its YAML file."""

    key: str
    province_name: str
    citation: str
    document: Mapping[str, Any]
    rates: Mapping[str, Parameter]
    recovery_months: Parameter
    extension_months: Parameter
    damage_threshold: Parameter
    clauses: Mapping[str, Reference]
    steps: tuple[StepRule, ...]
    path: str

    def cite(self, clause: str) -> str:
        """Full citation: ``"QĐ …/2022/QĐ-UBND Ninh Thuận, Điều 4 khoản 2 điểm b"``."""
        return f"{self.citation}, {clause}"


@dataclass(frozen=True)
class TimeRules:
    """Civil Code clauses on counting periods (keys ``start``, ``months``, ``day_off``)."""

    citation: str
    clauses: Mapping[str, Reference]

    def cite(self, clause: str) -> str:
        return f"{self.citation}, {clause}"


@dataclass(frozen=True)
class Reference:
    """A clause: its citation inside the document and the quoted text."""

    citation: str
    text: str


# --- low-level readers -------------------------------------------------------


def _read_yaml(path: Path) -> Any:
    import yaml  # cheap, but only needed when a file is read

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=loader)  # noqa: S506 - safe loader
    except OSError as exc:
        raise RulesFileError(f"Không đọc được tệp quy định {path.name}: {exc.strerror or exc}.") from None
    except yaml.YAMLError as exc:
        raise RulesFileError(f"Tệp quy định {path.name} sai cú pháp YAML: {exc}.") from None


def _need(mapping: Any, key: str, where: str, kind: type | tuple[type, ...] = str) -> Any:
    if not isinstance(mapping, dict) or key not in mapping or mapping[key] in (None, ""):
        raise RulesFileError(f"{where}: thiếu khóa “{key}”.")
    value = mapping[key]
    if not isinstance(value, kind):
        raise RulesFileError(f"{where}: khóa “{key}” sai kiểu dữ liệu.")
    return value


def _reference(raw: Any, where: str) -> Reference:
    return Reference(
        citation=" ".join(_need(raw, "citation", where).split()),
        text=" ".join(_need(raw, "text", where).split()),
    )


def _as_date(key: Any, where: str) -> _dt.date:
    if isinstance(key, _dt.datetime):
        return key.date()
    if isinstance(key, _dt.date):
        return key
    try:
        return _dt.date.fromisoformat(str(key))
    except ValueError:
        raise RulesFileError(f"{where}: ngày áp dụng “{key}” không hợp lệ (cần dạng YYYY-MM-DD).") from None


def _parameter(raw: Any, name: str, where: str, document: str) -> Parameter:
    where = f"{where}, tham số {name}"
    values_raw = _need(raw, "values", where, dict)
    values: list[tuple[_dt.date, Decimal | None]] = []
    for key, value in values_raw.items():
        day = _as_date(key, where)
        if value is None:
            values.append((day, None))
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise RulesFileError(f"{where}: giá trị ngày {day} phải là số.")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise RulesFileError(f"{where}: giá trị ngày {day} phải là số.") from None
        if not number.is_finite():
            raise RulesFileError(f"{where}: giá trị ngày {day} phải là số hữu hạn.")
        values.append((day, number))
    if not values:
        raise RulesFileError(f"{where}: “values” trống.")
    values.sort(key=lambda item: item[0])
    metadata = _need(raw, "metadata", where, dict)
    return Parameter(
        name=name,
        description=" ".join(_need(raw, "description", where).split()),
        unit=str(raw.get("unit", "")),
        values=tuple(values),
        reference=_reference(_need(metadata, "reference", where, dict), where),
        document=document,
    )


def _check_values(param: Parameter, where: str, low: Decimal, high: Decimal, integer: bool = False) -> None:
    for day, value in param.values:
        if value is None:
            continue
        if not (low <= value <= high) or (integer and value != value.to_integral_value()):
            kind = "số nguyên " if integer else ""
            raise RulesFileError(
                f"{where}, tham số {param.name}: giá trị ngày {day} phải là {kind}trong khoảng {low}–{high}."
            )


def _parse_regulation(raw: dict[str, Any], path: Path) -> Regulation:
    where = f"Tệp {path.name}"
    key = _need(raw, "province", where)
    if normalize_key(key) != key:
        raise RulesFileError(f"{where}: “province” phải viết thường, không dấu, nối bằng “_” (ví dụ ninh_thuan).")
    document = _need(raw, "document", where, dict)
    citation = " ".join(_need(document, "citation", f"{where}, document").split())
    params = _need(raw, "parameters", where, dict)
    rates_raw = _need(params, "rate", f"{where}, parameters", dict)
    missing = [tier for tier in TIERS if tier not in rates_raw]
    extra = [tier for tier in rates_raw if tier not in TIERS]
    if missing or extra:
        raise RulesFileError(
            f"{where}: parameters.rate phải có đúng các địa bàn {', '.join(TIERS)}"
            + (f" (thiếu {', '.join(missing)})" if missing else "")
            + (f" (thừa {', '.join(map(str, extra))})" if extra else "")
            + "."
        )
    rates = {tier: _parameter(rates_raw[tier], f"rate.{tier}", where, citation) for tier in TIERS}
    for param in rates.values():
        _check_values(param, where, Decimal(0), Decimal(1))
    recovery = _parameter(_need(params, "recovery_months", where, dict), "recovery_months", where, citation)
    _check_values(recovery, where, Decimal(1), Decimal(120), integer=True)
    extension = _parameter(_need(params, "extension_months", where, dict), "extension_months", where, citation)
    _check_values(extension, where, Decimal(0), Decimal(120), integer=True)
    threshold = _parameter(
        _need(params, "damage_threshold_percent", where, dict), "damage_threshold_percent", where, citation
    )
    _check_values(threshold, where, Decimal("0.01"), Decimal(100))

    clauses_raw = _need(raw, "clauses", where, dict)
    clauses = {name: _reference(value, f"{where}, clauses.{name}") for name, value in clauses_raw.items()}
    for name in REQUIRED_CLAUSES:
        if name not in clauses:
            raise RulesFileError(f"{where}: thiếu điều khoản clauses.{name}.")

    steps: list[StepRule] = []
    for i, step in enumerate(_need(raw, "steps", where, list), start=1):
        swhere = f"{where}, bước {i}"
        when = _need(step, "when", swhere, list)
        bad = [s for s in when if s not in STATUSES]
        if bad or not when:
            raise RulesFileError(f"{swhere}: “when” chỉ nhận {', '.join(STATUSES)}.")
        form = step.get("form")
        if form not in (None, "cash", "in_kind"):
            raise RulesFileError(f"{swhere}: “form” chỉ nhận cash hoặc in_kind.")
        what = " ".join(_need(step, "what", swhere).split())
        try:
            fields = {f for _, f, _, _ in string.Formatter().parse(what) if f is not None}
        except ValueError:
            raise RulesFileError(f"{swhere}: dấu ngoặc {{}} trong “what” không hợp lệ.") from None
        if fields - STEP_PLACEHOLDERS:
            raise RulesFileError(
                f"{swhere}: chỗ điền không hợp lệ {sorted(fields - STEP_PLACEHOLDERS)}; chỉ dùng "
                + ", ".join("{" + p + "}" for p in sorted(STEP_PLACEHOLDERS))
                + "."
            )
        steps.append(
            StepRule(
                who=" ".join(_need(step, "who", swhere).split()),
                what=what,
                when=frozenset(when),
                form=form,
                citation=" ".join(_need(step, "citation", swhere).split()),
                text=" ".join(_need(step, "text", swhere).split()),
            )
        )
    return Regulation(
        key=key,
        province_name=_need(raw, "province_name", where),
        citation=citation,
        document=dict(document),
        rates=rates,
        recovery_months=recovery,
        extension_months=extension,
        damage_threshold=threshold,
        clauses=clauses,
        steps=tuple(steps),
        path=str(path),
    )


# --- discovery and selection -------------------------------------------------


@lru_cache(maxsize=64)
def _load_file(path_str: str, mtime_ns: int, size: int) -> Regulation | TimeRules | None:
    """The parsed object of one YAML file by its ``kind`` (None for another kind); cached per (path, mtime, size)."""
    path = Path(path_str)
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        return None
    kind = raw.get("kind", "")
    if kind == "recovery_regulation":
        return _parse_regulation(raw, path)
    if kind == "time_counting":
        where = f"Tệp {path.name}"
        document = _need(raw, "document", where, dict)
        clauses_raw = _need(raw, "clauses", where, dict)
        clauses = {name: _reference(value, f"{where}, clauses.{name}") for name, value in clauses_raw.items()}
        for name in ("start", "months", "day_off"):
            if name not in clauses:
                raise RulesFileError(f"{where}: thiếu điều khoản clauses.{name}.")
        return TimeRules(citation=" ".join(_need(document, "citation", where).split()), clauses=clauses)
    return None


_Parsed = TypeVar("_Parsed", Regulation, TimeRules)


def _files_of_kind(directory: Path, kind: type[_Parsed]) -> list[_Parsed]:
    """The files in ``directory`` that parse to ``kind`` (YAML ``kind: recovery_regulation`` or ``time_counting``)."""
    try:
        paths = sorted(p for p in directory.glob("*.yaml") if p.is_file())
    except OSError:
        paths = []
    found: list[_Parsed] = []
    for path in paths:
        try:
            st = os.stat(path)
        except OSError as exc:
            raise RulesFileError(f"Không đọc được tệp quy định {path.name}: {exc.strerror or exc}.") from None
        obj = _load_file(str(path), st.st_mtime_ns, st.st_size)
        if isinstance(obj, kind):
            found.append(obj)
    return found


def load_regulations(directory: str | os.PathLike[str] | None = None) -> dict[str, Regulation]:
    """All provincial regulations in ``directory`` (default: the installed ``rules/``), by key."""
    folder = Path(directory) if directory is not None else RULES_DIR
    regulations: dict[str, Regulation] = {}
    for reg in _files_of_kind(folder, Regulation):
        if reg.key in regulations:
            raise RulesFileError(
                f"Hai tệp cùng khai báo tỉnh “{reg.key}”: {Path(regulations[reg.key].path).name} "
                f"và {Path(reg.path).name}."
            )
        regulations[reg.key] = reg
    return regulations


def select_regulation(
    province: str | None = None, directory: str | os.PathLike[str] | None = None
) -> Regulation:
    """The regulation for ``province`` (key or name, accents optional).

    With ``province=None`` the only regulation is used; if there are several,
    raises :class:`InputError` naming the choices.
    """
    regulations = load_regulations(directory)
    if not regulations:
        raise RulesFileError("Không tìm thấy tệp quy định nào (rules/*.yaml với kind: recovery_regulation).")
    choices = ", ".join(f"{k} ({r.province_name})" for k, r in sorted(regulations.items()))
    if province is None or not str(province).strip():
        if len(regulations) == 1:
            return next(iter(regulations.values()))
        raise InputError(
            f"Có quy định của nhiều tỉnh: {choices}. Hãy chọn bằng --province, "
            f"ví dụ --province {sorted(regulations)[0]}.",
            "province",
        )
    wanted = normalize_key(province)
    for key, reg in regulations.items():
        if wanted in (key, normalize_key(reg.province_name)):
            return reg
    raise InputError(f"Không có quy định cho tỉnh “{province}”. Các tỉnh hiện có: {choices}.", "province")


def load_time_rules(directory: str | os.PathLike[str] | None = None) -> TimeRules:
    """The Civil Code period-counting clauses (from ``directory``, else from the installed ``rules/``)."""
    for folder in ([Path(directory)] if directory is not None else []) + [RULES_DIR]:
        found = _files_of_kind(folder, TimeRules)
        if found:
            return found[0]
    raise RulesFileError("Thiếu tệp quy định cách tính thời hạn (kind: time_counting).")
