"""The unified social credit code (统一社会信用代码, GB 32100-2015) and its check character.

Eighteen characters from a 31-character alphabet (the digits and the capital letters
without I, O, S, V and Z); the last one is the check character of the first seventeen:
``31 - (Σ value(cᵢ)·wᵢ mod 31)`` with the weights ``3ⁱ mod 31``, 31 written as ``0``.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {c: i for i, c in enumerate(ALPHABET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


def check_character(first17: str) -> str:
    """The check character of the first seventeen characters (all from ``ALPHABET``)."""
    total = sum(VALUES[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise(value: str) -> str:
    return value.strip().upper()


def problem(value: str) -> str | None:
    """Why ``value`` (normalised) is not a credit code, in Chinese; None when it is one."""
    if len(value) != LENGTH:
        return f"统一社会信用代码应为 {LENGTH} 位"
    bad = sorted({c for c in value if c not in VALUES})
    if bad:
        return "统一社会信用代码含有不允许的字符：" + "".join(bad)
    if check_character(value[:17]) != value[17]:
        return "统一社会信用代码校验位错误"
    return None


def is_valid(value: str) -> bool:
    return problem(normalise(value)) is None
