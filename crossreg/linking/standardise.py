"""Standardisation of department lists: pure, vectorised functions over polars columns.

Each department names its columns its own way; :func:`detect_mapping` finds the usual Chinese
headers, and a department can override the mapping. :func:`standardise` turns the mapped raw
columns into the columns linking compares:

- ``uscc`` / ``uscc_valid`` / ``registration_no`` / ``orgcode``: GB 32100 codes validated and
  normalised (full-width folded, separators removed), old 15-digit registration numbers (注册号) and
  9-character organisation codes (组织机构代码) recognised. The checks are those of
  :mod:`crossreg.entities.uscc`, vectorised (a test holds the two to the same verdicts).
- ``name_norm`` and its parts ``name_region`` / ``trade_name`` / ``industry_words`` / ``org_form`` /
  ``branch``: the folding of :func:`crossreg.entities.names.normalize_name` (full/half width,
  traditional/simplified, brackets, 有限责任公司→有限公司) and the parse of
  :func:`crossreg.entities.names.parse_name`, vectorised over the same vocabularies.
- ``division_code`` / ``county``: from the address (longest known division name in it), falling back
  to USCC positions 3–8 or the registration number's first six digits.
- ``legal_rep`` folded; ``phone`` reduced to its digits without the country code.

:func:`parse_name` costs about a millisecond a name, too slow for three million rows; the vectorised
version runs the same rules as regular expressions in polars' Rust engine.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from functools import cache, lru_cache

import polars as pl

from crossreg.entities import names as en_names
from crossreg.entities import uscc as en_uscc

# ---------------------------------------------------------------------------------------------
# Columns and header detection
# ---------------------------------------------------------------------------------------------

FIELDS = ("local_id", "uscc_raw", "name", "address", "legal_rep", "phone")
REQUIRED_FIELDS = ("name",)

HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    # The column names of published Chinese government lists (双随机 检查对象名录库, 排污许可名录,
    # 安全生产/危化品企业名录, 定点医药机构名单, 纳税人名单, 参保单位名单 …). Exact matches are tried
    # first in this order, then headers that contain one of these.
    "uscc_raw": (
        "统一社会信用代码",
        "社会信用代码",
        "社会统一信用代码",
        "统一信用代码",
        "信用代码",
        "统一代码",
        "统一社会信用代码/注册号",
        "统一社会信用代码(注册号)",
        "注册号/统一社会信用代码",
        "统一社会信用代码或注册号",
        "统一社会信用代码(身份证号)",
        "纳税人识别号",
        "税号",
        "注册号",
        "工商注册号",
        "营业执照号",
        "营业执照号码",
        "营业执照编号",
        "营业执照注册号",
        "组织机构代码",
        "组织机构代码证号",
        "机构代码",
        "uscc",
        "credit_code",
    ),
    "name": (
        "单位名称",
        "企业名称",
        "名称",
        "主体名称",
        "市场主体名称",
        "企业(单位)名称",
        "单位(企业)名称",
        "企业(单位)全称",
        "单位名称(全称)",
        "企业名称(全称)",
        "单位全称",
        "企业全称",
        "机构全称",
        "机构名称",
        "经营单位",
        "经营单位名称",
        "经营者名称",
        "经营主体名称",
        "生产经营单位名称",
        "生产经营单位",
        "监管对象名称",
        "检查对象名称",
        "被检查单位",
        "被检查单位名称",
        "纳税人名称",
        "排污单位名称",
        "参保单位名称",
        "用人单位名称",
        "使用单位名称",
        "业户名称",
        "医疗机构名称",
        "定点医药机构名称",
        "学校名称",
        "学校(机构)名称",
        "商户名称",
        "门店名称",
        "店铺名称",
        "个体工商户名称",
        "合作社名称",
        "公司名称",
        "店名",
        "name",
    ),
    "address": (
        "地址",
        "经营地址",
        "住所",
        "经营场所",
        "住所(经营场所)",
        "住所/经营场所",
        "经营场所地址",
        "实际经营地址",
        "生产经营地址",
        "生产经营场所",
        "注册地址",
        "单位地址",
        "企业地址",
        "机构地址",
        "办公地址",
        "通讯地址",
        "详细地址",
        "所在地址",
        "场所地址",
        "门店地址",
        "办学地址",
        "生产地址",
        "住址",
        "address",
    ),
    "legal_rep": (
        "法定代表人",
        "负责人",
        "经营者",
        "法人",
        "法人代表",
        "法定代表人/负责人",
        "法定代表人(负责人)",
        "法人/负责人",
        "法定代表人(主要负责人)",
        "法定代表人或负责人",
        "法定代表人姓名",
        "法人姓名",
        "负责人姓名",
        "经营者姓名",
        "主要负责人",
        "单位负责人",
        "企业负责人",
        "安全负责人",
        "消防安全责任人",
        "责任人",
        "投资人",
        "业主",
        "举办者",
        "联系人",
        "legal_rep",
    ),
    "phone": (
        "联系电话",
        "电话",
        "手机",
        "手机号",
        "手机号码",
        "电话号码",
        "联系方式",
        "联系人电话",
        "负责人电话",
        "法人电话",
        "固定电话",
        "办公电话",
        "联系号码",
        "phone",
        "tel",
    ),
    "local_id": (
        "编号",
        "编码",
        "档案号",
        "监管对象编号",
        "单位编号",
        "单位编码",
        "企业编号",
        "主体编号",
        "机构编号",
        "记录编号",
        "系统编号",
        "备案编号",
        "record_id",
        "local_id",
    ),
    "region": (
        "所属区县",
        "所在区县",
        "所在地区",
        "所属区域",
        "所属地区",
        "所属辖区",
        "辖区",
        "行政区划",
        "所在乡镇",
        "所属乡镇",
        "所属乡镇(街道)",
        "乡镇(街道)",
        "区县",
        "乡镇",
    ),
}

_LICENCE_RE = re.compile(r"许可|证")
_ID_RE = re.compile(r"(编号|编码|代码|ID|id)$")


def _fold_header(h: str) -> str:
    return (
        en_names.fold_width(h)
        .strip()
        .strip("*")
        .replace(" ", "")
        .lower()
        .replace("（", "(")
        .replace("）", ")")
    )


def detect_mapping(headers: Iterable[str], override: Mapping[str, str] | None = None) -> dict[str, str]:
    """Field → header, from the department's override first, else the usual Chinese headers.

    Exact synonym matches win; then a header that contains a synonym (``企业名称(全称)``).
    """
    hs = [h for h in headers if h]
    folded = {_fold_header(h): h for h in hs}
    mapping: dict[str, str] = {}
    used: set[str] = set()
    # A field the override maps to "" is not read at all (the user chose "not used").
    skipped = {f for f, h in (override or {}).items() if not h}
    for field, header in (override or {}).items():
        if header and header in hs:
            mapping[field] = header
            used.add(header)
    for field, synonyms in HEADER_SYNONYMS.items():
        if field in mapping or field in skipped:
            continue
        for syn in synonyms:
            h = folded.get(_fold_header(syn))
            if h is not None and h not in used:
                mapping[field] = h
                used.add(h)
                break
    if "local_id" not in mapping and "local_id" not in skipped:
        # The department's own record number: a header ending in 编号/编码 that is not a licence
        # or credit code; a licence number only when there is nothing else.
        ids = [
            h
            for h in hs
            if _ID_RE.search(_fold_header(h)) and h not in used and "信用" not in h and "机构代码" not in h
        ]
        own = [h for h in ids if not _LICENCE_RE.search(h)]
        candidates = own or ids
        pick = candidates[0] if candidates else None
        if pick is not None:
            mapping["local_id"] = pick
            used.add(pick)
    for field, synonyms in HEADER_SYNONYMS.items():
        if field in mapping or field == "local_id" or field in skipped:
            continue
        for syn in synonyms:
            if len(syn) < 2:
                continue
            hit = next((h for f, h in folded.items() if _fold_header(syn) in f and h not in used), None)
            if hit is not None:
                mapping[field] = hit
                used.add(hit)
                break
    return mapping


# ---------------------------------------------------------------------------------------------
# Reading files
# ---------------------------------------------------------------------------------------------


class ReadError(ValueError):
    """The file cannot be read as a table; the message says why."""

    def __init__(self, message: str, code: str = "malformed") -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]
    encoding: str
    row_numbers: list[int] = dc_field(default_factory=list)
    """The file's row number of each row (1-based, as a spreadsheet shows it)."""
    header_row: int = 1
    """The file's row number of the header."""
    title_rows: list[str] = dc_field(default_factory=list)
    """The text of the rows above the header (a title such as “2026年度监管对象名录”, a date line)."""
    footer_rows: list[tuple[int, str]] = dc_field(default_factory=list)
    """Rows after the data that hold a note, not an entity (“合计”, “制表人:…”), with their numbers."""

    def __post_init__(self) -> None:
        if not self.row_numbers:
            self.row_numbers = list(range(self.header_row + 1, self.header_row + 1 + len(self.rows)))


