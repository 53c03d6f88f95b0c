"""Fake GitHub, OpenAI and Anthropic servers on 127.0.0.1, and repositories with a GitHub
origin. No test here sends a byte anywhere but loopback."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from flowcheck.settings import Settings
from tests.conftest import git

OPENAI_KEY = "sk-proj-FAKEopenaiKEYforTESTS0123456789abcdef"
ANTHROPIC_KEY = "sk-ant-api03-FAKEanthropicKEYforTESTS0123456789"
GITHUB_TOKEN = "ghp_FAKEgithubTOKENforTESTSaB3dE5fG7hI9jK1"
PLANTED_SECRETS = (OPENAI_KEY, ANTHROPIC_KEY, GITHUB_TOKEN)


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Route:
    status: int = 200
    body: Any = None  # a dict or list is sent as JSON, a str as is
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class FakeServer:
    """Answers (method, path) from `routes`, 404 otherwise, and records every request."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Route] = {}
        self.requests: list[Recorded] = []
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._httpd.handle_error = lambda *_args: None  # type: ignore[method-assign]
        # a short poll interval: shutdown() waits up to one interval
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def close(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length)
        headers = {name.lower(): value for name, value in handler.headers.items()}
        self.requests.append(Recorded(handler.command, handler.path, headers, body))
        route = self.routes.get(
            (handler.command, handler.path), Route(404, {"message": "Not Found"})
        )
        if route.delay and self._stopping.wait(route.delay):
            return
        payload = route.body if isinstance(route.body, str) else json.dumps(route.body)
        data = payload.encode()
        handler.send_response(route.status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        for name, value in route.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        answer = self._answer

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                answer(self)

            def do_POST(self) -> None:
                answer(self)

            def log_message(self, *_args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def fake_server() -> Iterator[Callable[[], FakeServer]]:
    servers: list[FakeServer] = []

    def start() -> FakeServer:
        servers.append(FakeServer())
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def github(fake_server: Callable[[], FakeServer]) -> FakeServer:
    return fake_server()


@pytest.fixture
def llm(fake_server: Callable[[], FakeServer]) -> FakeServer:
    return fake_server()


def serve_issue(github: FakeServer, number: int, title: str, body: str | None) -> None:
    path = f"/repos/acme/widgets/issues/{number}"
    github.routes[("GET", path)] = Route(body={"number": number, "title": title, "body": body})


def openai_answer(llm: FakeServer, content: str) -> None:
    reply = {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}
    llm.routes[("POST", "/v1/chat/completions")] = Route(body=reply)


def anthropic_answer(llm: FakeServer, text: str) -> None:
    reply = {"type": "message", "content": [{"type": "text", "text": text}]}
    llm.routes[("POST", "/v1/messages")] = Route(body=reply)


def make_settings(github: FakeServer, **overrides: Any) -> Settings:
    return Settings(**{"github_api_url": github.url, "intent_timeout": 2.0, **overrides})


def openai_settings(github: FakeServer, llm: FakeServer, **overrides: Any) -> Settings:
    return make_settings(
        github,
        intent_provider="openai",
        openai_api_key=OPENAI_KEY,
        intent_base_url=f"{llm.url}/v1",
        **overrides,
    )


def anthropic_settings(github: FakeServer, llm: FakeServer, **overrides: Any) -> Settings:
    return make_settings(
        github,
        intent_provider="anthropic",
        anthropic_api_key=ANTHROPIC_KEY,
        intent_base_url=f"{llm.url}/v1",
        **overrides,
    )


@pytest.fixture
def widgets(make_repo: Callable[..., Path]) -> Path:
    """A repository whose origin is github.com/acme/widgets (never contacted)."""
    repo = make_repo("widgets", {"README.md": "# widgets\n"})
    git(repo, "remote", "add", "origin", "https://github.com/acme/widgets.git")
    return repo


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx honours proxy variables; the fake servers must be reached directly."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture(autouse=True)
def no_key_is_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    yield
    for record in caplog.records:
        assert not [s for s in PLANTED_SECRETS if s in record.getMessage()], record.name
