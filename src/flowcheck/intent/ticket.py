"""The ticket: a validated issue number, the repository's GitHub remote, the issue itself."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from flowcheck import __version__
from flowcheck.errors import FlowcheckError
from flowcheck.git.runner import GitExitError, run_git
from flowcheck.intent.transport import Unavailable, send
from flowcheck.settings import Settings

GITHUB_HOSTS = frozenset({"github.com", "www.github.com", "ssh.github.com"})
_DEFAULT_API_HOST = "api.github.com"
_ISSUE_NUMBER = re.compile(r"#?([0-9]{1,10})")
_URL_REMOTE = re.compile(r"(?:https?|ssh|git)://(?:[^@/]*@)?(?P<host>[^/:]+)(?::\d+)?/(?P<path>.+)")
_SCP_REMOTE = re.compile(r"(?:[^@/]*@)?(?P<host>[^/:]+):(?P<path>.+)")
_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")
_GITHUB_TIMEOUT_CAP = 20.0  # an issue fetch is small; a slow judge should not slow it down
_SHOWN_CHARS = 40


class TicketError(FlowcheckError):
    """A ticket_id that is not an issue number."""


@dataclass(frozen=True)
class GitHubRepo:
    owner: str
    name: str

    def __str__(self) -> str:
        return f"{self.owner}/{self.name}"


@dataclass(frozen=True)
class Issue:
    number: str
    title: str
    body: str


def parse_ticket_id(raw: str) -> str | None:
    """The issue number in `raw` ('42' or '#42'), None when `raw` is blank."""
    text = raw.strip()
    if not text:
        return None
    match = _ISSUE_NUMBER.fullmatch(text)
    if match is None or int(match.group(1)) == 0:
        shown = text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "..."
        raise TicketError(
            f"ticket_id {shown!r} is not a GitHub issue number; pass the number of the issue, "
            "e.g. '42' or '#42'"
        )
    return str(int(match.group(1)))


def github_repo(repo: Path, settings: Settings) -> GitHubRepo:
    """Owner and name from the `origin` remote; Unavailable when there is no GitHub origin."""
    try:
        url = os.fsdecode(run_git(repo, "remote", "get-url", "origin")).strip()
    except GitExitError as error:
        raise Unavailable(
            "the repository has no 'origin' remote, so the issue cannot be looked up; "
            "add the GitHub remote as origin"
        ) from error
    return parse_remote(url, settings.github_api_url)


def parse_remote(url: str, github_api_url: str) -> GitHubRepo:
    """Accepts https, ssh and scp-style remotes on github.com (or the operator's GitHub
    Enterprise host). Reasons never quote the URL: it may carry credentials."""
    match = _URL_REMOTE.fullmatch(url) or _SCP_REMOTE.fullmatch(url)
    if match is None:
        raise Unavailable("the 'origin' remote is not a URL FlowCheck understands")
    host = match.group("host").lower()
    if host not in _github_hosts(github_api_url):
        raise Unavailable(
            f"the 'origin' remote is on {host}, not GitHub; only GitHub issues can be checked"
        )
    parts = match.group("path").strip("/").removesuffix(".git").split("/")
    if len(parts) != 2 or not all(_valid_name(part) for part in parts):
        raise Unavailable("the 'origin' remote does not name a GitHub owner/repository")
    return GitHubRepo(parts[0], parts[1])


def fetch_issue(settings: Settings, where: GitHubRepo, number: str) -> Issue:
    """GET the issue from the operator's GitHub API; Unavailable on any failure."""
    headers = {
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": f"flowcheck/{__version__}",
    }
    if settings.github_token is not None:
        headers["Authorization"] = f"Bearer {settings.github_token.get_secret_value()}"
    reply = send(
        "GET",
        f"{settings.github_api_url}/repos/{where.owner}/{where.name}/issues/{number}",
        service="GitHub",
        headers=headers,
        timeout=min(settings.intent_timeout, _GITHUB_TIMEOUT_CAP),
    )
    if reply.status != 200:
        raise Unavailable(_failure_reason(reply.status, reply.headers, where, number))
    data = reply.json_object("GitHub")
    title, body = data.get("title"), data.get("body")
    if not isinstance(title, str) or not isinstance(body, str | None):
        raise Unavailable(f"GitHub's answer for issue #{number} has no text title/body")
    return Issue(number, title, body or "")


def _github_hosts(github_api_url: str) -> frozenset[str]:
    api_host = (urlsplit(github_api_url).hostname or "").lower()
    enterprise = {api_host} if api_host and api_host != _DEFAULT_API_HOST else set()
    return GITHUB_HOSTS | enterprise


def _valid_name(part: str) -> bool:
    return _NAME.fullmatch(part) is not None and part not in {".", ".."}


def _failure_reason(status: int, headers: httpx.Headers, where: GitHubRepo, number: str) -> str:
    remaining = headers.get("x-ratelimit-remaining")
    if status == 429 or (status == 403 and remaining == "0"):
        return "GitHub's rate limit is exhausted; set GITHUB_TOKEN or retry after the reset"
    if status in (404, 410):
        return (
            f"issue #{number} was not found in {where} (deleted, or a private repository: "
            "set GITHUB_TOKEN)"
        )
    if status == 401:
        return "GitHub rejected GITHUB_TOKEN (HTTP 401); renew the token"
    if 300 <= status < 400:
        return (
            f"GitHub answered HTTP {status} (moved) for {where}; the repository was renamed "
            "or transferred: update the origin remote"
        )
    return f"GitHub answered HTTP {status} for issue #{number} in {where}"