HEADER_SEARCH_ROWS = 10
"""The header is looked for among the first rows of a file (title rows may stand above it)."""


def find_header_row(rows: list[list[str]], override: Mapping[str, str] | None = None) -> int:
    """The index (in ``rows``) of the header among the first :data:`HEADER_SEARCH_ROWS` rows.

    A row that holds every header of the department's own mapping wins; else the row where the
    most fields are recognised, the name among them (the earliest on a tie); else the first row
    with two or more filled cells (a title row has one), else the first row."""
    first = rows[:HEADER_SEARCH_ROWS]
    wanted = {h for h in (override or {}).values() if h}
    best, best_score = None, 0
    for i, row in enumerate(first):
        cells = [c.strip() for c in row if c and c.strip()]
        if len(cells) < 2:
            continue
        if wanted and wanted <= set(cells):
            return i
        found = detect_mapping(cells)
        if "name" not in found:
            continue
        score = len(found)
        if score > best_score:
            best, best_score = i, score
    if best is not None:
        return best
    for i, row in enumerate(first):
        if sum(1 for c in row if c and c.strip()) >= 2:
            return i
    return 0


def detect_encoding(content: bytes) -> str:
    """UTF-8 (with or without BOM) if it decodes; else GB18030 (a superset of GBK/GB2312) if it does;
    else charset-normalizer's best guess. A file that decodes under none is refused."""
    if content.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        content.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = content.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is not None and _looks_chinese(text):
        return "gb18030"
    from charset_normalizer import from_bytes

    best = from_bytes(content[:200_000]).best()
    if best is None or not _looks_chinese(str(best)):
        raise ReadError(
            "the file's text encoding cannot be recognised: it is neither UTF-8 nor GBK/GB18030 "
            "(save the list as UTF-8 CSV or as XLSX)",
            "encoding",
        )
    return str(best.encoding)


