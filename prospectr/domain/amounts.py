"""Amounts as people type them: ``1500``, ``12,50``, ``1.234,50``, ``$ 1,234.50``, ``1 234 ₽``.

Owners write a decimal comma (Vietnam, Russia, Armenia) as often as a decimal
point, so neither mark is simply thrown away: a comma in ``12,50`` is the
decimal mark and ``12,50`` is 12.50, never 1250. The rules:

- spaces around the amount, and one currency sign (``$ € ₫ ₽ ֏ ₱`` ...) before
  or after it, are ignored; a space inside it groups thousands in threes
  (``1 234 567``, no-break and thin spaces too);
- with both ``.`` and ``,`` the last one is the decimal mark and the other
  groups thousands in threes (``1,234.50``, ``1.234,50``);
- with commas only, groups of three are thousands (``1,234``, ``1,234,567``)
  and one or two digits after a single comma are decimals (``12,5``, ``12,50``);
  anything else (``1,2345``, ``12,345,6``) is ambiguous and refused;
- with dots only, one dot is the decimal point and several group thousands in
  threes (``1.234.567``);
- at most two decimals: a third one is refused even when it is 0 (``150.000``
  may mean a hundred and fifty thousand);
- the amount is more than zero and less than ten billion; exponents
  (``1e9``), infinities and NaN are refused.

Digits of other scripts (fullwidth, Arabic-Indic) read as digits.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from prospectr.errors import InvalidInput

_CENT = Decimal("0.01")
_LIMIT = Decimal("10000000000")
_MINUS = "-\u2212"  # hyphen-minus, minus sign
_EXPONENT = re.compile(r"[\d.,]*\d[eE][-+]?\d+")
_NUMBER = re.compile(r"[\d., ]+")
_SPACES = re.compile(r"[\s_]+")  # an underscore groups digits too (1_000), as in Python


def parse_amount(value: str | Decimal | int | float) -> Decimal:
    """An exact amount with at most two decimals, more than zero. Raises InvalidInput.

    Text follows the rules of this module; a number is taken as it is.
    """
    amount = _number(value) if not isinstance(value, str) else _text_amount(value)
    if amount == 0:
        raise InvalidInput(f"amount must be more than zero: {value!r}")
    if amount < 0:
        raise InvalidInput(
            f"amount cannot be negative: {value!r} (a sale recorded by mistake is deleted instead)"
        )
    if amount != amount.quantize(_CENT):
        raise InvalidInput(f"amount has more than two decimals: {value!r}")
    if amount >= _LIMIT:
        raise InvalidInput(f"amount too large: {value!r}")
    return amount.quantize(_CENT)


def _number(value: Decimal | int | float) -> Decimal:
    try:
        amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise InvalidInput(f"not an amount: {value!r}") from None
    if amount.is_nan():
        raise InvalidInput(f"not a number: {value!r}")
    if not amount.is_finite():
        raise InvalidInput(f"amount must be finite: {value!r}")
    return amount


def _text_amount(raw: str) -> Decimal:
    """The signed amount a text spells, by the rules of this module."""
    text = _ascii_digits(unicodedata.normalize("NFKC", raw))
    negative, body = _sign_and_currency(text)
    word = body.casefold()
    if word in ("nan", "snan"):
        raise InvalidInput(f"not a number: {raw!r}")
    if word in ("inf", "infinity", "\u221e"):
        raise InvalidInput(f"amount must be finite: {raw!r}")
    if _EXPONENT.fullmatch(body):
        raise InvalidInput(f"write the amount in full, without an exponent: {raw!r}")
    body = _SPACES.sub(" ", body)
    if not _NUMBER.fullmatch(body) or not any(c.isdigit() for c in body):
        raise InvalidInput(f"not an amount: {raw!r}")
    whole, cents = _split(body, raw)
    if len(cents) > 2:  # a third decimal, even 0: "150.000" may mean 150 thousand
        raise InvalidInput(f"amount has more than two decimals: {raw!r}")
    amount = Decimal(f"{whole or '0'}.{cents or '0'}")
    return -amount if negative else amount


def _ascii_digits(text: str) -> str:
    """Every decimal digit as its ASCII one (Arabic-Indic and other scripts)."""
    if text.isascii():
        return text
    return "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)


def _sign_and_currency(text: str) -> tuple[bool, str]:
    """Whether the text is negative, and the number once sign and currency sign are off.

    One sign and one currency sign, in either order before the number
    (``-$5``, ``$-5``), or the currency sign after it (``1 234,50 ₽``).
    """
    body = text.strip()
    sign = currency = ""
    while body and (
        (not sign and body[0] in "+" + _MINUS) or (not currency and _is_currency(body[0]))
    ):
        if _is_currency(body[0]):
            currency = body[0]
        else:
            sign = body[0]
        body = body[1:].strip()
    if not currency and body and _is_currency(body[-1]):
        body = body[:-1].strip()
    return bool(sign) and sign in _MINUS, body


def _is_currency(char: str) -> bool:
    return unicodedata.category(char) == "Sc"


def _split(body: str, raw: str) -> tuple[str, str]:
    """The digits of the whole part and of the decimals, marks and groups checked.

    ``body`` holds only digits, ``.``, ``,`` and single spaces.
    """
    dots, commas = body.count("."), body.count(",")
    if dots and commas:
        mark = "." if body.rfind(".") > body.rfind(",") else ","
        group, problem = ("," if mark == "." else "."), _MIXED
        whole, _, cents = body.partition(mark)
        if mark in cents:
            raise InvalidInput(_MIXED.format(raw=raw))
    elif commas:
        if _grouped(body, ","):
            return _digits(body), ""
        whole, _, cents = body.rpartition(",")
        if commas > 1 or not 1 <= len(cents) <= 2:
            raise InvalidInput(_COMMA.format(raw=raw))
        group, problem = "", _SPACE
    elif dots > 1:
        whole, cents, group, problem = body, "", ".", _DOTS
    else:
        whole, _, cents = body.partition(".")
        group, problem = "", _SPACE
    if " " in cents:
        raise InvalidInput(_SPACE.format(raw=raw))
    if not _grouped(whole, group):
        raise InvalidInput(problem.format(raw=raw))
    return _digits(whole), cents


_MIXED = (
    "ambiguous amount {raw!r}: with both . and , the last one marks the decimals"
    " and the other groups thousands in threes (1,234.50 or 1.234,50)"
)
_COMMA = (
    "ambiguous amount {raw!r}: write up to two decimals after the comma (12,50)"
    " or thousands in groups of three (12,345)"
)
_DOTS = "ambiguous amount {raw!r}: dots between thousands group digits in threes (1.234.567)"
_SPACE = "ambiguous amount {raw!r}: a space groups thousands in threes (1 234 567,50)"


def _grouped(whole: str, mark: str) -> bool:
    """True when ``whole`` is plain digits, or digits grouped in threes by ``mark`` or spaces.

    Grouped digits start with a group of one to three digits that is not a
    leading zero (``0,500`` is no thousand).
    """
    groups = re.split(f"[{re.escape(mark)} ]" if mark else " ", whole)
    if len(groups) == 1:
        return whole.isdigit() or whole == ""
    first, rest = groups[0], groups[1:]
    return (
        first.isdigit()
        and len(first) <= 3
        and not first.startswith("0")
        and all(len(g) == 3 and g.isdigit() for g in rest)
    )


def _digits(whole: str) -> str:
    return whole.replace(",", "").replace(".", "").replace(" ", "")
