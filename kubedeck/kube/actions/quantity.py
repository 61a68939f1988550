"""Kubernetes resource quantities summed and printed as apimachinery's Quantity.String()
does (`1420Mi`, `250m`, `1`, `2k`), for describe's node and quota tables."""

from __future__ import annotations

import re
from fractions import Fraction

_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15,
            "E": 18}
_SUFFIX = {exp: suffix for suffix, exp in _DECIMAL.items()}
_BINARY_SUFFIX = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
_PATTERN = re.compile(r"^([+-]?[0-9.]+)([eE][+-]?[0-9]+|[KMGTPE]i|[numkMGTPE]?)$")


class Quantity:
    """An exact amount and the format (BinarySI or DecimalSI) it prints in."""

    def __init__(self, value: Fraction = Fraction(0), fmt: str = "DecimalSI") -> None:
        self.value = value
        self.fmt = fmt

    @classmethod
    def parse(cls, text: object) -> Quantity:
        m = _PATTERN.match(str(text).strip())
        if not m:
            return cls()
        number, suffix = Fraction(m.group(1)), m.group(2)
        if suffix in _BINARY:
            return cls(number * 1024 ** _BINARY[suffix], "BinarySI")
        if suffix[:1] in ("e", "E") and len(suffix) > 1:
            return cls(number * Fraction(10) ** int(suffix[1:]), "DecimalSI")
        return cls(number * Fraction(10) ** _DECIMAL[suffix], "DecimalSI")

    def __add__(self, other: Quantity) -> Quantity:
        fmt = other.fmt if self.value == 0 else self.fmt
        return Quantity(self.value + other.value, fmt)

    def __str__(self) -> str:
        v = self.value
        if v == 0:
            return "0"
        sign, v = ("-", -v) if v < 0 else ("", v)
        if self.fmt == "BinarySI" and v >= 1024 and v.denominator == 1:
            n, k = int(v), 0
            while n % 1024 == 0 and k < 6:
                n, k = n // 1024, k + 1
            return f"{sign}{n}{_BINARY_SUFFIX[k]}"
        exp = 0
        while (v / Fraction(10) ** exp).denominator != 1 and exp > -9:
            exp -= 3
        mantissa = v / Fraction(10) ** exp
        n = -(-mantissa.numerator // mantissa.denominator)  # round up, as Quantity does
        while n % 1000 == 0 and exp < 18:
            n, exp = n // 1000, exp + 3
        return f"{sign}{n}{_SUFFIX[exp]}"


def total(values: list[object]) -> Quantity:
    out = Quantity()
    for v in values:
        out = out + Quantity.parse(v)
    return out
