from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossreg.clues import hj212
from crossreg.clues.hj212 import PacketError, crc16, packet_build, packet_frame, packet_parse

# The standard's own example (HJ 212-2017, appendix): CRC 1C80.
STANDARD = (
    "##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;"
    "Flag=5;CP=&&RtdInterval=30&&1C80\r\n"
)


def test_crc_of_the_standards_example() -> None:
    seg = STANDARD[6:-6].encode()
    assert len(seg) == 101
    assert crc16(seg) == 0x1C80


def test_crc_is_not_modbus() -> None:
    # Modbus CRC-16 of "123456789" is 0x4B37; HJ 212's variant differs.
    assert crc16(b"123456789") != 0x4B37


def test_standard_example_is_framed_right_but_cn_1062_is_not_read() -> None:
    with pytest.raises(PacketError) as exc:
        packet_parse(STANDARD)
    assert exc.value.code == "unknown_cn"  # framing and CRC passed, the command is outside our subset


def test_valid_minute_packet() -> None:
    t = dt.datetime(2026, 3, 10, 9, 1)
    raw = packet_build(mn="MN1", cn="2051", data_time=t, values=[("w01018", 61.5, "N"), ("w21003", 2.1, "M")])
    assert raw.startswith("##") and raw.endswith("\r\n")
    p = packet_parse(raw)
    assert (p.mn, p.cn, p.kind, p.data_time) == ("MN1", "2051", "minute", t)
    assert [(v.pollutant, v.kind, v.value, v.flag) for v in p.values] == [
        ("w01018", "Avg", 61.5, "N"),
        ("w21003", "Avg", 2.1, "M"),
    ]


def test_realtime_hourly_daily_alarm() -> None:
    t = dt.datetime(2026, 3, 10, 9)
    for cn, kind in (("2011", "realtime"), ("2061", "hourly"), ("2031", "daily"), ("2072", "alarm")):
        p = packet_parse(packet_build(mn="M", cn=cn, data_time=t, values=[("a34004", 10, "N")]))
        assert p.kind == kind


def test_bad_crc() -> None:
    raw = packet_build(mn="MN1", cn="2011", data_time=dt.datetime(2026, 1, 1), values=[("w01018", 1, "N")])
    tampered = raw.replace("w01018-Rtd=1", "w01018-Rtd=9")
    with pytest.raises(PacketError) as exc:
        packet_parse(tampered)
    assert exc.value.code == "bad_crc"


def test_truncated() -> None:
    raw = packet_build(mn="MN1", cn="2011", data_time=dt.datetime(2026, 1, 1), values=[("w01018", 1, "N")])
    with pytest.raises(PacketError) as exc:
        packet_parse(raw[:40])
    assert exc.value.code == "truncated"
    with pytest.raises(PacketError) as exc:
        packet_parse("##00")
    assert exc.value.code == "bad_length"
    with pytest.raises(PacketError) as exc:
        packet_parse("hello")
    assert exc.value.code == "no_header"


@pytest.mark.parametrize(
    ("segment", "code"),
    [
        ("QN=1;ST=32;CN=9999;PW=1;MN=M;Flag=4;CP=&&DataTime=20260101000000&&", "unknown_cn"),
        (
            "QN=1;ST=32;CN=2011;PW=1;MN=M;Flag=4;CP=&&DataTime=20260101000000;w01018-Rtd=1,w01018-Flag=Z&&",
            "unknown_flag",
        ),
        ("QN=1;ST=32;CN=2011;PW=1;MN=M;Flag=4;CP=&&DataTime=2026AB01000000&&", "bad_time"),
        ("QN=1;ST=32;CN=2011;PW=1;Flag=4;CP=&&DataTime=20260101000000&&", "missing_field"),
        ("QN=1;ST=32;CN=2011;PW=1;MN=M;Flag=4;CP=&&w01018-Rtd=1&&", "missing_field"),
        ("QN=1;ST=32;CN=2011;PW=1;MN=M;Flag=4", "no_cp"),
        ("QN=1;ST=32;CN=2011;PW=1;MN=M;Flag=4;CP=&&DataTime=20260101000000;w01018-Rtd=abc&&", "bad_value"),
    ],
)
def test_unknown_codes_and_bad_fields(segment: str, code: str) -> None:
    with pytest.raises(PacketError) as exc:
        packet_parse(packet_frame(segment))
    assert exc.value.code == code
    assert exc.value.reason


def test_flags_are_the_standards() -> None:
    assert set(hj212.FLAGS) == {"N", "F", "M", "S", "D", "C", "T", "B"}


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["w01018", "w21003", "a34004", "a21026"]),
            st.floats(min_value=0, max_value=1e5, allow_nan=False).map(lambda x: round(x, 3)),
            st.sampled_from(sorted(hj212.FLAGS)),
        ),
        min_size=1,
        max_size=4,
        unique_by=lambda t: t[0],
    ),
    st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2099, 1, 1)).map(
        lambda d: d.replace(microsecond=0)
    ),
)
def test_round_trip(values: list[tuple[str, float, str]], when: dt.datetime) -> None:
    p = packet_parse(packet_build(mn="M1", cn="2011", data_time=when, values=values))
    assert p.data_time == when
    assert [(v.pollutant, v.flag) for v in p.values] == [(a, c) for a, _b, c in values]
    for v, (_a, b, _c) in zip(p.values, values, strict=True):
        assert v.value == pytest.approx(b, rel=1e-5)
