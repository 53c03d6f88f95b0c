"""Words for the heuristic: identifiers split into parts, stop words dropped, light stemming."""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

_REDACTION_TOKEN = re.compile(r"\[REDACTED_[A-Z0-9_]+_\d+\]")
_IDENTIFIER = re.compile(r"[A-Za-z0-9]+")
_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
# (suffix, replacement), longest first; applied once, only when 3+ letters remain
_SUFFIXES = (
    ("ations", "at"),
    ("ation", "at"),
    ("ions", ""),
    ("ion", ""),
    ("ies", "y"),
    ("ied", "y"),
    ("ing", ""),
    ("ers", ""),
    ("er", ""),
    ("ed", ""),
    ("es", ""),
    ("s", ""),
    ("e", ""),
)
# English filler, ticket boilerplate and programming keywords: common to any ticket or diff,
# so they say nothing about whether this diff fits this ticket. Shorter words are dropped anyway.
_STOP_WORD_TEXT = """
about above after again all also and any are because been before being below between both
but can could did does doing done down during each else every few for from further had has
have having her here hers him his how into its itself just like make may more most much must
need needs nor not now off once only other our out over own same she should some such than
that the their them then there these they this those through too under until use used using
very via want was were what when where which while who whom why will with would you your add
added adds fix fixed fixes fixing issue issues ticket bug feature please currently expected
actual behavior behaviour steps reproduce description summary todo etc new makes made
support supports change changes changed update updates updated def class return returns
import self cls none null true false const let var func function pub public private
protected static void int str string bool float dict list tuple set get async await try
except catch finally raise throw throws yield lambda pass elif end begin assert args kwargs
type types value values data result item test tests src lib java txt json yaml yml toml
https www com org
"""
STOP_WORDS = frozenset(_STOP_WORD_TEXT.split())


def terms(text: str) -> list[str]:
    """Stemmed, lower-case content words of `text`, in order, repeats kept."""
    words: list[str] = []
    for identifier in _IDENTIFIER.findall(_REDACTION_TOKEN.sub(" ", text)):
        words += _identifier_terms(identifier)
    return words


@lru_cache(maxsize=1 << 16)  # code repeats its identifiers: most lookups hit
def _identifier_terms(identifier: str) -> tuple[str, ...]:
    parts = (part.lower() for part in _PART.findall(identifier))
    return tuple(stem(word) for word in parts if len(word) >= 3 and word not in STOP_WORDS)


def term_counts(text: str) -> Counter[str]:
    return Counter(terms(text))


def stem(word: str) -> str:
    """'retries', 'retrying' -> 'retry'; 'cached', 'caches', 'cache' -> 'cach'."""
    if word.isdigit():
        return word
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith("ss"):
                return word
            return word[: -len(suffix)] + replacement
    return word
