"""Logging to stderr only (stdout belongs to the MCP protocol), as text or JSON lines.

Configured secret values are masked in every record before it is written.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterable

MASK = "********"


class SecretMaskFilter(logging.Filter):
    """Replaces known secret values (tokens, API keys) in the rendered message."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self._secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if self._secrets:
            message = record.getMessage()
            for secret in self._secrets:
                message = message.replace(secret, MASK)
            record.msg, record.args = message, None
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: str, fmt: str, secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(SecretMaskFilter(secrets))
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    # The SDK logs every request at INFO; keep that for DEBUG runs only.
    quiet = logging.DEBUG if level == "DEBUG" else logging.WARNING
    for name in ("mcp", "uvicorn.access", "httpx"):
        logging.getLogger(name).setLevel(quiet)
