"""BM25 over one repository's full-text table, scaled to 0..1, with the terms each commit matched.

SQLite's FTS5 bm25() does the ranking. For every phrase it adds
`idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / average_length))`, with
`idf = ln((N - n + 0.5) / (n + 0.5))` (clamped to 1e-6 when not positive) over the N commits of
this repository, n of which contain the phrase. Each phrase's term is below `idf * (k1 + 1)`, so
dividing by the sum of those bounds gives a score in [0, 1).

Ranking is AND-biased. Candidates come from commits holding every query word, then those
missing one, then those with any (`query.tiers`), BM25 order within each, until CANDIDATES are
found; the looser tiers often never run. The final score is the scaled BM25 times
(1 + coverage) / 2, coverage being the share of the query's idf the commit matched, exact
tokens (see `query`) weighing EXACT_BOOST times their idf. So a commit with all the words beats
one with a single rare word unless its BM25 is far lower (a long commit that mentions every
word once in passing). OR-ing every word instead ranked a generic word's thousands of commits
on every query, slowly and mostly wrongly.
"""

from __future__ import annotations

import json
import math
import sqlite3
from datetime import UTC, datetime
from typing import Any

from flowcheck.history.models import CommitMatch
from flowcheck.history.query import Term, tiers
from flowcheck.history.store import TOKENIZER, IndexState, count_commits, fts_table

K1 = 1.2  # FTS5's fixed bm25() parameter
_MIN_IDF = 1e-6  # FTS5's floor for phrases found in half of the commits or more
_MESSAGE_WEIGHT, _PATHS_WEIGHT = 1.0, 0.5  # a word in the message says more than a path part
SHOWN_MESSAGE_CHARS = 500
SHOWN_HASH_CHARS = 12
MAX_MATCHED_TERMS = 5
EXACT_BOOST = 2.0  # a version, identifier or issue number counts twice in coverage
_CANDIDATES = "history_candidates"  # the temporary table of `_matched_terms`
CANDIDATES = 50  # commits the tiers gather before the final ordering picks the top_k


def rank(
    connection: sqlite3.Connection, state: IndexState, terms: list[Term], top_k: int
) -> list[CommitMatch]:
    """The `top_k` best commits for the terms; ties go to the newer commit."""
    table = fts_table(state)
    wanted = max(CANDIDATES, top_k)
    rows: list[tuple[Any, ...]] = []
    for expression in tiers(terms):
        seen = [row[0] for row in rows]
        rows += _tier(connection, table, expression, seen, wanted - len(rows))
        if len(rows) == wanted:
            break
    if not rows:
        return []
    idf = _inverse_document_frequencies(connection, state, terms)
    bound = (K1 + 1) * sum(idf.values())
    matched = _matched_terms(connection, table, terms, [row[0] for row in rows])
    ordered = sorted(terms, key=lambda term: -idf[term])  # stable: query order among equals
    weight = {term: idf[term] * (EXACT_BOOST if term.exact else 1) for term in terms}
    scored = []
    for row in rows:
        found = [term for term in ordered if row[0] in matched[term]]
        coverage = sum(weight[term] for term in found) / sum(weight.values())
        score = min(1.0, -row[1] / bound) * (1 + coverage) / 2
        scored.append((score, row, [term.text for term in found]))
    scored.sort(key=lambda item: (-item[0], -item[1][5], item[1][3]))
    return [_commit_match(row, score, found) for score, row, found in scored[:top_k]]


