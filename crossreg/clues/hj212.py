"""HJ 212-2017 packets (污染物在线监控(监测)系统数据传输标准): pure parsing, no Django.

A packet is ``##`` + a 4-digit decimal length of the data segment + the data segment + a 4-hex-digit
CRC of the data segment + CRLF. The data segment is ``;``-separated ``key=value`` fields (QN, ST,
CN, PW, MN, Flag, PNUM/PNO when split) and ``CP=&&…&&`` holding the readings, e.g.
``DataTime=20260101120000;w01018-Rtd=52.1,w01018-Flag=N;…``.

The CRC is HJ 212's own CRC16 variant (not Modbus CRC-16): each byte is XORed into the register
*after* shifting the register right by 8 bits (``crc = (crc >> 8) ^ byte``), then 8 rounds of the
0xA001 reflected polynomial. The standard's example packet
``QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&``
has CRC ``1C80`` (tested). Every refusal raises :class:`PacketError` with a short machine ``code``
and a human ``reason``; callers store the packet as rejected with both (docs/hj212.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

MAX_DATA_LENGTH = 9999  # four decimal digits (the standard's limit is 1024 per packet; we accept more)

#: Command numbers (CN) this platform reads, with what they carry.
COMMANDS: dict[str, str] = {
    "2011": "realtime",  # 实时数据
    "2051": "minute",  # 分钟数据
    "2061": "hourly",  # 小时数据
    "2031": "daily",  # 日历史数据
    "2072": "alarm",  # 超限报警 (上传污染物报警)
}

#: Data flags (数据标记, HJ 212-2017 §6.6.4 table): only ``N`` readings may trigger rules.
FLAGS: dict[str, str] = {
    "N": "normal",  # 在线监控(监测)仪器仪表工作正常
    "F": "stopped",  # 在线监控(监测)仪器仪表停运 / 排放源停运
    "M": "maintenance",  # 在线监控(监测)仪器仪表处于维护期间产生的数据
    "S": "set_value",  # 手工输入的设定值
    "D": "fault",  # 在线监控(监测)仪器仪表故障
    "C": "calibration",  # 在线监控(监测)仪器仪表处于校准状态
    "T": "over_range",  # 在线监控(监测)仪器仪表采样数值超过测量上限
    "B": "comm_fault",  # 在线监控(监测)仪器仪表与数采仪通讯异常
}
NORMAL_FLAG = "N"

#: Value suffixes of a pollutant code, e.g. ``w01018-Rtd`` (real-time value), ``-Avg`` (average).
VALUE_KINDS = ("Rtd", "Avg", "Min", "Max", "Cou", "Ala", "ZsRtd", "ZsAvg", "ZsMin", "ZsMax")


class PacketError(ValueError):
    def __init__(self, code: str, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason


@dataclass(frozen=True)
class Value:
    pollutant: str  # e.g. "w01018" (COD), "a34004" (PM2.5)
    kind: str  # "Rtd", "Avg", …
    value: float | None
    flag: str  # "N", "F", … ("" when the packet gave none: treated as N by the standard)


@dataclass(frozen=True)
class Packet:
    qn: str  # request number, yyyyMMddHHmmsszzz
    st: str  # system code (21 surface water, 31 air emission, 32 water emission …)
    cn: str  # command number
    pw: str  # password (never stored)
    mn: str  # device identifier (MN)
    flag: str
    data_time: dt.datetime | None  # DataTime of the CP segment (local time of the device)
    values: tuple[Value, ...] = field(default_factory=tuple)
    extra: dict[str, str] = field(default_factory=dict)  # other CP keys (RtdInterval, …)

    @property
    def kind(self) -> str:
        return COMMANDS[self.cn]

    def values_of(self, kind: str | None = None) -> list[Value]:
        return [v for v in self.values if kind is None or v.kind == kind]


def crc16(data: bytes) -> int:
    """HJ 212-2017's CRC16 of ``data`` (see the module docstring)."""
    reg = 0xFFFF
    for byte in data:
        reg = (reg >> 8) ^ byte
        for _ in range(8):
            lsb = reg & 1
            reg >>= 1
            if lsb:
                reg ^= 0xA001
    return reg


def packet_frame(data_segment: str) -> str:
    """Frame ``data_segment`` as a packet: ``##`` + length + segment + CRC + CRLF."""
    raw = data_segment.encode("utf-8")
    if len(raw) > MAX_DATA_LENGTH:
        raise PacketError("too_long", f"data segment of {len(raw)} bytes exceeds {MAX_DATA_LENGTH}")
    return f"##{len(raw):04d}{data_segment}{crc16(raw):04X}\r\n"


