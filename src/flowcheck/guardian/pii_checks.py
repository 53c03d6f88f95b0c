"""Validators of numeric PII: checksums, valid ranges and the context a number needs."""

from __future__ import annotations

import ipaddress
import re


def _before(text: str, start: int, width: int = 48) -> str:
    line_start = text.rfind("\n", 0, start) + 1
    return text[max(line_start, start - width) : start].lower()


def _digits(value: str) -> str:
    return "".join(c for c in value if c.isdigit())


def _luhn(number: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(number)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


_IIN = re.compile(r"4|5[1-5]|2[2-7]|3[47]|3[068]|35|6011|64[4-9]|65|62|5[06-9]|6[0-9]")


def card_ok(text: str, start: int, end: int) -> bool:
    value = text[start:end]
    number = _digits(value)
    separators = {c for c in value if not c.isdigit()}
    return (
        len(separators) <= 1
        and 13 <= len(number) <= 19
        and bool(_IIN.match(number))
        and _luhn(number)
    )


_SSN_INVALID = frozenset({"123456789", "078051120", "219099999"})
SSN_CONTEXT = ("ssn", "social security", "social_security", "tax id", "taxpayer")


def ssn_ok(text: str, start: int, end: int) -> bool:
    number = _digits(text[start:end])
    area, group, serial = number[:3], number[3:5], number[5:]
    valid = (
        area not in ("000", "666")
        and area[0] != "9"
        and group != "00"
        and serial != "0000"
        and number not in _SSN_INVALID
    )
    dashed = text[start + 3] == "-" and text[start + 6] == "-"
    return valid and (dashed or any(w in _before(text, start) for w in SSN_CONTEXT))


def iban_ok(text: str, start: int, end: int) -> bool:
    compact = text[start:end].replace(" ", "")
    if word_before(text, start) or not 15 <= len(compact) <= 34:
        return False
    rotated = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rotated)) % 97 == 1


PHONE_CONTEXT = (
    "phone",
    "tel",
    "mobile",
    "call",
    "fax",
    "contact",
    "cell",
    "sms",
    "whatsapp",
    "reach",
    "ring",
    "number",
    "mob",
    "ph:",
    "ph.",
)


def phone_ok(text: str, start: int, end: int) -> bool:
    return 8 <= len(_digits(text[start:end])) <= 15


def international_phone_ok(text: str, start: int, end: int) -> bool:
    """A '+' number, unless it is an address or a diff line: a valid IPv4 address beats a
    dotted-quad "phone", and a '+' opening a line (a diff's added-line marker) followed by a
    dotted number starts a version or an address, never a phone number."""
    number = text[start + 1 : end]
    if not phone_ok(text, start, end) or _is_ipv4(number):
        return False
    at_line_start = start == 0 or text[start - 1] == "\n"
    dotted = "." in number and not any(c in number for c in " -()")
    return not (at_line_start and dotted)


def _is_ipv4(value: str) -> bool:
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        return False
    return True


def national_phone_ok(text: str, start: int, end: int) -> bool:
    return phone_ok(text, start, end) and any(w in _before(text, start) for w in PHONE_CONTEXT)


# Dotted numbers that are versions or ASN.1 object identifiers, not addresses.
_NOT_AN_IP_CONTEXT = ("version", "oid", "release", "build", "isbn", "object identifier")


def public_ip(text: str, start: int, end: int) -> bool:
    context = _before(text, start, 40)
    if any(word in context for word in _NOT_AN_IP_CONTEXT):
        return False
    try:
        return ipaddress.ip_address(text[start:end]).is_global
    except ValueError:
        return False


def any_ip(text: str, start: int, end: int) -> bool:
    try:
        address = ipaddress.ip_address(text[start:end])
    except ValueError:
        return False
    return not (address.is_loopback or address.is_unspecified or address.is_multicast)


def word_before(text: str, start: int) -> bool:
    """Whether the match continues a word (boundaries checked here keep patterns prefix-fast)."""
    return start > 0 and (text[start - 1].isalnum() or text[start - 1] in "_:")