def _tier(
    connection: sqlite3.Connection, table: str, expression: str, seen: list[int], limit: int
) -> list[tuple[Any, ...]]:
    """The `limit` best commits matching `expression`, leaving out rows an earlier tier gave."""
    placeholders = ", ".join("?" * len(seen))
    # The best rows are chosen before the join: joining every match first, then sorting, took
    # three times as long on a generic word. Among equal scores the lower rowid is the newer
    # commit (each batch is inserted newest first).
    return connection.execute(
        "SELECT best.rowid, best.raw, text.message, hash, author, authored_at, files, "  # noqa: S608
        f"insertions, deletions FROM (SELECT rowid, bm25({table}, ?, ?) AS raw FROM {table} "
        f"WHERE {table} MATCH ? AND rowid NOT IN ({placeholders}) ORDER BY raw, rowid LIMIT ?) "
        f"AS best JOIN {table} AS text ON text.rowid = best.rowid "
        "JOIN history_commits ON history_commits.id = best.rowid ORDER BY best.raw, best.rowid",
        (_MESSAGE_WEIGHT, _PATHS_WEIGHT, expression, *seen, limit),
    ).fetchall()


def _commit_match(row: tuple[Any, ...], score: float, matched_terms: list[str]) -> CommitMatch:
    _, _, message, object_id, author, authored_at, files, insertions, deletions = row
    return CommitMatch(
        commit_hash=object_id[:SHOWN_HASH_CHARS],
        message=message,  # whole: the caller redacts it, then shortens it (shown_message)
        author=author,
        timestamp=datetime.fromtimestamp(authored_at, UTC).isoformat(timespec="seconds"),
        files_changed=json.loads(files),
        insertions=insertions,
        deletions=deletions,
        score=round(score, 3),
        matched_terms=matched_terms[:MAX_MATCHED_TERMS],
    )


def _inverse_document_frequencies(
    connection: sqlite3.Connection, state: IndexState, terms: list[Term]
) -> dict[Term, float]:
    """Each phrase's idf, computed exactly as FTS5's bm25() computes it."""
    table = fts_table(state)
    total = count_commits(connection, state)  # count(*) on the FTS5 table reads all of it
    idf: dict[Term, float] = {}
    for term in terms:
        (containing,) = connection.execute(
            f"SELECT count(*) FROM {table} WHERE {table} MATCH ?",  # noqa: S608
            (term.phrase,),
        ).fetchone()
        value = math.log((total - containing + 0.5) / (containing + 0.5))
        idf[term] = value if value > 0 else _MIN_IDF
    return idf


def _matched_terms(
    connection: sqlite3.Connection, table: str, terms: list[Term], rowids: list[int]
) -> dict[Term, set[int]]:
    """For each term, which of these rows contain it.

    The rows are copied into a temporary full-text table with the same tokenizer and the terms
    matched there: matching in the repository's table walks a generic word's whole list of
    commits even when restricted to these rows (14 ms for "use" among 50k commits).
    """
    placeholders = ", ".join("?" * len(rowids))
    connection.execute(
        f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.{_CANDIDATES} USING fts5(message, paths, "
        f"tokenize = '{TOKENIZER}')"
    )
    connection.execute(f"DELETE FROM temp.{_CANDIDATES}")  # noqa: S608
    connection.execute(
        f"INSERT INTO temp.{_CANDIDATES} (rowid, message, paths) "  # noqa: S608
        f"SELECT rowid, message, paths FROM {table} WHERE rowid IN ({placeholders})",
        rowids,
    )
    return {
        term: {
            rowid
            for (rowid,) in connection.execute(
                f"SELECT rowid FROM temp.{_CANDIDATES} WHERE {_CANDIDATES} MATCH ?",  # noqa: S608
                (term.phrase,),
            )
        }
        for term in terms
    }


def shown_message(message: str) -> str:
    """At most SHOWN_MESSAGE_CHARS of an already redacted message, cut at white space (a
    redaction token is shown whole or not at all). Redact first: cutting first left a private
    key's block without its END line, and one of its lines came back unredacted."""
    if len(message) <= SHOWN_MESSAGE_CHARS:
        return message
    head = message[:SHOWN_MESSAGE_CHARS]
    cut = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
    return head[:cut].rstrip() + " …" if cut > 0 else "…"