def packet_build(
    *,
    mn: str,
    cn: str,
    data_time: dt.datetime,
    values: Sequence[tuple[str, float | None, str]],
    qn: str | None = None,
    st: str = "32",
    pw: str = "123456",
    flag: str = "4",
    kind: str | None = None,
) -> str:
    """A framed packet with ``values`` = [(pollutant, value, flag)] (simulator and tests)."""
    kind = kind or ("Rtd" if cn in {"2011", "2072"} else "Avg")
    qn = qn or data_time.strftime("%Y%m%d%H%M%S") + "000"
    cp = [f"DataTime={data_time.strftime('%Y%m%d%H%M%S')}"]
    for pollutant, value, vflag in values:
        v = "" if value is None else f"{value:g}"
        cp.append(f"{pollutant}-{kind}={v},{pollutant}-Flag={vflag}")
    seg = f"QN={qn};ST={st};CN={cn};PW={pw};MN={mn};Flag={flag};CP=&&{';'.join(cp)}&&"
    return packet_frame(seg)


def _time(value: str, field_name: str) -> dt.datetime:
    try:
        return dt.datetime.strptime(value[:14], "%Y%m%d%H%M%S")
    except ValueError:
        raise PacketError("bad_time", f"{field_name}={value!r} is not yyyyMMddHHmmss") from None


def packet_parse(text: str | bytes) -> Packet:
    """Parse one framed packet; raises :class:`PacketError` naming what is wrong."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise PacketError("encoding", "packet is not UTF-8/ASCII text") from None
    s = text.rstrip("\r\n")
    if not s.startswith("##"):
        raise PacketError("no_header", "packet does not start with ##")
    if len(s) < 6 or not s[2:6].isdigit():
        raise PacketError("bad_length", "no 4-digit data length after ##")
    n = int(s[2:6])
    body = s[6:]
    raw = body.encode("utf-8")
    if len(raw) < n + 4:
        raise PacketError("truncated", f"declared {n} bytes of data + CRC, got {len(raw)}")
    if len(raw) > n + 4:
        raise PacketError("bad_length", f"declared {n} bytes of data + CRC, got {len(raw)}")
    seg, crc_text = raw[:n], raw[n:].decode("ascii", "replace")
    try:
        crc_given = int(crc_text, 16)
    except ValueError:
        raise PacketError("bad_crc", f"CRC {crc_text!r} is not 4 hex digits") from None
    crc_real = crc16(seg)
    if crc_given != crc_real:
        raise PacketError("bad_crc", f"CRC {crc_text} does not match the data ({crc_real:04X})")
    return _segment_parse(seg.decode("utf-8"))


def _segment_parse(seg: str) -> Packet:
    head, sep, rest = seg.partition("CP=&&")
    if not sep:
        raise PacketError("no_cp", "no CP=&&…&& segment")
    if not rest.endswith("&&"):
        raise PacketError("no_cp", "CP segment is not closed with &&")
    cp = rest[:-2]
    fields: dict[str, str] = {}
    for part in head.split(";"):
        if not part:
            continue
        key, eq, value = part.partition("=")
        if not eq:
            raise PacketError("bad_field", f"field {part!r} has no '='")
        fields[key] = value
    for required in ("QN", "ST", "CN", "MN"):
        if not fields.get(required):
            raise PacketError("missing_field", f"field {required} is missing")
    cn = fields["CN"]
    if cn not in COMMANDS:
        raise PacketError("unknown_cn", f"command CN={cn} is not one this platform reads")
    data_time: dt.datetime | None = None
    values: list[Value] = []
    extra: dict[str, str] = {}
    pending: dict[str, dict[str, str]] = {}
    for group in cp.split(";"):
        for item in group.split(","):
            if not item:
                continue
            key, eq, value = item.partition("=")
            if not eq:
                raise PacketError("bad_field", f"CP item {item!r} has no '='")
            if key == "DataTime":
                data_time = _time(value, "DataTime")
                continue
            code, dash, suffix = key.partition("-")
            if not dash:
                extra[key] = value
                continue
            pending.setdefault(code, {})[suffix] = value
    for code, parts in pending.items():
        flag = parts.get("Flag", "")
        if flag and flag not in FLAGS:
            raise PacketError("unknown_flag", f"{code}-Flag={flag} is not a data flag of HJ 212-2017")
        for suffix, raw_value in parts.items():
            if suffix == "Flag" or suffix not in VALUE_KINDS:
                continue
            try:
                number = float(raw_value) if raw_value != "" else None
            except ValueError:
                raise PacketError("bad_value", f"{code}-{suffix}={raw_value!r} is not a number") from None
            values.append(Value(pollutant=code, kind=suffix, value=number, flag=flag or NORMAL_FLAG))
    if cn != "2072" and data_time is None:
        raise PacketError("missing_field", "CP has no DataTime")
    return Packet(
        qn=fields["QN"],
        st=fields["ST"],
        cn=cn,
        pw=fields.get("PW", ""),
        mn=fields["MN"],
        flag=fields.get("Flag", ""),
        data_time=data_time,
        values=tuple(values),
        extra=extra,
    )
