"""HTTP smoke check of a running FlowCheck server: `python tests/smoke.py BASE_URL TOKEN`.

Standard library only, so the same script runs against a `docker run`, the compose stack behind
Traefik, and inside the NixOS VM test. Checks, one line each:
  1. GET /healthz answers 200 without a token;
  2. an MCP session with the token: initialize, tools/list, and a tool call (`--tool`, `--args`);
  3. POST /mcp without a token is refused with 401;
  4. POST /mcp with the token but a foreign Host header is refused with 421.
Exit status 0 when every check passed, 1 otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python tests/smoke.py` puts tests/ first on sys.path, where the test package tests/http
# would shadow the standard library's http: drop that entry before importing http.
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    del sys.path[0]

import argparse
import http.client
import json
import urllib.parse
from dataclasses import dataclass
from typing import Any

PROTOCOL_VERSION = "2025-06-18"
FOREIGN_HOST = "attacker.invalid"
TIMEOUT_S = 20.0


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: str


def request(
    base_url: str, method: str, path: str, headers: dict[str, str], body: bytes | None
) -> Reply:
    """One HTTP exchange; any status is returned, never raised (the checks judge it)."""
    url = urllib.parse.urlsplit(base_url)
    conn_class = (
        http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    )
    conn = conn_class(url.hostname or "127.0.0.1", url.port, timeout=TIMEOUT_S)
    try:
        # skip_host lets a test send a foreign Host header instead of the URL's.
        conn.putrequest(method, url.path.rstrip("/") + path, skip_host="Host" in headers)
        for name, value in {**headers, "Content-Length": str(len(body or b""))}.items():
            conn.putheader(name, value)
        conn.endheaders(body)
        response = conn.getresponse()
        return Reply(
            response.status,
            {k.lower(): v for k, v in response.getheaders()},
            response.read().decode("utf-8", "replace"),
        )
    finally:
        conn.close()


def jsonrpc_result(reply: Reply) -> Any:
    """The JSON-RPC message of a reply, sent either as JSON or as one SSE `data:` event."""
    if reply.headers.get("content-type", "").startswith("text/event-stream"):
        events = [line[5:].strip() for line in reply.body.splitlines() if line.startswith("data:")]
        return json.loads(events[-1])
    return json.loads(reply.body)


class McpSession:
    """A minimal streamable-HTTP MCP client: enough for initialize, list and call."""

    def __init__(self, base_url: str, token: str | None, host: str | None = None) -> None:
        self.base_url, self.session_id, self.next_id = base_url, "", 1
        self.headers = {
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
        }
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        if host:
            self.headers["Host"] = host

    def post(self, method: str, params: dict[str, Any], notify: bool = False) -> Reply:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if not notify:
            message["id"] = self.next_id
            self.next_id += 1
        headers = dict(self.headers)
        if self.session_id:
            headers["Mcp-Session-Id"] = self.session_id
            headers["MCP-Protocol-Version"] = PROTOCOL_VERSION
        return request(self.base_url, "POST", "/mcp", headers, json.dumps(message).encode())

    def initialize(self) -> Reply:
        reply = self.post(
            "initialize",
            {
                "protocolVersion": PROTOCOL_VERSION,
                "capabilities": {},
                "clientInfo": {"name": "flowcheck-smoke", "version": "1"},
            },
        )
        if reply.status == 200:
            self.session_id = reply.headers.get("mcp-session-id", "")
            self.post("notifications/initialized", {}, notify=True)
        return reply


def check(name: str, passed: bool, detail: str) -> bool:
    print(f"{'ok  ' if passed else 'FAIL'} {name}" + ("" if passed else f": {detail}"))
    return passed


def run_checks(base_url: str, token: str, tool: str | None, tool_args: dict[str, Any]) -> bool:
    health = request(base_url, "GET", "/healthz", {}, None)
    results = [
        check("GET /healthz is 200", health.status == 200, f"{health.status} {health.body[:200]}")
    ]

    session = McpSession(base_url, token)
    init = session.initialize()
    results.append(
        check(
            "initialize with the token is 200",
            init.status == 200,
            f"{init.status} {init.body[:200]}",
        )
    )
    if init.status == 200:
        listed = jsonrpc_result(session.post("tools/list", {}))
        names = sorted(t["name"] for t in listed.get("result", {}).get("tools", []))
        results.append(check("tools/list names tools", bool(names), json.dumps(listed)[:300]))
        if tool:
            called = jsonrpc_result(
                session.post("tools/call", {"name": tool, "arguments": tool_args})
            )
            failed = "error" in called or called.get("result", {}).get("isError", False)
            results.append(
                check(f"tools/call {tool} succeeds", not failed, json.dumps(called)[:500])
            )

    anonymous = McpSession(base_url, None).initialize()
    results.append(
        check(
            "initialize without a token is 401",
            anonymous.status == 401,
            f"{anonymous.status} {anonymous.body[:200]}",
        )
    )
    foreign = McpSession(base_url, token, host=FOREIGN_HOST).initialize()
    results.append(
        check(
            f"initialize with Host {FOREIGN_HOST} is 421",
            foreign.status == 421,
            f"{foreign.status} {foreign.body[:200]}",
        )
    )
    return all(results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="HTTP smoke check of a FlowCheck server")
    parser.add_argument("base_url", help="e.g. http://127.0.0.1:8000")
    parser.add_argument("token", help="the bearer token the server accepts")
    parser.add_argument("--tool", help="a tool to call after tools/list, e.g. get_flow_state")
    parser.add_argument("--args", default="{}", help="the tool's arguments as a JSON object")
    args = parser.parse_args(argv)
    return 0 if run_checks(args.base_url, args.token, args.tool, json.loads(args.args)) else 1


if __name__ == "__main__":
    sys.exit(main())
