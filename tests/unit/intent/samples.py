"""A ticket, a diff that implements it and a diff that does not."""

from __future__ import annotations

from pathlib import Path

RETRY_TITLE = "Retry failed HTTP requests with exponential backoff"
RETRY_BODY = """When the upstream API answers 503 or times out, the client gives up at once.
The HTTP client should retry up to 3 times with exponential backoff.

## Acceptance criteria
- retries on 503 and on timeouts
- backoff doubles each attempt
- the number of retries is configurable
"""
RETRY_CODE = """MAX_RETRIES = 3


def send_with_retry(session, request, retries=MAX_RETRIES, base_delay=0.5):
    for attempt in range(retries + 1):
        try:
            response = session.send(request, timeout=10)
        except requests.Timeout:
            if attempt == retries:
                raise
        else:
            if response.status_code != 503 or attempt == retries:
                return response
        time.sleep(base_delay * 2 ** attempt)
"""
RETRY_TEST = """def test_retries_on_503(fake_session):
    fake_session.answers = [503, 503, 200]
    assert send_with_retry(fake_session, request).status_code == 200
    assert fake_session.calls == 3
"""
FOOTER_HTML = """<footer class="site-footer">
  <p>Copyright 2026 Example Corp. All rights reserved.</p>
  <a href="/privacy">Privacy policy</a>
</footer>
"""
FOOTER_CSS = ".site-footer { color: #666; padding: 2em; text-align: center; }\n"


def write(repo: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        (repo / relative).parent.mkdir(parents=True, exist_ok=True)
        (repo / relative).write_text(text)


def implement_retry(repo: Path) -> None:
    write(repo, {"src/app/http_client.py": RETRY_CODE, "tests/test_http_client.py": RETRY_TEST})


def restyle_footer(repo: Path) -> None:
    write(
        repo,
        {"src/app/templates/footer.html": FOOTER_HTML, "src/app/static/footer.css": FOOTER_CSS},
    )
