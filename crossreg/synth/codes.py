"""Fast construction of identifiers for the synthetic city: USCCs, organisation codes, registration
numbers, enforcement certificate numbers.

The rules are those of :mod:`crossreg.entities.uscc` (GB 32100-2015, GB 11714, ISO 7064 MOD 11,10);
these versions skip argument validation and use lookup tables because the generator calls them a
million times. The tests check every generated code against ``stdnum`` and against
``crossreg.entities.uscc.uscc_make``.

Uniqueness is by construction: the organisation-code body of the ``i``-th entity is an affine
permutation ``(a·i + b) mod M`` of its sequence number, so distinct entities can never collide.
"""

from __future__ import annotations

import random
from typing import NamedTuple

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_VALUE = {c: (int(c) if c.isdigit() else ord(c) - 55) for c in ALPHABET}

_M31_6 = 31**6  # bodies "MA" + 6 characters
_M10_8 = 10**8  # old numeric organisation codes
_M10_7 = 10**7  # registration-number sequences (after the type digit)


def orgcode_check(body8: str) -> str:
    total = sum(_ORG_VALUE[c] * w for c, w in zip(body8, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def uscc_check(first17: str) -> str:
    total = sum(_VALUE[c] * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def uscc_from_parts(authority_type: str, division6: str, body8: str) -> str:
    first17 = authority_type + division6 + body8 + orgcode_check(body8)
    return first17 + uscc_check(first17)


def mod_11_10_check(digits: str) -> str:
    """ISO 7064 MOD 11,10 check digit (the 15th digit of a registration number)."""
    check = 5
    for d in digits:
        check = (((check or 10) * 2) % 11 + int(d)) % 10
    return str((1 - ((check or 10) * 2) % 11) % 10)


def _base31(value: int, width: int) -> str:
    out = []
    for _ in range(width):
        value, r = divmod(value, 31)
        out.append(ALPHABET[r])
    return "".join(reversed(out))


class Permutations(NamedTuple):
    """Affine permutations of the entity sequence number, drawn from the seed."""

    a31: int
    b31: int
    a10: int
    b10: int
    a7: int
    b7: int

    @classmethod
    def from_seed(cls, seed: int) -> Permutations:
        rng = random.Random(f"crossreg-synth:{seed}:permutations")

        def coprime(modulus_primes: tuple[int, ...], modulus: int) -> int:
            while True:
                a = rng.randrange(modulus // 7, modulus)
                if all(a % p for p in modulus_primes):
                    return a

        return cls(
            coprime((31,), _M31_6),
            rng.randrange(_M31_6),
            coprime((2, 5), _M10_8),
            rng.randrange(_M10_8),
            coprime((2, 5), _M10_7),
            rng.randrange(_M10_7),
        )

    def body_ma(self, i: int, prefix: str = "MA") -> str:
        """An 8-character body ``MA…``/``MJ…`` (codes issued since the 2015 reform), unique per ``i``."""
        return prefix + _base31((self.a31 * i + self.b31) % _M31_6, 6)

    def body_numeric(self, i: int) -> str:
        """An old all-digit organisation code body, unique per ``i``."""
        return f"{(self.a10 * i + self.b10) % _M10_8:08d}"

    def registration_no(self, i: int, division6: str, type_digit: str) -> str:
        body = f"{division6}{type_digit}{(self.a7 * i + self.b7) % _M10_7:07d}"
        return body + mod_11_10_check(body)
