"""Batch mode: one project per CSV row in, the same rows plus computed columns out.

Input: UTF-8 CSV (a BOM is fine; the output keeps it), separator ``,``, ``;``
or tab (taken from the header line and kept in the output). Header names are
matched without accents and case, with Vietnamese aliases:

=============  ===========================================================
column         accepted header names
=============  ===========================================================
tier *         tier, dia_ban, địa bàn, loai_dia_ban
amount *       amount, support, so_tien, số tiền, von_ho_tro, vốn hỗ trợ
end *          end, end_date, ngay_ket_thuc, ngày kết thúc
damage         damage, thiet_hai, thiệt hại (%)
force_majeure  force_majeure, bat_kha_khang, bất khả kháng
verified       verified, bien_ban, biên bản, co_bien_ban
in_kind        in_kind, hien_vat, hiện vật
province       province, tinh, tỉnh
=============  ===========================================================

(* required). Values are parsed like the command-line options (``có``/``không``,
tier aliases, ``40.000.000``, ``15/3/2024``...).

Output: every input column unchanged, then ``status``, ``rate`` (e.g. 0.1),
``amount_recovered`` (whole đồng), ``deadline`` and ``deadline_unadjusted``
(ISO dates, empty when nothing is recovered), ``in_kind_quantity`` (only when
the input has an in-kind column), ``warning`` and ``error`` — the same machine
formats as ``--json``. Input columns already named like an output column are
overwritten in place. A bad row gets its Vietnamese message in ``error`` and
empty results; other rows are still computed. Rows whose cells are all empty
are dropped. Problems with the file as a whole (missing, not UTF-8, no
header, required column missing, output folder missing) raise ``InputError``
before anything is written. The output file is written to a temporary file in
the same folder and moved into place with ``os.replace``, so it is either the
complete new file or untouched.
"""

from __future__ import annotations

import csv
import io
import os
import sys
import tempfile
from pathlib import Path
from typing import TextIO

from sotay.rules.engine import compute
from sotay.rules.inputs import InputError, normalize_key
from sotay.rules.params import select_regulation

__all__ = ["OUTPUT_COLUMNS", "process_rows", "run_batch"]

MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 100_000
OUTPUT_COLUMNS = ("status", "rate", "amount_recovered", "deadline", "deadline_unadjusted", "warning", "error")

_ALIASES: dict[str, tuple[str, ...]] = {
    "tier": ("tier", "dia_ban", "loai_dia_ban"),
    "amount": ("amount", "support", "so_tien", "von_ho_tro", "so_tien_ho_tro", "kinh_phi_ho_tro"),
    "end": ("end", "end_date", "ngay_ket_thuc", "ket_thuc"),
    "damage": ("damage", "thiet_hai", "muc_thiet_hai"),
    "force_majeure": ("force_majeure", "bat_kha_khang"),
    "verified": ("verified", "bien_ban", "co_bien_ban", "bien_ban_xac_nhan"),
    "in_kind": ("in_kind", "hien_vat"),
    "province": ("province", "tinh"),
}
_HEADER_TO_FIELD = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}
_REQUIRED = ("tier", "amount", "end")