def _looks_chinese(text: str) -> bool:
    sample = text[:20000]
    han = sum(1 for ch in sample if "\u4e00" <= ch <= "\u9fff")
    odd = sum(1 for ch in sample if "\ue000" <= ch <= "\uf8ff" or ch == "\ufffd")
    return odd == 0 and (han > 0 or sample.isascii())


def read_table(content: bytes, file_name: str, mapping: Mapping[str, str] | None = None) -> Table:
    """Read a CSV (any common encoding and delimiter) or XLSX file into headers and string rows.

    The header is found among the first rows (:func:`find_header_row`; ``mapping`` is the
    department's own column mapping, if any); rows above it are kept as the title."""
    lower = file_name.lower()
    if lower.endswith((".xlsx", ".xlsm")) or content[:4] == b"PK\x03\x04":
        return _read_xlsx(content, mapping)
    if lower.endswith(".xls"):
        raise ReadError("old .xls workbooks are not supported; save the list as .xlsx or CSV", "format")
    bom16 = content.startswith((b"\xff\xfe", b"\xfe\xff"))
    if not bom16 and b"\x00" in content[:4096]:
        raise ReadError("the file is binary, not a CSV text file", "malformed")
    encoding = detect_encoding(content)
    try:
        text = content.decode(encoding)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ReadError(f"the file does not decode as {encoding}: {exc}", "encoding") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not _looks_chinese(text):
        raise ReadError(
            f"the file decodes as {encoding} but the text is not Chinese or plain ASCII: wrong encoding?",
            "encoding",
        )
    try:
        # Sniff below any title rows: a title line has no delimiters to learn from.
        lines = text[:40000].splitlines()
        sample = "\n".join(ln for ln in lines if sum(ln.count(d) for d in ",\t;|") >= 1) or text[:20000]
        dialect = csv.Sniffer().sniff(sample[:20000], delimiters=",\t;|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        all_rows: list[list[str]] = []
        numbers: list[int] = []
        for row in reader:
            if any(cell.strip() for cell in row):
                all_rows.append(row)
                numbers.append(reader.line_num)
    except csv.Error as exc:
        raise ReadError(f"malformed CSV: {exc}", "malformed") from None
    return _to_table(all_rows, numbers, encoding, mapping)


def _read_xlsx(content: bytes, mapping: Mapping[str, str] | None = None) -> Table:
    import zipfile

    from openpyxl import load_workbook

    from crossreg.core.errors import Invalid
    from crossreg.core.uploads import UploadLimits, zip_check

    try:  # the zip directory first (crossreg.core.uploads): a zip bomb is refused before expanding
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            zip_check(archive, UploadLimits.from_settings())
    except zipfile.BadZipFile as exc:
        raise ReadError(f"not a readable XLSX workbook: {exc}", "malformed") from None
    except Invalid as exc:
        raise ReadError(str(exc), "too_large") from None
    try:
        wb = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ReadError(f"not a readable XLSX workbook: {exc}", "malformed") from None
    ws = wb.worksheets[0]
    all_rows = []
    numbers = []
    for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
        cells = ["" if v is None else str(v).strip() for v in row]
        if any(cells):
            all_rows.append(cells)
            numbers.append(number)
    wb.close()
    return _to_table(all_rows, numbers, "xlsx", mapping)


_FOOTER_RE = re.compile(
    r"^(?:合计|总计|小计|共计|共\s*\d+|制表|填表|审核|负责人|注[:：]|备注[:：]|说明[:：]|单位负责人)"
)


def _to_table(
    all_rows: list[list[str]], numbers: list[int], encoding: str, mapping: Mapping[str, str] | None = None
) -> Table:
    if not all_rows:
        raise ReadError("the file is empty: no header row", "empty")
    at = find_header_row(all_rows, mapping)
    headers = [h.strip() for h in all_rows[at]]
    if not any(headers):
        raise ReadError("the first row (the header) is empty", "malformed")
    seen: set[str] = set()
    for h in headers:
        if h and h in seen:
            raise ReadError(f"the header {h!r} appears twice", "malformed")
        seen.add(h)
    title = [" ".join(c.strip() for c in row if c.strip()) for row in all_rows[:at]]
    width = len(headers)
    body = list(zip(numbers[at + 1 :], all_rows[at + 1 :], strict=True))
    # A note below the data (合计 …, 制表人 …): one filled cell in a wider table, at the end.
    footer: list[tuple[int, str]] = []
    while body and width > 1:
        number, row = body[-1]
        filled = [c.strip() for c in row if c.strip()]
        if len(filled) == 1 and _FOOTER_RE.match(filled[0]):
            footer.insert(0, (number, filled[0]))
            body.pop()
        else:
            break
    rows = []
    row_numbers = []
    for number, row in body:
        if len(row) > width and any(c.strip() for c in row[width:]):
            raise ReadError(f"row {number} has {len(row)} cells but the header has {width}", "malformed")
        rows.append([c.strip() for c in (row + [""] * (width - len(row)))[:width]])
        row_numbers.append(number)
    return Table(
        headers=headers,
        rows=rows,
        encoding=encoding,
        row_numbers=row_numbers,
        header_row=numbers[at],
        title_rows=title,
        footer_rows=footer,
    )


# ---------------------------------------------------------------------------------------------
# Text folding
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _trad_to_simp() -> tuple[list[str], list[str]]:
    import zhconv

    zhconv.loaddict()
    table = zhconv.zhconv.getdict("zh-cn")
    pairs = sorted((k, v) for k, v in table.items() if len(k) == 1 and len(v) == 1 and k != v)
    return [k for k, _ in pairs], [v for _, v in pairs]


_BRACKET_KEYS = ["【", "】", "[", "]", "〔", "〕", "｛", "｝"]
_BRACKET_VALS = ["(", ")", "(", ")", "(", ")", "(", ")"]


def fold_expr(expr: pl.Expr) -> pl.Expr:
    """NFKC (full→half width), upper-case Latin, traditional→simplified, ``()`` brackets, no whitespace."""
    keys, vals = _trad_to_simp()
    return (
        expr.fill_null("")
        .str.normalize("NFKC")
        .str.to_uppercase()
        .str.replace_many(keys, vals)
        .str.replace_many(_BRACKET_KEYS, _BRACKET_VALS)
        .str.replace_all(r"\s+", "")
    )


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))


