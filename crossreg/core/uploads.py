"""Reading uploaded CSV and XLSX files safely: limits that hold before memory or time does.

An XLSX file is a zip archive: 5 MB on the wire can expand to gigabytes (a "zip bomb"), and a tiny
sheet can claim a million rows. Every import reads its file through :func:`upload_sheets`, which

* refuses a file larger than ``max_bytes`` before opening it;
* for XLSX, reads the zip directory *before expanding anything* and refuses the archive if the
  declared expanded size of all members exceeds ``max_expanded_bytes``, any large member expands
  more than ``max_ratio`` times its compressed size, or it has more than ``max_members`` members.
  (Python's zipfile never yields more than a member's declared size, and fails its CRC check if the
  data is longer, so a lying directory cannot smuggle more bytes past the check.) Sheet XML is parsed
  by openpyxl in read-only (streaming) mode, with defusedxml refusing entity expansion;
* while rows are read (lazily, one at a time), refuses the file as soon as it passes ``max_rows``
  rows or ``max_columns`` columns, or reading has taken ``max_seconds``.

All of this happens while reading, before the import writes anything; the error names the limit
(``Invalid`` with ``field="file"``). Limits come from ``settings.CROSSREG["UPLOADS"]`` (see
:class:`UploadLimits`), and an import may pass stricter ones.

This is the one reader: the catalog import uses it, and list imports (crossreg.linking) do too.
"""

from __future__ import annotations

import csv
import io
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, replace
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from crossreg.core.errors import Invalid

MiB = 1024 * 1024


@dataclass(frozen=True)
class UploadLimits:
    max_bytes: int = 200 * MiB  # the file as uploaded
    max_expanded_bytes: int = 100 * MiB  # all zip members, expanded
    max_ratio: int = 100  # expanded / compressed, for members above ratio_floor_bytes
    ratio_floor_bytes: int = 1 * MiB
    max_members: int = 500
    max_rows: int = 1_000_000
    max_columns: int = 200
    max_seconds: float = 120.0
    check_every_rows: int = 256

    @classmethod
    def from_settings(cls, **overrides: Any) -> UploadLimits:
        conf = dict(getattr(settings, "CROSSREG", {}).get("UPLOADS", {}) or {})
        top = getattr(settings, "CROSSREG", {}).get("UPLOAD_MAX_BYTES")
        if top and "max_bytes" not in conf:
            conf["max_bytes"] = int(top)
        names = {f.name for f in fields(cls)}
        base = cls(**{k: v for k, v in conf.items() if k in names})
        return replace(base, **overrides) if overrides else base


@dataclass
class Sheet:
    """One table of an upload: its title ("" for CSV) and its rows, read lazily and checked."""

    title: str
    rows: Iterator[list[Any]]


def _refuse(message: str, code: str) -> Invalid:
    return Invalid(message, field="file", code=code)


def _mib(n: int) -> str:
    return f"{n / MiB:.0f} MiB" if n >= MiB else f"{n} B"


def upload_check_size(size: int, limits: UploadLimits) -> None:
    if size > limits.max_bytes:
        raise _refuse(
            _("文件过大（%(size)s），上限为 %(limit)s")
            % {"size": _mib(size), "limit": _mib(limits.max_bytes)},
            "too_large",
        )


def zip_check(archive: zipfile.ZipFile, limits: UploadLimits) -> None:
    """Refuse an archive whose directory promises too much, before any member is expanded."""
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise _refuse(_("压缩包内文件过多（%(n)d 个）") % {"n": len(members)}, "zip_members")
    total = 0
    for m in members:
        total += m.file_size
        if m.file_size > limits.ratio_floor_bytes and m.file_size > limits.max_ratio * max(
            m.compress_size, 1
        ):
            raise _refuse(
                _("文件内容压缩比异常（%(name)s 展开后为 %(size)s），疑似压缩炸弹，已拒绝")
                % {"name": m.filename, "size": _mib(m.file_size)},
                "zip_ratio",
            )
    if total > limits.max_expanded_bytes:
        raise _refuse(
            _("文件展开后过大（%(size)s），上限为 %(limit)s")
            % {"size": _mib(total), "limit": _mib(limits.max_expanded_bytes)},
            "zip_expanded",
        )


