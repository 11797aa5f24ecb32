"""The safe upload reader: zip bombs, lying zip directories, row/column/time limits, CSV."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from crossreg.core.errors import Invalid
from crossreg.core.uploads import UploadLimits, upload_rows, upload_sheets

ROOT = Path(__file__).resolve().parents[3]
SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = b"</sheetData></worksheet>"


def xlsx(rows: list[list[Any]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def with_sheet_xml(base: bytes, write_sheet: Any) -> bytes:
    """``base`` (a real XLSX) with its first sheet's XML replaced by what ``write_sheet(f)`` writes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                member = zipfile.ZipInfo(info.filename)
                member.compress_type = zipfile.ZIP_DEFLATED
                with dst.open(member, "w", force_zip64=True) as f:
                    write_sheet(f)
            else:
                dst.writestr(info, src.read(info.filename))
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: Any) -> Path:
    """A real zip bomb: an XLSX of a few MB whose sheet expands to 1.1 GB."""
    row = b"".join(b'<c t="inlineStr"><is><t>AAAAAAAAAAAAAAAAAAAAAAAAAAAA</t></is></c>' for _ in range(40))
    chunk = b"<row>" + row + b"</row>"
    block = chunk * (4 * 1024 * 1024 // len(chunk))

    def write(f: Any) -> None:
        f.write(SHEET_HEAD)
        for _ in range(1100 // 4):
            f.write(block)
        f.write(SHEET_TAIL)

    path = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    path.write_bytes(with_sheet_xml(xlsx([["a"]]), write))
    return path


REFUSAL_SCRIPT = """
import json, sys, time, tracemalloc, django
django.setup()
from crossreg.core.errors import Invalid
from crossreg.core.uploads import UploadLimits, upload_sheets


def vm(key):  # this process's own memory, from the kernel: kB
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


data = open(sys.argv[1], "rb").read()
limits = UploadLimits.from_settings(**json.loads(sys.argv[2]))
before = vm("VmRSS")
tracemalloc.start()
cpu, wall = time.process_time(), time.monotonic()
try:
    sheets, _ = upload_sheets(data, "bomb.xlsx", limits=limits)
    for s in sheets:
        for _ in s.rows:
            pass
    print("RESULT ACCEPTED")
except Invalid as exc:
    print("RESULT", exc.problems[0].code)
print("CPU_SECONDS", time.process_time() - cpu)
print("WALL_SECONDS", time.monotonic() - wall)
print("TRACED_PEAK_BYTES", tracemalloc.get_traced_memory()[1])
print("RSS_BEFORE_KIB", before)
print("HWM_KIB", vm("VmHWM"))
"""


def refuse_in_fresh_process(path: Path, **limits: Any) -> dict[str, str]:
    """Run the refusal in a new interpreter and return what it measured of itself.

    Not ``resource.getrusage(RUSAGE_SELF).ru_maxrss``: Linux carries the parent's peak RSS across
    fork and exec into that figure, so under pytest-xdist it reported the worker's peak (the CI
    failure at 773,512 KiB), not the refusal's. ``VmHWM`` in /proc/self/status is the peak of this
    process's own address space (new at exec), and tracemalloc's peak is what the refusal itself
    allocated on top of the file it was given."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    out = subprocess.run(
        [sys.executable, "-c", REFUSAL_SCRIPT, str(path), json.dumps(limits)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return dict(line.split(" ", 1) for line in out.stdout.strip().splitlines())


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc (Linux)")
def test_the_zip_bomb_is_refused_from_its_directory_fast_and_small(bomb: Path) -> None:
    """A 4.5 MiB XLSX expanding to 1.07 GiB is refused before it is expanded: the refusal allocates
    a few MiB (tracemalloc), the whole process that made it peaks well under 300 MiB, and it takes
    well under a second of CPU (CPU time, not wall time: the machine's load does not move it)."""
    size = bomb.stat().st_size
    with zipfile.ZipFile(bomb) as z:
        expanded = sum(i.file_size for i in z.infolist())
    assert size < 10 * 1024 * 1024 and expanded > 1_000_000_000
    got = refuse_in_fresh_process(bomb)
    print(f"bomb {size / 2**20:.1f} MiB -> {expanded / 2**30:.2f} GiB: {got}")
    assert got["RESULT"] in {"zip_ratio", "zip_expanded"}
    assert int(got["TRACED_PEAK_BYTES"]) < 64 * 2**20  # the refusal itself
    assert int(got["HWM_KIB"]) < 300 * 1024  # the process: interpreter, Django, the file, the refusal
    assert float(got["CPU_SECONDS"]) < 5.0


def test_a_lying_zip_directory_cannot_smuggle_the_bytes_past_the_check() -> None:
    """A member that declares a small size but holds more: zipfile stops at the declared size and
    its CRC check fails, so the sheet is refused as damaged, never expanded in full."""
    payload = SHEET_HEAD + b"<row><c><v>1</v></c></row>" * 200_000 + SHEET_TAIL
    data = bytearray(with_sheet_xml(xlsx([["a"]]), lambda f: f.write(payload)))
    # Rewrite the declared expanded size (central directory and local header) to 2,000 bytes.
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    lied = bytes(data)
    for width in (8, 4):  # the zip64 local header, then the central directory
        real = info.file_size.to_bytes(width, "little")
        assert real in lied
        lied = lied.replace(real, (2000).to_bytes(width, "little"))
    with zipfile.ZipFile(io.BytesIO(lied)) as z:
        assert z.getinfo("xl/worksheets/sheet1.xml").file_size == 2000
    data = bytearray(lied)
    with pytest.raises(Invalid) as exc:
        sheets, _ = upload_sheets(bytes(data), "x.xlsx")
        for s in sheets:
            list(s.rows)
    assert exc.value.problems[0].code == "bad_file"


def test_a_tiny_sheet_claiming_a_million_rows_stops_at_the_row_limit() -> None:
    def write(f: Any) -> None:
        f.write(SHEET_HEAD + b'<row r="1"><c r="A1"><v>1</v></c></row>')
        f.write(b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>' + SHEET_TAIL)

    data = with_sheet_xml(xlsx([["a"]]), write)
    assert len(data) < 20_000
    with pytest.raises(Invalid) as exc:
        upload_rows(data, "x.xlsx", limits=UploadLimits(max_rows=10_000))
    assert exc.value.problems[0].code == "too_many_rows"


def test_columns_rows_and_time_are_limited_while_reading() -> None:
    wide = xlsx([["h"] * 5, ["x"] * 300])
    with pytest.raises(Invalid) as exc:
        upload_rows(wide, "w.xlsx", limits=UploadLimits(max_columns=200))
    assert exc.value.problems[0].code == "too_many_columns" and "第 2 行" in str(exc.value)
    many = ("a,b\n" * 5000).encode()
    with pytest.raises(Invalid) as exc:
        upload_rows(many, "m.csv", limits=UploadLimits(max_rows=1000))
    assert exc.value.problems[0].code == "too_many_rows"
    with pytest.raises(Invalid) as exc:
        upload_rows(many, "m.csv", limits=UploadLimits(max_seconds=0.0, check_every_rows=10))
    assert exc.value.problems[0].code == "too_slow"


def test_rows_are_read_lazily_so_the_limit_trips_before_the_rest_is_read() -> None:
    sheets, enc = upload_sheets(("a,b\n" * 100).encode(), "m.csv", limits=UploadLimits(max_rows=3))
    it = sheets[0].rows
    assert [next(it) for _ in range(3)] == [["a", "b"]] * 3 and enc == "utf-8-sig"
    with pytest.raises(Invalid):
        next(it)


def test_ordinary_files_read_in_both_formats_and_encodings() -> None:
    assert upload_rows(xlsx([["名称", "代码"], ["盐城", 1]]), "a.xlsx") == [["名称", "代码"], ["盐城", 1]]
    assert upload_rows("名称,代码\n盐城,1\n".encode("gb18030"), "a.csv") == [["名称", "代码"], ["盐城", "1"]]
    with pytest.raises(Invalid) as exc:
        upload_rows(b"x", "a.pdf")
    assert exc.value.problems[0].field == "file"
    with pytest.raises(Invalid) as exc:
        upload_rows(b"x" * 2000, "a.csv", limits=UploadLimits(max_bytes=1000))
    assert exc.value.problems[0].code == "too_large"
    with pytest.raises(Invalid) as exc:
        upload_rows(b"not a zip", "a.xlsx")
    assert exc.value.problems[0].code == "bad_file"


def test_the_list_and_exchange_readers_refuse_the_bomb_from_its_directory(bomb: Path) -> None:
    """The linking list reader and the exchange's inbound reader open XLSX files themselves; both
    check the zip directory first (the same ``zip_check``), so the bomb is refused unexpanded.
    Without the check either would expand all 1.07 GiB (the list reader keeps every row)."""
    from crossreg.exchange.services import inbound_rows
    from crossreg.linking.standardise import ReadError, read_table

    data = bomb.read_bytes()
    with pytest.raises(ReadError) as linking:
        read_table(data, "list.xlsx")
    assert linking.value.code == "too_large" and "压缩" in str(linking.value)
    with pytest.raises(Invalid) as exchange:
        inbound_rows(data, "inbound.xlsx")
    assert exchange.value.problems[0].code == "zip_ratio"