@lru_cache(maxsize=1)
def _name_patterns() -> dict[str, str]:
    full, bracket = en_names._gazetteer()
    local = set(en_names._LOCAL_REGIONS) | set(en_names._PROVINCES_SHORT)
    return {
        "form": rf"^(.+?)({_alternation(en_names.ORG_FORMS)})$",
        "branch_after_form": rf"^(.*?(?:{_alternation(en_names.ORG_FORMS)}))(\(?[^()]*?(?:{_alternation(en_names.BRANCH_WORDS)})\)?)$",
        "bracket_region": rf"\(({_alternation(bracket)})\)",
        "region_first": rf"^({_alternation(full)})(.{{2,}})$",
        "region_next": rf"^((?:{_alternation(local)})|[\p{{Han}}]{{2,3}}(?:镇|乡|街道))(.{{2,}})$",
        "industry": rf"^(.{{2,}}?)((?:{_alternation(en_names.INDUSTRY_WORDS)}).*)$",
    }


FORMER_NOTE_RE = (
    r"\((?:曾用名称|曾用名|原企业名称|原单位名称|原名称|原名|原)\s*[:：为是]?\s*(?P<name>[^()]{4,}?)\s*\)"
)
"""A note of a former name in brackets (full- and half-width brackets are folded to ``()`` first):
``(原名江苏琰澜餐饮有限公司潘黄分公司)``, ``(曾用名:…)``, ``(原:…)``. A bare 原 needs four characters
or more after it, so that a trade name in brackets is not taken for one."""