def _read_text(path: Path) -> tuple[str, bool]:
    """(text, had_bom). Raises InputError for unreadable / non-UTF-8 / huge files."""
    try:
        if path.is_dir():
            raise InputError(f"“{path}” là thư mục, không phải tệp CSV.", "csv")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"Tệp CSV quá lớn ({size // (1024 * 1024)} MB, tối đa 50 MB).", "csv")
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"Không tìm thấy tệp CSV “{path}”.", "csv") from None
    except PermissionError:
        raise InputError(f"Không có quyền đọc tệp CSV “{path}”.", "csv") from None
    except OSError as exc:
        raise InputError(f"Không đọc được tệp CSV “{path}”: {exc.strerror or exc}.", "csv") from None
    had_bom = data.startswith(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(
            f"Tệp “{path}” không phải CSV mã UTF-8. Trong Excel, chọn Lưu thành → “CSV UTF-8 (Comma delimited)”.",
            "csv",
        ) from None
    return text, had_bom


def _delimiter(text: str) -> str:
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def process_rows(
    rows: list[list[str]],
    *,
    province: str | None = None,
    rules_dir: str | os.PathLike[str] | None = None,
    first_line: int = 2,
) -> tuple[list[list[str]], list[int]]:
    """Compute every data row. ``rows[0]`` is the header.

    Returns (output rows including the header, line numbers of rows with errors).
    Raises InputError for problems with the header.
    """
    if not rows:
        raise InputError("Tệp CSV trống: cần dòng tiêu đề (tier, amount, end, ...).", "csv")
    header = [cell.strip() for cell in rows[0]]
    columns: dict[str, int] = {}
    for i, name in enumerate(header):
        field = _HEADER_TO_FIELD.get(normalize_key(name))
        if field is None:
            continue
        if field in columns:
            raise InputError(
                f"Tệp CSV có hai cột cùng nghĩa “{field}”: “{header[columns[field]]}” và “{name}”.", "csv"
            )
        columns[field] = i
    missing = [f for f in _REQUIRED if f not in columns]
    if missing:
        raise InputError(
            "Tệp CSV thiếu cột bắt buộc: "
            + ", ".join(f"{f} (hoặc {', '.join(_ALIASES[f][1:3])})" for f in missing)
            + ". Dòng đầu tiên phải là tiêu đề, ví dụ: tier,amount,end,damage,force_majeure,verified,in_kind",
            "csv",
        )
    if "province" not in columns:
        select_regulation(province, rules_dir)  # fail once for the whole file (e.g. several provinces)

    out_columns = list(OUTPUT_COLUMNS)
    if "in_kind" in columns:
        out_columns.insert(out_columns.index("warning"), "in_kind_quantity")
    out_header = list(header)
    positions: dict[str, int] = {}
    for name in out_columns:
        existing = [i for i, h in enumerate(header) if normalize_key(h) == name]
        if existing:
            positions[name] = existing[0]
        else:
            positions[name] = len(out_header)
            out_header.append(name)

    output = [out_header]
    errors: list[int] = []
    data_rows = rows[1:]
    if len(data_rows) > MAX_ROWS:
        raise InputError(f"Tệp CSV có quá nhiều dòng ({len(data_rows)}; tối đa {MAX_ROWS}).", "csv")
    for offset, row in enumerate(data_rows):
        line = first_line + offset
        if not any(cell.strip() for cell in row):
            continue
        values = {name: "" for name in out_columns}
        try:
            if len(row) > len(header):
                raise InputError(f"Dòng có {len(row)} ô, nhiều hơn {len(header)} cột của tiêu đề.", "csv")
            result = compute(
                _cell(row, columns["tier"]),
                _cell(row, columns["amount"]),
                _cell(row, columns["end"]),
                damage=_cell(row, columns.get("damage")) or None,
                force_majeure=_cell(row, columns.get("force_majeure")),
                verified=_cell(row, columns.get("verified")),
                in_kind=_cell(row, columns.get("in_kind")) or None,
                province=_cell(row, columns.get("province")) or province,
                rules_dir=rules_dir,
            )
        except InputError as exc:
            values["error"] = exc.message
            errors.append(line)
        else:
            data = result.to_json()
            values.update(
                status=result.status,
                rate=str(data["rate"]),
                amount_recovered=str(result.amount),
                deadline=data["deadline"] or "",
                deadline_unadjusted=data["deadline_unadjusted"] or "",
                warning=" ".join(result.warnings),
            )
            if "in_kind_quantity" in values and result.in_kind is not None:
                q = data["in_kind"]["quantity"]
                values["in_kind_quantity"] = str(q)
        cells = row[: len(header)]
        out_row = cells + [""] * (len(out_header) - len(cells))
        for name, value in values.items():
            out_row[positions[name]] = value
        output.append(out_row + row[len(header):])  # surplus cells are kept, after the results
    return output, errors


def _check_output_path(output: Path) -> None:
    if output.exists() and output.is_dir():
        raise InputError(f"“{output}” là thư mục; hãy ghi rõ tên tệp kết quả, ví dụ ketqua.csv.", "output")
    parent = output.parent if str(output.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"Thư mục “{parent}” không tồn tại, không ghi được tệp kết quả.", "output")
    if not os.access(parent, os.W_OK):
        raise InputError(f"Không có quyền ghi vào thư mục “{parent}”.", "output")


def _write_atomic(output: Path, rows: list[list[str]], delimiter: str, bom: bool) -> None:
    parent = output.parent if str(output.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(dir=parent, prefix=f".{output.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
            csv.writer(fh, delimiter=delimiter).writerows(rows)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_name, 0o666 & ~umask)
        os.replace(tmp_name, output)
    except BaseException:
        try:
            os.unlink(tmp_name)
        except OSError:
            pass
        raise


def run_batch(
    csv_path: str | os.PathLike[str],
    output_path: str | os.PathLike[str] | None = None,
    *,
    province: str | None = None,
    rules_dir: str | os.PathLike[str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Process a CSV file; write to ``output_path`` atomically or to stdout. Returns 0.

    Row errors are reported in the ``error`` column and summarised on stderr;
    file-level problems raise InputError before anything is written.
    """
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    output = Path(output_path) if output_path else None
    if output is not None:
        _check_output_path(output)
    text, bom = _read_text(Path(csv_path))
    delimiter = _delimiter(text)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise InputError(f"Tệp CSV sai định dạng: {exc}.", "csv") from None
    out_rows, errors = process_rows(rows, province=province, rules_dir=rules_dir)
    if output is None:
        writer = csv.writer(stdout, delimiter=delimiter, lineterminator="\n")
        writer.writerows(out_rows)
        stdout.flush()
    else:
        _write_atomic(output, out_rows, delimiter, bom)
    done = len(out_rows) - 1
    if errors:
        shown = ", ".join(map(str, errors[:20])) + (" …" if len(errors) > 20 else "")
        print(
            f"Đã xử lý {done} dòng; {len(errors)} dòng có lỗi (dòng {shown}) — xem cột “error”.",
            file=stderr,
        )
    elif output is not None:
        print(f"Đã tính {done} dòng, ghi vào “{output}”.", file=stderr)
    return 0
