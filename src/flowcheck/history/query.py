"""Turn a free-text query into FTS5 phrases the caller cannot use to inject query syntax."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flowcheck.errors import FlowcheckError

MAX_QUERY_CHARS = 1_000
MAX_QUERY_TERMS = 32
# Letters and digits, as FTS5's unicode61 tokenizer splits them: "fix_parser.py" is three words.
_WORD = re.compile(r"[^\W_]+")
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")


class QueryError(FlowcheckError):
    """A search that cannot run: a query without words or too long, or top_k out of range."""


@dataclass(frozen=True)
class Term:
    text: str  # the query word as reported in matched_terms, e.g. "parser.py"
    phrase: str  # its FTS5 phrase, e.g. '"parser py"': the words adjacent and in order


def parse_query(query: str) -> list[Term]:
    """One term per whitespace-separated query word that holds a letter or digit.

    Every term is a quoted FTS5 phrase of plain words, so quotes, AND/OR/NOT, NEAR, `*`, `^`
    and `column:` filters in the query are searched as text, never run as operators.
    """
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"query is {len(query)} characters long; use at most {MAX_QUERY_CHARS}")
    terms: dict[str, Term] = {}
    for chunk in query.lower().split():
        words = _WORD.findall(chunk)
        if words:
            phrase = '"' + " ".join(words) + '"'
            terms.setdefault(phrase, Term(_EDGE_PUNCTUATION.sub("", chunk), phrase))
    if not terms:
        # The query itself stays out of the message: errors reach the audit log.
        raise QueryError(
            "query has no words to search for, only spaces or punctuation; pass words from "
            "commit messages or file paths, e.g. 'fix login timeout'"
        )
    if len(terms) > MAX_QUERY_TERMS:
        raise QueryError(f"query has {len(terms)} distinct words; use at most {MAX_QUERY_TERMS}")
    return list(terms.values())


def match_expression(terms: list[Term]) -> str:
    """Commits that contain any of the terms; BM25 ranks those with more and rarer ones first."""
    return " OR ".join(term.phrase for term in terms)