def former_names_frame(df: pl.DataFrame, *, rid: str = "rid", col: str = "former_names") -> pl.DataFrame:
    """One row per former name of each row of ``df`` (``rid`` and the ``|``-joined ``former_names``),
    standardised like a name: ``rid``, ``name_norm``, ``trade_name``, ``industry_words``, ``branch``."""
    exploded = (
        df.select(rid, pl.col(col).fill_null("").str.split("|").alias("former"))
        .explode("former")
        .filter(pl.col("former").str.len_chars() > 0)
    )
    if exploded.height == 0:
        return pl.DataFrame(
            schema={rid: pl.Int64, "name_norm": pl.Utf8, "trade_name": pl.Utf8, "industry_words": pl.Utf8}
        )
    parsed = standardise_names(exploded, "former")
    return parsed.select(
        pl.col(rid).cast(pl.Int64),
        "name_norm",
        pl.when(pl.col("trade_name") != "").then(pl.col("trade_name")).otherwise(None).alias("trade_name"),
        pl.when(pl.col("industry_words") != "")
        .then(pl.col("industry_words"))
        .otherwise(None)
        .alias("industry_words"),
    )


def name_columns(raw: pl.Expr) -> list[pl.Expr]:
    """Expressions for name, name_norm and the parts of the name (see module docstring)."""
    return [raw.alias("__name_raw")]


def standardise_names(df: pl.DataFrame, col: str = "name") -> pl.DataFrame:
    """Add ``name_clean``, ``name_norm``, ``name_region``, ``trade_name``, ``industry_words``,
    ``org_form`` and ``branch`` for the names in ``col``, and ``former_names`` (``|``-joined, folded)
    from the bracketed notes of former names, which are taken out of the name."""
    p = _name_patterns()
    folded = fold_expr(pl.col(col))
    out = df.with_columns(
        # Former names noted in brackets (…(原名…), (曾用名:…)) are kept apart, not parsed as a branch.
        folded.str.extract_all(FORMER_NOTE_RE)
        .list.eval(pl.element().str.replace(FORMER_NOTE_RE, "${name}"))
        .list.join("|")
        .alias("former_names"),
        folded.str.replace_all(FORMER_NOTE_RE, "")
        .str.replace_all(r"\((?:个体工商户|个体户)\)$", "")
        .alias("name_clean"),
    )
    out = out.with_columns(
        pl.col("name_clean")
        .str.replace_all("有限责任公司", "有限公司")
        .str.replace_all("股份有限公司", "股份公司")
        .str.replace_all(r"\((?:个体工商户|个体户)\)$", "")
        .alias("name_norm")
    )
    # 1. Branch after an organisation form (…有限公司盐都分公司); shops' branches (…店二分店) too.
    c = pl.col("name_clean")
    branch_m = c.str.extract_groups(p["branch_after_form"])
    out = out.with_columns(
        branch_m.struct.field("1").alias("__pre"), branch_m.struct.field("2").alias("__br")
    )
    shop_branch = c.str.extract_groups(
        rf"^(.{{3,}}?(?:店|馆|行|部|厂|社|坊|铺|场|所|室|中心|站))(\(?[^()]{{0,8}}?(?:{_alternation(en_names.BRANCH_WORDS)})\)?)$"
    )
    out = out.with_columns(
        pl.when(pl.col("__br").is_not_null())
        .then(pl.col("__br").str.strip_chars("()"))
        .otherwise(shop_branch.struct.field("2").str.strip_chars("()"))
        .fill_null("")
        .alias("branch"),
        pl.when(pl.col("__br").is_not_null())
        .then(pl.col("__pre"))
        .otherwise(pl.coalesce(shop_branch.struct.field("1"), c))
        .alias("__body"),
    )
    # 2. Organisation form.
    form_m = pl.col("__body").str.extract_groups(p["form"])
    out = out.with_columns(
        pl.coalesce(form_m.struct.field("1"), pl.col("__body")).alias("__body"),
        form_m.struct.field("2").fill_null("").alias("org_form"),
    )
    # 3. Region: in brackets anywhere, else leading region names (any, then local ones repeatedly).
    out = out.with_columns(
        pl.col("__body").str.extract(p["bracket_region"], 1).fill_null("").alias("__bregion"),
        pl.col("__body").str.replace(p["bracket_region"], "").alias("__body"),
    )
    first = pl.col("__body").str.extract_groups(p["region_first"])
    out = out.with_columns(
        first.struct.field("1").fill_null("").alias("__lead"),
        pl.coalesce(first.struct.field("2"), pl.col("__body")).alias("__body"),
    )
    for _ in range(3):
        nxt = pl.col("__body").str.extract_groups(p["region_next"])
        has = pl.col("__lead").str.len_chars() > 0
        out = out.with_columns(
            pl.when(has & nxt.struct.field("1").is_not_null())
            .then(pl.col("__lead") + nxt.struct.field("1"))
            .otherwise(pl.col("__lead"))
            .alias("__lead"),
            pl.when(has & nxt.struct.field("2").is_not_null())
            .then(nxt.struct.field("2"))
            .otherwise(pl.col("__body"))
            .alias("__body"),
        )
    out = out.with_columns((pl.col("__lead") + pl.col("__bregion")).alias("name_region"))
    # 4. Trade name and industry words.
    ind = pl.col("__body").str.extract_groups(p["industry"])
    out = out.with_columns(
        pl.coalesce(ind.struct.field("1"), pl.col("__body")).alias("trade_name"),
        ind.struct.field("2").fill_null("").alias("industry_words"),
    )
    return out.drop(["__pre", "__br", "__body", "__bregion", "__lead"])


