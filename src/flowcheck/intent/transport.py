"""HTTP for the issue fetch and the judges: explicit timeouts, no redirects, capped bodies.

Every failure becomes `Unavailable`, whose reason the caller reports as an "unknown" verdict;
reasons never contain a header, so no key or token can end up in a result.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

MAX_RESPONSE_BYTES = 2 << 20  # an issue body is at most 65,536 chars; a verdict is far smaller


class Unavailable(Exception):
    """The ticket or the judge could not be used; the verdict is "unknown"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Reply:
    status: int
    headers: httpx.Headers
    body: bytes

    def json_object(self, service: str) -> dict[str, Any]:
        """The body as a JSON object, or Unavailable."""
        try:
            data = json.loads(self.body)
        except ValueError as error:
            raise Unavailable(f"{service} answered with invalid JSON ({error})") from error
        if not isinstance(data, dict):
            raise Unavailable(f"{service} answered with JSON that is not an object")
        return data


def send(
    method: str,
    url: str,
    *,
    service: str,
    headers: Mapping[str, str],
    timeout: float,
    payload: Any = None,
) -> Reply:
    """One request; `service` names the far end in failure reasons."""
    try:
        with (
            httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False) as client,
            client.stream(method, url, headers=dict(headers), json=payload) as response,
        ):
            return Reply(response.status_code, response.headers, _capped_body(response, service))
    except httpx.TimeoutException as error:
        raise Unavailable(f"{service} did not answer within {timeout:g} s") from error
    except httpx.HTTPError as error:
        raise Unavailable(f"{service} is unreachable ({type(error).__name__}: {error})") from error


def _capped_body(response: httpx.Response, service: str) -> bytes:
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > MAX_RESPONSE_BYTES:
            raise Unavailable(f"{service} answered with more than {MAX_RESPONSE_BYTES} bytes")
    return bytes(body)
