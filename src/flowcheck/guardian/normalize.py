"""Undo the disguises injections use: invisible characters, bidi overrides, homoglyphs, base64."""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from collections.abc import Iterator

ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\u2061\u2062\u2063\u2064\ufeff\u00ad\u180e")
BIDI_OVERRIDES = frozenset("\u202a\u202b\u202d\u202e")
BIDI_ALL = BIDI_OVERRIDES | frozenset("\u202c\u2066\u2067\u2068\u2069\u200e\u200f")
TAG_FIRST, TAG_LAST = 0xE0000, 0xE007F

# Cyrillic and Greek letters that render like Latin ones.
_HOMOGLYPHS = str.maketrans(
    "аеорсухіјѕԁӏАВЕКМНОРСТХІЈЅԚԜαοτνρκιΑΒΕΖΗΙΚΜΝΟΡΤΥΧ",
    "aeopcyxijsdlABEKMHOPCTXIJSQWaotvpkiABEZHIKMNOPTYX",
)
_LOOKALIKES = frozenset("аеорсухіјѕԁӏАВЕКМНОРСТХІЈЅԚԜαοτνρκιΑΒΕΖΗΙΚΜΝΟΡΤΥΧ")
_LETTER_RUN = re.compile(r"[^\W\d_]{2,64}")
_LATIN = re.compile(r"[A-Za-z]")
_LOOKALIKE = re.compile("[" + "".join(sorted(_LOOKALIKES)) + "]")
_TAG = re.compile(f"[{chr(TAG_FIRST)}-{chr(TAG_LAST)}]")
_BIDI_OVERRIDE = re.compile("[" + "".join(sorted(BIDI_OVERRIDES)) + "]")
_ZERO_WIDTH = "[" + "".join(sorted(ZERO_WIDTH)) + "]"
_ZERO_WIDTH_BY_LATIN = re.compile(f"(?<=[A-Za-z]){_ZERO_WIDTH}|{_ZERO_WIDTH}(?=[A-Za-z])")
_SURROGATE = re.compile("[\ud800-\udfff]")
_BASE64_RUN = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{24,4096}={0,2}(?![A-Za-z0-9+/=])")


def without_surrogates(text: str) -> str:
    """Lone surrogates (a JSON string may carry ``\\ud800``) replaced by U+FFFD, one code point
    for one, so offsets stay put. No UTF-8 encoder accepts them: one would fail a whole reply."""
    return _SURROGATE.sub("\ufffd", text)


def decode_tags(text: str) -> str:
    """Unicode tag characters (U+E0020-E007E) spell ASCII invisibly; map them back."""
    return "".join(chr(ord(c) - TAG_FIRST) if TAG_FIRST <= ord(c) <= TAG_LAST else c for c in text)


def fold(text: str) -> str:
    """NFKC, drop invisible and bidi controls, fold homoglyphs, lower-case."""
    if text.isascii():  # none of the disguises is ASCII, and NFKC leaves ASCII alone
        return text.lower()
    text = decode_tags(text)
    text = "".join(c for c in text if c not in ZERO_WIDTH and c not in BIDI_ALL)
    return unicodedata.normalize("NFKC", text).translate(_HOMOGLYPHS).lower()


def mixed_script_words(line: str) -> int:
    """Letter runs that mix Latin with Cyrillic/Greek lookalikes: the homoglyph disguise.
    Hyphenated names across scripts ("MCP-сервер") are two runs, not one mixed word."""
    return sum(
        1 for word in _LETTER_RUN.findall(line) if _LATIN.search(word) and _LOOKALIKE.search(word)
    )


def has_tags_or_bidi_overrides(line: str) -> bool:
    """Invisible tag characters or a bidi override anywhere in the line (searched in C)."""
    return _TAG.search(line) is not None or _BIDI_OVERRIDE.search(line) is not None


def interleaved_zero_width(line: str) -> int:
    """Zero-width characters next to Latin letters (emoji ZWJ and Persian ZWNJ sit elsewhere);
    one at either end of the line does not count."""
    return sum(
        1 for m in _ZERO_WIDTH_BY_LATIN.finditer(line) if 0 < m.start() < len(line) - 1
    )


def decoded_base64_runs(line: str) -> list[str]:
    """Printable text hidden in base64 runs of the line."""
    return [decoded for _, decoded in base64_runs_with_starts(line)]


def base64_runs_with_starts(text: str) -> Iterator[tuple[int, str]]:
    """(offset, printable text) of every base64 run of ``text`` that decodes to UTF-8 text."""
    for match in _BASE64_RUN.finditer(text):
        run = match.group()
        try:
            raw = base64.b64decode(run + "=" * (-len(run) % 4), validate=True)
            decoded = raw.decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            continue
        if decoded.isprintable() or all(c.isprintable() or c in "\n\t" for c in decoded):
            yield match.start(), decoded