# ---------------------------------------------------------------------------------------------
# Codes
# ---------------------------------------------------------------------------------------------

_USCC_RE = r"^[0-9A-HJ-NP-RTUWXY]{2}[0-9]{6}[0-9A-HJ-NP-RTUWXY]{10}$"


def _uscc_valid_frame(codes: list[str]) -> set[str]:
    """Vectorised GB 32100 verdict for 18-character codes already matching :data:`_USCC_RE`:
    the check character, a known authority/type pair and a known province."""
    if not codes:
        return set()
    values = {ch: i for i, ch in enumerate(en_uscc.ALPHABET)}
    col = pl.col("c")
    total = pl.sum_horizontal(
        [
            col.str.slice(i, 1).replace_strict(values, return_dtype=pl.Int64) * w
            for i, w in enumerate(en_uscc.USCC_WEIGHTS)
        ]
    )
    check = (31 - total % 31) % 31
    pairs = [a + t for a, (_, types) in en_uscc.AUTHORITIES.items() for t in types]
    provinces = sorted({c[2:4] for c in codes})
    known = [p for p in provinces if p == "10" or en_uscc._province_known(p)]
    frame = pl.DataFrame({"c": codes}).filter(
        (check == col.str.slice(17, 1).replace_strict(values, return_dtype=pl.Int64))
        & col.str.slice(0, 2).is_in(pairs)
        & col.str.slice(2, 2).is_in(known)
    )
    return set(frame.get_column("c").to_list())


_OCR_DIGITS = str.maketrans({"O": "0", "I": "1", "Z": "2", "S": "5"})
_OCR_LETTERS = re.compile(r"[OIZS]")


def _regno_valid(code: str) -> bool:
    from stdnum.iso7064 import mod_11_10

    return mod_11_10.is_valid(code)


