"""Check and normalise the external identifiers people are matched by."""

from __future__ import annotations

import operator
import re

_NHS_NUMBER = re.compile(r"^\d{10}$")
_UPN = re.compile(r"^[A-Z]\d{12}$")
_SYSTEM_OF_RECORD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
# The DfE UPN check letter alphabet: A-Z without I, O and S.
_UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


_NHS_WEIGHTS = tuple(range(10, 1, -1))
_UPN_WEIGHTS = tuple(range(2, 14))


def nhs_check_digit(first_nine: str) -> int | None:
    """The NHS number modulus-11 check digit for nine digits; None when no digit is valid."""
    if len(first_nine) != len(_NHS_WEIGHTS):
        raise ValueError("nine digits are needed")
    # map() over the digits: a generator here was most of a bulk import's validation time.
    total: int = sum(map(operator.mul, map(int, first_nine), _NHS_WEIGHTS))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def nhs_number_valid(value: str) -> bool:
    """Tell whether ten digits form a valid NHS number."""
    if not _NHS_NUMBER.match(value):
        return False
    return nhs_check_digit(value[:9]) == int(value[9])


def upn_check_letter(twelve_digits: str) -> str:
    """The check letter a Unique Pupil Number starts with, for its twelve digits."""
    if len(twelve_digits) != len(_UPN_WEIGHTS):
        raise ValueError("twelve digits are needed")
    total: int = sum(map(operator.mul, map(int, twelve_digits), _UPN_WEIGHTS))
    return _UPN_CHECK_LETTERS[total % 23]


def upn_valid(value: str) -> bool:
    """Tell whether a value is a permanent UPN: check letter then twelve digits."""
    if not _UPN.match(value):
        return False
    return upn_check_letter(value[1:]) == value[0]


def normalise_identifier(system: str, value: str) -> str:
    """Return the canonical form of an identifier, or raise ValueError saying what is wrong."""
    if system == "nhs_number":
        compact = re.sub(r"[\s-]", "", value)
        if not _NHS_NUMBER.match(compact):
            raise ValueError("An NHS number is ten digits.")
        if not nhs_number_valid(compact):
            raise ValueError("The NHS number's check digit is wrong.")
        return compact
    if system == "upn":
        compact = value.strip().upper()
        if not _UPN.match(compact):
            raise ValueError("A UPN is a letter followed by twelve digits.")
        if not upn_valid(compact):
            raise ValueError("The UPN's check letter is wrong.")
        return compact
    compact = value.strip()
    if not _SYSTEM_OF_RECORD_ID.match(compact):
        raise ValueError("A system-of-record id is 1-64 letters, digits, '.', '_', '/' or '-'.")
    return compact
