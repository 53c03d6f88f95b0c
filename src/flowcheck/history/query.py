"""Turn a free-text query into FTS5 phrases the caller cannot use to inject query syntax.

Stop words ("the", "when", "for") are dropped: in a commit history they match nearly every
commit and push the words that say something out of the ranking. A query of nothing but stop
words keeps them. Exact tokens (versions, identifiers, issue numbers: "4.19.1", "#1234",
"res.sendFile", "max_count") are rare by construction and are never dropped by the ranking.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flowcheck.errors import FlowcheckError

MAX_QUERY_CHARS = 1_000
MAX_QUERY_TERMS = 32
# Letters and digits, as FTS5's unicode61 tokenizer splits them: "fix_parser.py" is three words.
_WORD = re.compile(r"[^\W_]+")
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")
# A digit, or letters joined by . _ - / :: inside a word, or an inner capital (camelCase).
_EXACT = re.compile(r"\d|\w[._/-]\w|::|[a-z][A-Z]")
# English function words; a word list reads best as text.
STOP_WORDS = frozenset(
    """a about above after again all also am an and any are as at be been before being below
    between both but by can could did do does doing down during each few for from further had
    has have having he her here hers him his how i if in into is it its itself just let me more
    most my no nor not now of off on once only or other our out over own same she should so
    some such than that the their them then there these they this those through to too under
    until up very was we were what when where which while who whom why will with would you
    your""".split()  # noqa: SIM905
)


class QueryError(FlowcheckError):
    """A search that cannot run: a query without words or too long, or top_k out of range."""


@dataclass(frozen=True)
class Term:
    text: str  # the query word as reported in matched_terms, e.g. "parser.py"
    phrase: str  # its FTS5 phrase, e.g. '"parser py"': the words adjacent and in order
    exact: bool = False  # a version, identifier or number: kept in every ranking tier


def parse_query(query: str) -> list[Term]:
    """One term per whitespace-separated query word that holds a letter or digit.

    Every term is a quoted FTS5 phrase of plain words, so quotes, AND/OR/NOT, NEAR, `*`, `^`
    and `column:` filters in the query are searched as text, never run as operators.
    """
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"query is {len(query)} characters long; use at most {MAX_QUERY_CHARS}")
    terms: dict[str, Term] = {}
    for chunk in query.split():
        words = _WORD.findall(chunk.lower())
        if words:
            text = _EDGE_PUNCTUATION.sub("", chunk)
            phrase = '"' + " ".join(words) + '"'
            exact = _EXACT.search(text) is not None
            terms.setdefault(phrase, Term(text.lower(), phrase, exact))
    if not terms:
        # The query itself stays out of the message: errors reach the audit log.
        raise QueryError(
            "query has no words to search for, only spaces or punctuation; pass words from "
            "commit messages or file paths, e.g. 'fix login timeout'"
        )
    if len(terms) > MAX_QUERY_TERMS:
        raise QueryError(f"query has {len(terms)} distinct words; use at most {MAX_QUERY_TERMS}")
    meaningful = [term for term in terms.values() if term.text not in STOP_WORDS]
    return meaningful or list(terms.values())


def any_of(terms: list[Term]) -> str:
    """An FTS5 expression matching commits that contain any of the terms."""
    return " OR ".join(term.phrase for term in terms)


def all_of(terms: list[Term]) -> str:
    """An FTS5 expression matching commits that contain every one of the terms."""
    return " AND ".join(term.phrase for term in terms)


def tiers(terms: list[Term]) -> list[str]:
    """FTS5 expressions from strictest to loosest: every term; every term but one; any term.

    Exact tokens are kept in the first two tiers, so "timeout 4.19.1" never ranks a commit
    that says only "timeout" above one that names the version.
    """
    expressions = [all_of(terms)]
    if len(terms) > 2:
        exact = [term for term in terms if term.exact]
        droppable = [term for term in terms if not term.exact] if exact else terms
        if len(droppable) > 1 or (droppable and exact):
            less_one = [[t for t in terms if t is not dropped] for dropped in droppable]
            expressions.append(" OR ".join(f"({all_of(group)})" for group in less_one))
    if len(terms) > 1:
        expressions.append(any_of(terms))
    return expressions