def standardise_codes(df: pl.DataFrame, col: str = "uscc_raw") -> pl.DataFrame:
    """Add ``uscc_norm`` (normalised text of any code), ``uscc`` (valid USCC or ''), ``uscc_valid``,
    ``registration_no`` (valid 15-digit number or '') and ``orgcode`` (the 9-character GB 11714 code,
    from a USCC's positions 9–17 or given alone)."""
    norm = (
        pl.col(col)
        .fill_null("")
        .str.normalize("NFKC")
        .str.to_uppercase()
        .str.replace_all(r"[\s\p{P}\p{Z}\p{Cc}\p{Cf}]", "")
    )
    out = df.with_columns(norm.alias("uscc_norm"))
    # Letters a USCC or registration number never holds, misread for digits (OCR, typing from a
    # scan): O→0, I→1, Z→2, S→5 — taken back only where that makes a valid code.
    uniq = out.select(pl.col("uscc_norm").unique()).to_series().to_list()
    ocr = {u: u.translate(_OCR_DIGITS) for u in uniq if len(u) in (15, 18) and _OCR_LETTERS.search(u)}
    valid_ocr = _uscc_valid_frame([v for v in ocr.values() if len(v) == 18 and re.match(_USCC_RE, v)])
    fixed = {
        u: v
        for u, v in ocr.items()
        if v in valid_ocr or (len(v) == 15 and v.isascii() and v.isdigit() and _regno_valid(v))
    }
    if fixed:
        out = out.with_columns(pl.col("uscc_norm").replace(fixed))
        uniq = out.select(pl.col("uscc_norm").unique()).to_series().to_list()
    shaped = [u for u in uniq if len(u) == 18 and re.match(_USCC_RE, u)]
    valid_set = _uscc_valid_frame(shaped)
    reg_set = {u for u in uniq if len(u) == 15 and u.isascii() and u.isdigit() and _regno_valid(u)}
    org_set = {
        u
        for u in uniq
        if len(u) == 9 and re.match(r"^[0-9A-Z]{8}[0-9X]$", u) and en_uscc.orgcode_check_char(u[:8]) == u[8]
    }
    is_valid = pl.col("uscc_norm").is_in(list(valid_set))
    return out.with_columns(
        is_valid.alias("uscc_valid"),
        pl.when(is_valid).then(pl.col("uscc_norm")).otherwise(pl.lit("")).alias("uscc"),
        pl.when(pl.col("uscc_norm").is_in(list(reg_set)))
        .then(pl.col("uscc_norm"))
        .otherwise(pl.lit(""))
        .alias("registration_no"),
        pl.when(is_valid)
        .then(pl.col("uscc_norm").str.slice(8, 9))
        .when(pl.col("uscc_norm").is_in(list(org_set)))
        .then(pl.col("uscc_norm"))
        .otherwise(pl.lit(""))
        .alias("orgcode"),
    )


# ---------------------------------------------------------------------------------------------
# Addresses, people, phones
# ---------------------------------------------------------------------------------------------


