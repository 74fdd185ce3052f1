"""The register as a spreadsheet: export to Excel (.xlsx) and import from .xlsx or UTF-8 .csv.

Layout (one row per project, header on row 1, the same header names both ways)::

    Mã | Tên dự án | Địa bàn | Vốn hỗ trợ | Hiện vật | Ngày kết thúc | Thiệt hại (%) | Bất khả kháng |
    Biên bản xác nhận | Phải thu hồi | Trạng thái | Hạn thu hồi | Đã nộp | Ngày nộp | Còn phải nộp |
    Quá hạn | Căn cứ | Ghi chú

then a "Tổng cộng" row with SUM formulas. Amounts are numbers formatted ``#,##0 "đồng"``, dates
real dates formatted ``dd/mm/yyyy``; overdue rows (on ``as_of``) are filled in red and say
"Quá hạn".

Import reads only the *input* columns (Tên dự án, Địa bàn, Vốn hỗ trợ, Ngày kết thúc required;
Hiện vật, Thiệt hại (%), Bất khả kháng, Biên bản xác nhận, Đã nộp, Ngày nộp, Ghi chú optional);
the computed columns (Phải thu hồi, Trạng thái, Hạn thu hồi, Căn cứ …) are recomputed by the
rules engine, never taken from the file. Headers match without accents or case. Every row is
validated before anything is stored: one bad row rejects the whole file (:class:`SheetRejected`).

openpyxl is imported only inside the functions that need it: it pulls in numpy when that is
installed, and ``sotay projects add`` must stay as light as ``sotay recover``.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import os
import tempfile
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from sotay.rules.formatting import format_quantity
from sotay.rules.inputs import InputError, normalize_key
from sotay.rules.register import NewProject, RegisteredProject, prepare
from sotay.rules.vocabulary import Status, Tier

__all__ = ["HEADERS", "STATUS_LABELS", "SheetRejected", "export_xlsx", "read_projects"]

HEADERS: tuple[str, ...] = (
    "Mã", "Tên dự án", "Địa bàn", "Vốn hỗ trợ", "Hiện vật", "Ngày kết thúc", "Thiệt hại (%)", "Bất khả kháng",
    "Biên bản xác nhận", "Phải thu hồi", "Trạng thái", "Hạn thu hồi", "Đã nộp", "Ngày nộp", "Còn phải nộp",
    "Quá hạn", "Căn cứ", "Ghi chú",
)
TOTAL_LABEL = "Tổng cộng"
OVERDUE_LABEL = "Quá hạn"
MONEY_FORMAT = '#,##0 "đồng"'
DATE_FORMAT = "dd/mm/yyyy"
OVERDUE_FILL = "FFC7CE"
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 10_000

STATUS_LABELS: dict[str, str] = {s.value: s.label for s in Status}

# input field -> header (import reads these; the others are recomputed)
_INPUTS = {
    "name": "Tên dự án", "tier": "Địa bàn", "support": "Vốn hỗ trợ", "end": "Ngày kết thúc",
    "in_kind": "Hiện vật", "damage": "Thiệt hại (%)", "force_majeure": "Bất khả kháng",
    "verified": "Biên bản xác nhận", "paid": "Đã nộp", "paid_date": "Ngày nộp", "note": "Ghi chú",
}
_REQUIRED = ("name", "tier", "support", "end")
_MONEY_COLUMNS = ("Vốn hỗ trợ", "Phải thu hồi", "Đã nộp", "Còn phải nộp")
_DATE_COLUMNS = ("Ngày kết thúc", "Hạn thu hồi", "Ngày nộp")


class SheetRejected(InputError):
    """The file has bad rows; ``rows`` lists (row number, Vietnamese reason). Nothing was stored."""

    def __init__(self, rows: list[tuple[int, str]]) -> None:
        super().__init__(f"Tệp có {len(rows)} dòng lỗi; chưa thêm dự án nào.", "file")
        self.rows = rows


# --- export ------------------------------------------------------------------------------------------


def _status_label(p: RegisteredProject) -> str:
    if p.status.due and p.remaining == 0:
        return "Đã nộp đủ"
    return STATUS_LABELS.get(p.status, p.status)


def _damage_cell(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _row(p: RegisteredProject, as_of: _dt.date) -> list[Any]:
    overdue = p.is_overdue(as_of)
    return [
        p.id, p.name, Tier(p.tier).short_label, p.support,
        format_quantity(p.in_kind.quantity, p.in_kind.unit) if p.in_kind else None,
        p.end, _damage_cell(p.damage), "có" if p.force_majeure else None, "có" if p.verified else None,
        p.amount, _status_label(p), p.deadline, p.paid, p.paid_date, p.remaining,
        OVERDUE_LABEL if overdue else None, p.basis, p.note or None,
    ]


def export_xlsx(projects: Sequence[RegisteredProject], path: str | os.PathLike[str], as_of: _dt.date) -> Path:
    """Write the workbook to ``path`` atomically (a temporary file then ``os.replace``); returns the path.

    Raises InputError (Vietnamese) for a name not ending in .xlsx or a folder that cannot be written.
    """
    from openpyxl import Workbook  # lazy: openpyxl imports numpy when present
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    target = Path(path)
    if target.suffix.lower() != ".xlsx":
        raise InputError(f"Tệp xuất phải có đuôi .xlsx, ví dụ soduan.xlsx (nhận được “{target.name}”).", "file")
    parent = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise InputError(f"“{target}” là thư mục; hãy ghi rõ tên tệp, ví dụ soduan.xlsx.", "file")
    if not parent.is_dir():
        raise InputError(f"Thư mục “{parent}” không tồn tại, không ghi được tệp.", "file")
    if not os.access(parent, os.W_OK):
        raise InputError(f"Không có quyền ghi vào thư mục “{parent}”.", "file")

    wb = Workbook()
    ws = wb.worksheets[0]  # a new workbook's one (active) sheet
    ws.title = "Sổ dự án"
    ws.append(list(HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    col = {name: i + 1 for i, name in enumerate(HEADERS)}
    fill = PatternFill(start_color=OVERDUE_FILL, end_color=OVERDUE_FILL, fill_type="solid")
    for p in projects:
        ws.append(_row(p, as_of))
        r = ws.max_row
        for name in _MONEY_COLUMNS:
            ws.cell(r, col[name]).number_format = MONEY_FORMAT
        for name in _DATE_COLUMNS:
            ws.cell(r, col[name]).number_format = DATE_FORMAT
        if p.is_overdue(as_of):
            for c in range(1, len(HEADERS) + 1):
                ws.cell(r, c).fill = fill
    last = ws.max_row
    total = last + 1
    ws.cell(total, col["Tên dự án"], TOTAL_LABEL).font = Font(bold=True)
    for name in _MONEY_COLUMNS:
        letter = get_column_letter(col[name])
        cell = ws.cell(total, col[name], f"=SUM({letter}2:{letter}{last})" if last >= 2 else 0)
        cell.number_format = MONEY_FORMAT
        cell.font = Font(bold=True)
    widths = {"Mã": 6, "Tên dự án": 32, "Căn cứ": 48, "Ghi chú": 24, "Trạng thái": 16}
    for name, i in col.items():
        ws.column_dimensions[get_column_letter(i)].width = widths.get(name, 16)
    ws.freeze_panes = "C2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(HEADERS))}{max(last, 1)}"
    ws.cell(total + 2, 1, f"Tình trạng tính đến ngày {as_of:%d/%m/%Y}.")

    fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{target.name}.", suffix=".tmp")
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return target


# --- import ------------------------------------------------------------------------------------------


def _read_rows(path: Path) -> list[tuple[int, list[Any]]]:
    """(row number as a spreadsheet shows it, cells) for the header and every row of the file."""
    try:
        if path.is_dir():
            raise InputError(f"“{path}” là thư mục, không phải tệp.", "file")
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"Không tìm thấy tệp “{path}”.", "file") from None
    except OSError as exc:
        raise InputError(f"Không đọc được tệp “{path}”: {exc.strerror or exc}.", "file") from None
    if size > MAX_BYTES:
        raise InputError(f"Tệp quá lớn ({size // (1024 * 1024)} MB, tối đa 20 MB).", "file")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(
                f"Tệp “{path}” không phải CSV mã UTF-8. Trong Excel, chọn Lưu thành → “CSV UTF-8 (Comma delimited)”.",
                "file",
            ) from None
        except OSError as exc:
            raise InputError(f"Không đọc được tệp “{path}”: {exc.strerror or exc}.", "file") from None
        header = text.split("\n", 1)[0]
        delimiter = max((",", ";", "\t"), key=header.count) if any(d in header for d in ",;\t") else ","
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        rows: list[tuple[int, list[Any]]] = []
        try:
            start = 1
            for cells in reader:
                rows.append((start, list(cells)))
                start = reader.line_num + 1
        except csv.Error as exc:
            raise InputError(f"Tệp CSV sai định dạng (dòng {reader.line_num}): {exc}.", "file") from None
        return rows
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook  # lazy: openpyxl imports numpy when present

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception:  # zipfile.BadZipFile, KeyError, InvalidFileException …: the file is not a workbook
            raise InputError(f"Không đọc được tệp Excel “{path}” (tệp hỏng hoặc không phải .xlsx).", "file") from None
        try:
            ws = wb["Sổ dự án"] if "Sổ dự án" in wb.sheetnames else wb.worksheets[0]
            return [(i, list(cells)) for i, cells in enumerate(ws.iter_rows(values_only=True), start=1)]
        finally:
            wb.close()
    raise InputError(f"Chỉ nhập được tệp .xlsx hoặc .csv (nhận được “{path.name}”).", "file")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _cell_value(value: Any) -> Any:
    """A spreadsheet cell as the parsers take it: dates and numbers kept, text stripped, empty → None."""
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, (_dt.date, int)) and not isinstance(value, bool):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    text = str(value).strip()
    return text or None


def read_projects(path: str | os.PathLike[str], *, today: _dt.date | None = None) -> list[NewProject]:
    """Validate every row of the file and return the projects to add (none stored here).

    Raises :class:`SheetRejected` listing every bad row (row number + reason), or InputError for a
    problem with the file as a whole (missing, unreadable, no header, a required column missing, no row).
    """
    rows = _read_rows(Path(path))
    header_at = next((i for i, (_, cells) in enumerate(rows) if any(_text(c) for c in cells)), None)
    if header_at is None:
        raise InputError("Tệp trống: cần dòng tiêu đề (Tên dự án, Địa bàn, Vốn hỗ trợ, Ngày kết thúc, …).", "file")
    by_key = {normalize_key(h): f for f, h in _INPUTS.items()}
    columns: dict[str, int] = {}
    id_column: int | None = None
    for i, name in enumerate(rows[header_at][1]):
        key = normalize_key(_text(name))
        if key == normalize_key("Mã"):
            id_column = i
        field = by_key.get(key)
        if field is None:
            continue
        if field in columns:
            raise InputError(f"Tệp có hai cột “{_INPUTS[field]}”.", "file")
        columns[field] = i
    missing = [_INPUTS[f] for f in _REQUIRED if f not in columns]
    if missing:
        raise InputError(
            "Tệp thiếu cột bắt buộc: " + ", ".join(f"“{m}”" for m in missing)
            + ". Dòng đầu tiên phải là tiêu đề như tệp xuất bởi “sotay projects export”.",
            "file",
        )
    data = rows[header_at + 1:]
    if len(data) > MAX_ROWS:
        raise InputError(f"Tệp có quá nhiều dòng ({len(data)}; tối đa {MAX_ROWS}).", "file")

    projects: list[NewProject] = []
    bad: list[tuple[int, str]] = []
    for number, cells in data:
        if not any(_text(c) for c in cells):
            continue

        def get(field: str) -> Any:
            index = columns.get(field)
            return _cell_value(cells[index]) if index is not None and index < len(cells) else None

        if _text(get("name")) == TOTAL_LABEL and (id_column is None or not _text(
                cells[id_column] if id_column < len(cells) else None)):
            continue  # the totals row of an exported workbook
        if _text(cells[0]).startswith("Tình trạng tính đến ngày") and not any(_text(c) for c in cells[1:]):
            continue  # the "as of" note under an exported table
        try:
            projects.append(prepare(
                _text(get("name")), _text(get("tier")), get("support") or "", get("end") or "",
                damage=get("damage"), force_majeure=_text(get("force_majeure")),
                verified=_text(get("verified")), in_kind=_text(get("in_kind")) or None, note=_text(get("note")),
                paid=get("paid"), paid_date=get("paid_date"), today=today,
            ))
        except InputError as exc:
            bad.append((number, exc.message))
    if bad:
        raise SheetRejected(bad)
    if not projects:
        raise InputError("Tệp không có dự án nào (chỉ có dòng tiêu đề).", "file")
    return projects
