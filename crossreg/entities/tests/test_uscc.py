"""USCC and registration-number checks on real published codes and on every single-character change."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crossreg.entities.tests.real_codes import REAL_USCCS
from crossreg.entities.uscc import (
    ALPHABET,
    orgcode_check_char,
    registration_no_make,
    uscc_check,
    uscc_make,
    uscc_normalize,
)

SUBSTITUTES = string.digits + string.ascii_uppercase


@pytest.mark.parametrize("code", REAL_USCCS)
def test_real_codes_are_valid_without_warning(code: str) -> None:
    verdict = uscc_check(code)
    assert verdict.valid, verdict.message
    assert verdict.kind == "uscc"
    assert verdict.warnings == () or all(w.code == "division_unknown" for w in verdict.warnings)
    assert not verdict.orgcode_warning


@pytest.mark.parametrize("code", REAL_USCCS)
def test_every_single_character_change_of_a_real_code_is_caught(code: str) -> None:
    missed = []
    for pos in range(18):
        for ch in SUBSTITUTES:
            if ch == code[pos]:
                continue
            changed = code[:pos] + ch + code[pos + 1 :]
            if uscc_check(changed).valid:
                missed.append(changed)
    assert missed == []


def test_real_code_parts_are_described() -> None:
    verdict = uscc_check("92340603MA2UK3DT5H")
    assert verdict.parts["authority"] == "9 工商"
    assert verdict.parts["type"] == "2 个体工商户"
    assert verdict.parts["division"].startswith("340603 安徽省")
    assert verdict.parts["orgcode"] == "MA2UK3DT-5"


@pytest.mark.parametrize(
    "raw",
    [
        "９１１１００００６０００３７３４１Ｌ",  # full width
        "91110000600037341l",  # lower case
        " 9111 0000-6000 3734-1L ",  # spaces and hyphens
        "91110000－600037341Ｌ",  # full-width hyphen
        "91.110000/600037341L\t",
    ],
)
def test_normalisation(raw: str) -> None:
    assert uscc_normalize(raw) == "91110000600037341L"
    assert uscc_check(raw).valid


@pytest.mark.parametrize(
    ("raw", "code", "fragment"),
    [
        ("9111000060003734", "length", "wrong length: 16 characters"),
        ("91110000600037341LL", "length", "wrong length: 19 characters"),
        ("91110000600037341N", "check", "wrong check character at position 18: expected 'L', got 'N'"),
        ("9111000060003I341L", "character", "illegal character 'I' at position 14"),
        ("9111000060003734OL", "character", "illegal character 'O' at position 17"),
        ("91110000600037341S", "character", "I, O, S, V, Z are not used"),
        ("9111000060003734甲L", "character", "illegal character '甲' at position 17"),
        ("9111A000600037341L", "character", "position 5: positions 3–8 are the division code"),
        ("B1110000600037341L", "authority", "unknown registration authority code 'B' at position 1"),
        ("94110000600037341L", "type", "organisation type '4' at position 2 is not defined"),
        ("91990000600037341L", "division", "99 is not a GB/T 2260 province code"),
        ("", "empty", "empty code"),
    ],
)
def test_invalid_codes_say_what_is_wrong(raw: str, code: str, fragment: str) -> None:
    verdict = uscc_check(raw)
    assert not verdict.valid
    assert code in {e.code for e in verdict.errors}
    assert fragment in verdict.message


def test_orgcode_failure_alone_is_valid_with_warning() -> None:
    # Body 60003734 has organisation check '1'; put '2' there and recompute the USCC check.
    first17 = "9111000060003734" + "2"
    from crossreg.entities.uscc import uscc_check_char

    code = first17 + uscc_check_char(first17)
    verdict = uscc_check(code)
    assert verdict.valid
    assert verdict.orgcode_warning
    assert "expected '1' at position 17, got '2'" in verdict.message


def test_orgcode_check_character_rules() -> None:
    assert orgcode_check_char("60003734") == "1"
    assert orgcode_check_char("MA2UK3DT") == "5"
    # 10 is written X and 11 is 0.
    assert orgcode_check_char("07837941") == "X"
    assert orgcode_check_char("07837106") == "3"
    assert orgcode_check_char("MA2PBPM6") == "0"  # 91340621MA2PBPM608, a real code
    with pytest.raises(ValueError):
        orgcode_check_char("1234567")


def test_unknown_county_is_only_a_warning() -> None:
    code = uscc_make("9", "1", "320999", "MA000001")
    verdict = uscc_check(code)
    assert verdict.valid
    assert [w.code for w in verdict.warnings] == ["division_unknown"]
    assert not verdict.orgcode_warning


def test_national_division_code_is_known() -> None:
    assert uscc_check(uscc_make("9", "1", "100000", "10000396")).parts["division"] == "100000 全国"


def test_uscc_make_matches_a_real_code() -> None:
    assert uscc_make("9", "1", "110000", "60003734") == "91110000600037341L"
    assert uscc_make("9", "2", "340603", "MA2UK3DT") == "92340603MA2UK3DT5H"


@pytest.mark.parametrize(
    "args",
    [
        ("B", "1", "320902", "MA000001"),
        ("9", "4", "320902", "MA000001"),
        ("9", "1", "32090", "MA000001"),
        ("9", "1", "320902", "MA00000I"),
    ],
)
def test_uscc_make_refuses_bad_parts(args: tuple[str, str, str, str]) -> None:
    with pytest.raises(ValueError):
        uscc_make(*args)


@given(
    type_=st.sampled_from("123"),
    division=st.sampled_from(["320900", "320902", "320903", "320904", "320921", "320981"]),
    body=st.text(alphabet=ALPHABET, min_size=8, max_size=8),
    pos=st.integers(min_value=0, max_value=17),
    sub=st.sampled_from(SUBSTITUTES),
)
def test_made_codes_are_valid_and_any_change_is_caught(
    type_: str, division: str, body: str, pos: int, sub: str
) -> None:
    code = uscc_make("9", type_, division, body)
    verdict = uscc_check(code)
    assert verdict.valid and not verdict.warnings, verdict.message
    if code[pos] != sub:
        assert not uscc_check(code[:pos] + sub + code[pos + 1 :]).valid


@given(st.text(max_size=30))
def test_check_never_crashes_and_normalise_is_idempotent(raw: str) -> None:
    verdict = uscc_check(raw)
    assert isinstance(verdict.message, str) and verdict.message
    assert uscc_normalize(verdict.normalized) == verdict.normalized


def test_registration_number() -> None:
    reg = registration_no_make("320902", "00012345")
    verdict = uscc_check(reg)
    assert verdict.kind == "registration_no" and verdict.valid
    assert verdict.parts["division"] == "320902 江苏省亭湖区"
    for pos in range(15):
        for d in string.digits:
            if d != reg[pos]:
                bad = uscc_check(reg[:pos] + d + reg[pos + 1 :])
                assert not bad.valid, (pos, d)
    bad = uscc_check(reg[:14] + str((int(reg[14]) + 1) % 10))
    assert f"expected {reg[14]!r}" in bad.message
    assert "ISO 7064 MOD 11,10" in bad.message


def test_fifteen_characters_with_letters_is_a_length_error() -> None:
    verdict = uscc_check("32090200001234A")
    assert not verdict.valid
    assert "wrong length: 15 characters" in verdict.message
