"""The ticket: issue-number validation, the GitHub remote, and every way the issue fetch can
fail; a failure is the verdict "unknown", never aligned."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowcheck.guardian.rules import default_rules
from flowcheck.intent.models import IntentResult
from flowcheck.intent.service import verify_intent
from flowcheck.intent.ticket import GitHubRepo, TicketError, parse_remote, parse_ticket_id
from flowcheck.intent.transport import Unavailable
from flowcheck.settings import Settings
from tests.conftest import git
from tests.unit.intent import samples
from tests.unit.intent.conftest import GITHUB_TOKEN, FakeServer, Route, make_settings, serve_issue

ISSUE_PATH = "/repos/acme/widgets/issues/7"


def verify(repo: Path, settings: Settings, ticket: str = "7") -> IntentResult:
    return verify_intent(repo, ticket, "", settings, default_rules())


def unknown(reasoning: str, ticket_id: str = "7", missing: list[str] | None = None) -> IntentResult:
    return IntentResult(
        alignment_score=0.0,
        ticket_id=ticket_id,
        ticket_summary="",
        missing_criteria=missing or [],
        scope_creep_warnings=[],
        is_aligned=False,
        verdict="unknown",
        mode="heuristic",
        reasoning=reasoning,
        injection_warnings=[],
    )


@pytest.mark.parametrize(("raw", "number"), [("42", "42"), ("#42", "42"), (" #0042 ", "42")])
def test_issue_numbers_are_accepted(raw: str, number: str) -> None:
    assert parse_ticket_id(raw) == number


@pytest.mark.parametrize("raw", ["abc", "42/../../user", "#", "0", "12345678901", "4 2", "-1"])
def test_anything_else_is_a_ticket_error(raw: str) -> None:
    """0.4 defect B1.11: ticket_id went unvalidated into the API path, token attached."""
    with pytest.raises(TicketError) as caught:
        parse_ticket_id(raw)
    assert str(caught.value) == (
        f"ticket_id {raw!r} is not a GitHub issue number; pass the number of the issue, "
        "e.g. '42' or '#42'"
    )


def test_malformed_ticket_id_sends_nothing(widgets: Path, github: FakeServer) -> None:
    with pytest.raises(TicketError):
        verify(widgets, make_settings(github), ticket="7/../../../user/repos")
    assert github.requests == []


def test_empty_ticket_id_is_unknown(widgets: Path, github: FakeServer) -> None:
    """Parity A11: an empty ticket_id gives score 0 and 'No ticket ID provided'."""
    assert verify(widgets, make_settings(github), ticket="") == unknown(
        "No ticket ID provided", ticket_id="", missing=["No ticket ID provided"]
    )
    assert github.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "https://github.com/acme/widgets.git",
        "https://github.com/acme/widgets",
        "https://user:secret@github.com/acme/widgets/",
        "git@github.com:acme/widgets.git",
        "ssh://git@github.com/acme/widgets.git",
        "ssh://git@ssh.github.com:443/acme/widgets.git",
    ],
)
def test_github_remote_forms(url: str) -> None:
    assert parse_remote(url, "https://api.github.com") == GitHubRepo("acme", "widgets")


def test_enterprise_remote_needs_the_operators_api_host() -> None:
    url = "git@ghe.example.test:acme/widgets.git"
    assert parse_remote(url, "https://ghe.example.test/api/v3") == GitHubRepo("acme", "widgets")
    with pytest.raises(Unavailable) as caught:
        parse_remote(url, "https://api.github.com")
    assert caught.value.reason == (
        "the 'origin' remote is on ghe.example.test, not GitHub; only GitHub issues can be checked"
    )


@pytest.mark.parametrize(
    "url", ["https://github.com/acme/../widgets", "https://github.com/acme", "git@github.com:a/b/c"]
)
def test_remote_without_owner_and_name_is_unavailable(url: str) -> None:
    with pytest.raises(Unavailable) as caught:
        parse_remote(url, "https://api.github.com")
    assert caught.value.reason == "the 'origin' remote does not name a GitHub owner/repository"


def test_no_origin_is_unknown(make_repo: object, github: FakeServer) -> None:
    """0.4 defect B1.5: no remote returned score 0.5 and is_aligned true."""
    repo = make_repo()  # type: ignore[operator]
    samples.implement_retry(repo)
    assert verify(repo, make_settings(github)) == unknown(
        "Cannot verify: the repository has no 'origin' remote, so the issue cannot be looked "
        "up; add the GitHub remote as origin."
    )


def test_non_github_origin_is_unknown_and_not_quoted(widgets: Path, github: FakeServer) -> None:
    git(widgets, "remote", "set-url", "origin", "https://bob:hunter2@gitlab.example/acme/w.git")
    result = verify(widgets, make_settings(github))
    assert result == unknown(
        "Cannot verify: the 'origin' remote is on gitlab.example, not GitHub; only GitHub "
        "issues can be checked."
    )
    assert github.requests == []


def test_token_is_sent_as_bearer_only_to_the_configured_api(
    widgets: Path, github: FakeServer
) -> None:
    serve_issue(github, 7, samples.RETRY_TITLE, None)
    result = verify(widgets, make_settings(github, github_token=GITHUB_TOKEN))
    assert (result.ticket_summary, result.verdict) == (f"#7 {samples.RETRY_TITLE}", "not_aligned")
    (request,) = github.requests
    assert (request.method, request.path, request.body) == ("GET", ISSUE_PATH, b"")
    assert request.headers["authorization"] == f"Bearer {GITHUB_TOKEN}"
    assert request.headers["accept"] == "application/vnd.github+json"


def test_anonymous_request_has_no_authorization(widgets: Path, github: FakeServer) -> None:
    serve_issue(github, 7, samples.RETRY_TITLE, "")
    verify(widgets, make_settings(github))
    assert "authorization" not in github.requests[0].headers


@pytest.mark.parametrize(
    ("route", "reason"),
    [
        (
            Route(404, {"message": "Not Found"}),
            "issue #7 was not found in acme/widgets (deleted, or a private repository: "
            "set GITHUB_TOKEN)",
        ),
        (
            Route(
                403, {"message": "API rate limit exceeded"}, headers={"X-RateLimit-Remaining": "0"}
            ),
            "GitHub's rate limit is exhausted; set GITHUB_TOKEN or retry after the reset",
        ),
        (
            Route(429, {}),
            "GitHub's rate limit is exhausted; set GITHUB_TOKEN or retry after the reset",
        ),
        (Route(401, {}), "GitHub rejected GITHUB_TOKEN (HTTP 401); renew the token"),
        (
            Route(301, {}, headers={"Location": "http://127.0.0.1:9/elsewhere"}),
            "GitHub answered HTTP 301 (moved) for acme/widgets; the repository was renamed or "
            "transferred: update the origin remote",
        ),
        (Route(502, {}), "GitHub answered HTTP 502 for issue #7 in acme/widgets"),
        (
            Route(200, "<html>"),
            "GitHub answered with invalid JSON (Expecting value: line 1 column 1 (char 0))",
        ),
        (Route(200, {"title": 7}), "GitHub's answer for issue #7 has no text title/body"),
    ],
)
def test_issue_fetch_failures_are_unknown(
    widgets: Path, github: FakeServer, route: Route, reason: str
) -> None:
    """0.4 defect B1.5: a missing issue or a network error passed as aligned."""
    github.routes[("GET", ISSUE_PATH)] = route
    samples.implement_retry(widgets)
    assert verify(widgets, make_settings(github)) == unknown(f"Cannot verify: {reason}.")
    assert len(github.requests) == 1


def test_github_timeout_is_unknown(widgets: Path, github: FakeServer) -> None:
    """0.4 defect B3.2: the issue fetch had no timeout."""
    github.routes[("GET", ISSUE_PATH)] = Route(body={}, delay=5.0)
    result = verify(widgets, make_settings(github, intent_timeout=0.3))
    assert result == unknown("Cannot verify: GitHub did not answer within 0.3 s.")


def test_unreachable_github_is_unknown(widgets: Path, github: FakeServer) -> None:
    settings = make_settings(github)
    github.close()
    result = verify(widgets, settings)
    assert (result.verdict, result.is_aligned) == ("unknown", False)
    assert result.reasoning.startswith("Cannot verify: GitHub is unreachable (ConnectError: ")
