"""PEM, OpenSSH, PGP and PuTTY private keys, redacted as whole blocks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from flowcheck.guardian.block import Block
from flowcheck.guardian.rule import Hit, RuleMeta

_KEY_BEGIN = re.compile(
    r"-----BEGIN[ ](?:[A-Z0-9]{1,20}[ ]){0,3}PRIVATE[ ]KEY(?:[ ]BLOCK){0,1}-----"
    r"|PuTTY-User-Key-File-\d:"
)
_KEY_END = re.compile(
    r"-----END[ ](?:[A-Z0-9]{1,20}[ ]){0,3}PRIVATE[ ]KEY(?:[ ]BLOCK){0,1}-----"
    r"|Private-MAC:[ ][0-9a-fA-F]{20,128}"
)
_KEY_BODY_LINE = re.compile(r"[ \t+>#/*\"'-]{0,12}[A-Za-z0-9+/=:\-_ \t]{0,200}[\"',\\n]{0,4}$")
_MAX_KEY_CHARS = 32_768


_PRIVATE_KEY = RuleMeta("private-key", "PRIVATE_KEY", "secret", "critical", 0.99)


@dataclass(frozen=True)
class PrivateKeyDetector:
    """Whole private-key blocks, header to footer. A block without a footer (truncated, or a
    diff that cuts it) runs to the last line that still looks like key material."""

    meta: RuleMeta = _PRIVATE_KEY

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return (self.meta.rule_id,)

    def detect(self, block: Block) -> Iterator[Hit]:
        if not block.contains("private key") and not block.contains("putty-user-key"):
            return
        text = block.text
        position = 0
        while (begin := _KEY_BEGIN.search(text, position)) is not None:
            end = self._block_end(text, begin.end())
            if _is_key_material(text[begin.start() : end]):
                yield Hit(begin.start(), end, self.meta)
            position = end

    @staticmethod
    def _block_end(text: str, body_start: int) -> int:
        limit = min(len(text), body_start + _MAX_KEY_CHARS)
        footer = _KEY_END.search(text, body_start, limit)
        if footer is not None:
            return footer.end()
        end = text.find("\n", body_start, limit)
        while end != -1:
            next_end = text.find("\n", end + 1, limit)
            line = text[end + 1 : next_end if next_end != -1 else limit]
            if not line.strip() or not _KEY_BODY_LINE.match(line):
                break
            end = next_end if next_end != -1 else limit
            if next_end == -1:
                break
        return end if end != -1 else limit


_KEY_MATERIAL = re.compile(r"[A-Za-z0-9+/]{40,100}")
_ENCRYPTED = ("ENCRYPTED", "Proc-Type: 4,", "Encryption: aes")


def _is_key_material(block: str) -> bool:
    """A header followed by base64 key material, not protected by a passphrase. Headers alone
    (code that assembles a PEM string) and encrypted keys are not exposed secrets."""
    return _KEY_MATERIAL.search(block) is not None and not any(m in block for m in _ENCRYPTED)