class _Guard:
    """Counts rows and watches the clock while a sheet is read."""

    def __init__(self, limits: UploadLimits) -> None:
        self.limits = limits
        self.started = time.monotonic()
        self.rows = 0

    def check_time(self) -> None:
        if time.monotonic() - self.started > self.limits.max_seconds:
            raise _refuse(
                _("读取文件超过 %(s)d 秒，已停止；请拆分文件后再导入") % {"s": int(self.limits.max_seconds)},
                "too_slow",
            )

    def row(self, row: list[Any], sheet: str) -> list[Any]:
        self.rows += 1
        if self.rows > self.limits.max_rows:
            raise _refuse(
                _("文件超过 %(n)d 行，请拆分后再导入") % {"n": self.limits.max_rows}, "too_many_rows"
            )
        if len(row) > self.limits.max_columns:
            # Trailing empty cells (a sheet formatted out to column XFD) do not count.
            while row and (row[-1] is None or row[-1] == ""):
                row.pop()
            if len(row) > self.limits.max_columns:
                where = _("工作表“%(sheet)s”") % {"sheet": sheet} if sheet else ""
                raise _refuse(
                    _("%(where)s第 %(row)d 行超过 %(n)d 列")
                    % {"where": where, "row": self.rows, "n": self.limits.max_columns},
                    "too_many_columns",
                )
        if self.rows % self.limits.check_every_rows == 0:
            self.check_time()
        return row


def _xlsx_sheets(data: bytes, limits: UploadLimits, guard: _Guard) -> Iterator[Sheet]:
    from openpyxl import load_workbook

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise _refuse(_("无法读取 XLSX 文件：不是有效的 XLSX（zip）文件"), "bad_file") from None
    with archive:
        zip_check(archive, limits)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Invalid:
        raise
    except Exception as exc:  # openpyxl raises many kinds
        raise _refuse(_("无法读取 XLSX 文件：%(error)s") % {"error": exc}, "bad_file") from None
    guard.check_time()

    def rows_of(ws: Any) -> Iterator[list[Any]]:
        try:
            for r in ws.iter_rows(values_only=True):
                yield guard.row(list(r), ws.title)
        except Invalid:
            raise
        except zipfile.BadZipFile as exc:
            raise _refuse(_("XLSX 文件已损坏：%(error)s") % {"error": exc}, "bad_file") from None
        except Exception as exc:  # a broken sheet XML, an entity defusedxml refused, …
            raise _refuse(_("无法读取 XLSX 文件：%(error)s") % {"error": exc}, "bad_file") from None

    for ws in wb.worksheets:  # the workbook reads from memory: nothing to close
        yield Sheet(title=ws.title, rows=rows_of(ws))


def _csv_sheet(
    data: bytes, guard: _Guard, decode: Callable[[bytes], tuple[str, str]] | None
) -> tuple[Sheet, str]:
    if decode is not None:
        text, encoding = decode(data)
    else:
        encoding = "utf-8-sig"
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            encoding = "gb18030"
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                raise _refuse(_("无法识别文件编码（请使用 UTF-8 或 GB18030）"), "bad_encoding") from None

    def rows() -> Iterator[list[Any]]:
        try:
            for r in csv.reader(io.StringIO(text, newline="")):
                yield guard.row(r, "")
        except csv.Error as exc:
            raise _refuse(_("CSV 格式错误：%(error)s") % {"error": exc}, "bad_file") from None

    return Sheet(title="", rows=rows()), encoding


def upload_sheets(
    data: bytes,
    filename: str,
    *,
    limits: UploadLimits | None = None,
    csv_decode: Callable[[bytes], tuple[str, str]] | None = None,
) -> tuple[list[Sheet], str]:
    """The sheets of an uploaded ``.xlsx`` or ``.csv``/``.txt`` file, and its encoding ("xlsx" or
    the CSV's text encoding). Rows are read lazily; limits are checked as they are read, so iterate
    them before writing anything. ``csv_decode(data) -> (text, encoding)`` overrides CSV decoding."""
    limits = limits or UploadLimits.from_settings()
    upload_check_size(len(data), limits)
    guard = _Guard(limits)
    name = filename.lower()
    if name.endswith(".xlsx"):
        return list(_xlsx_sheets(data, limits, guard)), "xlsx"
    if name.endswith((".csv", ".txt")):
        sheet, encoding = _csv_sheet(data, guard, csv_decode)
        return [sheet], encoding
    raise _refuse(_("只支持 .csv 和 .xlsx 文件"), "bad_extension")


def upload_rows(data: bytes, filename: str, *, limits: UploadLimits | None = None) -> list[list[Any]]:
    """All rows of the first sheet, read and checked (for small imports that want a list)."""
    sheets, _enc = upload_sheets(data, filename, limits=limits)
    return list(sheets[0].rows) if sheets else []