def division_gazetteer(divisions: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """(name, code) pairs to look for in addresses: each division's full name, and its short name
    (without 市/区/县/镇/乡/街道) when that is at least two characters. Longest names first."""
    out: dict[str, str] = {}
    for name, code in divisions:
        if not name or (len(code) == 6 and code.endswith("00")):
            continue  # a city or province says nothing about the county
        out.setdefault(name, code)
        short = re.sub(r"(街道|市|区|县|镇|乡)$", "", name)
        if len(short) >= 2 and short != name and short not in ("盐城",):
            out.setdefault(short, code)
    return sorted(out.items(), key=lambda kv: (-len(kv[0]), kv[1]))


def standardise_addresses(
    df: pl.DataFrame, gazetteer: list[tuple[str, str]], col: str = "address"
) -> pl.DataFrame:
    """``address_norm`` folded; ``division_code`` the most specific division named in it, falling back
    to USCC positions 3–8 / registration-number digits 1–6; ``county`` its first six digits."""
    folded = fold_expr(pl.col(col)).str.replace_all(r"(\d+)\s*(?:#|號)", "${1}号")
    out = df.with_columns(folded.alias("address_norm"))
    out = out.with_columns(_chinese_numbers_to_digits(pl.col("address_norm")).alias("address_norm"))
    if gazetteer:
        names_ = [n for n, _ in gazetteer]
        code_of = dict(gazetteer)
        found = pl.col("address_norm").str.extract_many(names_, overlapping=True, leftmost=False)
        out = out.with_columns(found.alias("__hits"))
        # The most specific hit is the longest code (township 9+ digits over county 6).
        out = out.with_columns(
            pl.col("__hits")
            .list.eval(pl.element().replace_strict(code_of, default=""))
            .list.eval(pl.element().sort_by(pl.element().str.len_chars(), descending=True))
            .list.first()
            .fill_null("")
            .alias("__addr_div")
        ).drop("__hits")
    else:
        out = out.with_columns(pl.lit("").alias("__addr_div"))
    code_div = (
        pl.when(pl.col("uscc_valid"))
        .then(pl.col("uscc").str.slice(2, 6))
        .when(pl.col("registration_no") != "")
        .then(pl.col("registration_no").str.slice(0, 6))
        .otherwise(pl.lit(""))
    )
    out = out.with_columns(
        pl.when(pl.col("__addr_div") != "")
        .then(pl.col("__addr_div"))
        .otherwise(code_div)
        .alias("division_code")
    ).drop("__addr_div")
    out = out.with_columns(pl.col("division_code").str.slice(0, 6).alias("county"))
    # The core of the address: without the province, city, county and township names.
    prefixes = ["江苏省", "江苏", "盐城市", "盐城", *(n for n, _ in gazetteer)]
    core = pl.col("address_norm")
    for _ in range(4):
        core = core.str.replace(rf"^(?:{_alternation(prefixes)})", "")
    return out.with_columns(core.alias("address_core"))


_CN_DIGIT = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def chinese_to_int(text: str) -> int | None:
    """八十八 → 88, 一百零五 → 105, 十二 → 12 (house numbers as written in addresses)."""
    total, current = 0, 0
    units = {"十": 10, "百": 100, "千": 1000}
    if not text:
        return None
    for ch in text:
        if ch in _CN_DIGIT:
            current = _CN_DIGIT[ch]
        elif ch in units:
            total += (current or 1) * units[ch]
            current = 0
        else:
            return None
    return total + current


def _chinese_numbers_to_digits(expr: pl.Expr) -> pl.Expr:
    """House numbers in Chinese numerals before 号 become digits (八十八号 → 88号)."""
    keys, values = _number_table()
    return expr.str.replace_many(keys, values, leftmost=True)


@lru_cache(maxsize=1)
def _number_table() -> tuple[list[str], list[str]]:
    table = {_to_chinese(n) + "号": f"{n}号" for n in range(1, 10000)}
    keys = sorted(table, key=len, reverse=True)
    return keys, [table[k] for k in keys]


@cache
def _to_chinese(n: int) -> str:
    digits = "零一二三四五六七八九"
    units = ("", "十", "百", "千")
    ds = [int(d) for d in str(n)]
    out: list[str] = []
    zero = False
    for pos, d in enumerate(ds):
        unit = units[len(ds) - pos - 1]
        if d == 0:
            zero = True
            continue
        if zero and out:
            out.append("零")
        zero = False
        out.append(digits[d] + unit)
    text = "".join(out)
    return text[1:] if text.startswith("一十") else text


LOCAL_AREA_CODE = "0515"
"""Yancheng's telephone area code: 8-digit local numbers are completed with it."""


def standardise_people(df: pl.DataFrame, area_code: str = LOCAL_AREA_CODE) -> pl.DataFrame:
    """``legal_rep_norm`` folded without punctuation; ``phone_norm`` digits only, without the
    country code, a landline with its area code (``051588123456``), a mobile as 11 digits."""
    digits = (
        pl.col("phone")
        .fill_null("")
        .str.normalize("NFKC")
        .str.replace_all(r"[^0-9]", "")
        .str.replace(r"^(?:00)?86(\d{10,})$", "$1")
    )
    area = area_code.lstrip("0")
    return df.with_columns(
        fold_expr(pl.col("legal_rep")).str.replace_all(r"[\p{P}]", "").alias("legal_rep_norm"),
        pl.when(digits.str.len_chars() == 8)
        .then(pl.lit(area_code) + digits)
        .when(digits.str.starts_with(area) & (digits.str.len_chars() == len(area) + 8))
        .then(pl.lit("0") + digits)
        .otherwise(digits)
        .alias("phone_norm"),
    )


def standardise(df: pl.DataFrame, gazetteer: list[tuple[str, str]]) -> pl.DataFrame:
    """All standardised columns for a frame holding the raw :data:`FIELDS` as strings."""
    for f in FIELDS:
        if f not in df.columns:
            df = df.with_columns(pl.lit("").alias(f))
    df = df.with_columns([pl.col(f).cast(pl.Utf8).fill_null("").str.strip_chars() for f in FIELDS])
    df = standardise_codes(df)
    df = standardise_names(df)
    df = standardise_addresses(df, gazetteer)
    return standardise_people(df)


def content_key(uscc_norm: str, name_norm: str, address_norm: str) -> str:
    """Stable key of a row without a department ID: its code, or its name and address."""
    basis = f"u:{uscc_norm}" if uscc_norm else f"n:{name_norm}|{address_norm}"
    return "k:" + hashlib.sha1(basis.encode()).hexdigest()[:32]
