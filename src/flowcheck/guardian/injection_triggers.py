"""Cheap pre-filter of the injection detector: substrings every phrase needs."""

from __future__ import annotations

import re
from typing import Any

from flowcheck.guardian.block import Block

# Every phrase in injection_patterns contains one of these substrings, so lines without them
# are never examined. Each substring costs one str.find pass over the text, so the list is
# short and coarse; the phrases decide. Words frequent in ordinary code ("key", "token", " as ")
# are left out.
TRIGGERS: tuple[str, ...] = (
    "ignor",
    "disregard",
    "forget",
    "overrid",
    "bypass",
    "set aside",
    "neglect",
    "overlook",
    "discard",
    "attention",
    "follow",
    "instruct",
    "directive",
    "real task",
    "new task",
    "actual task",
    "true task",
    "hidden task",
    "secret task",
    "additional task",
    "new goal",
    "new objective",
    "new orders",
    " ai",
    "a.i.",
    "llm",
    "language model",
    "assistant",
    "chatbot",
    "copilot",
    "claude",
    "gpt",
    "agent",
    "automated",
    " bot",
    "the user",
    "the human",
    "without",
    "each response",
    "every response",
    "each reply",
    "each answer",
    "each message",
    "every message",
    "the response",
    "instead",
    "rather",
    "authori",
    "you",
    "henceforth",
    "from now",
    "from this",
    " mode",
    "do anything",
    "jailbr",
    "unfiltered",
    "censor",
    "moral",
    "ethic",
    "act as",
    "behave",
    "pose as",
    "role",
    "pretend",
    "imagine",
    "persona",
    "alter ego",
    "character",
    "identity",
    "restrict",
    "limitation",
    "guideline",
    "guardrail",
    "polic",
    "free of",
    "free from",
    "not bound",
    "no rules",
    "no filters",
    "no safety",
    "hypothetical",
    "prompt",
    "secret",
    "password",
    "credential",
    "api key",
    "api_key",
    "apikey",
    "api-key",
    "env",
    "ssh",
    "id_rsa",
    "private key",
    "cookie",
    "conversation",
    "history",
    "clipboard",
    "keystroke",
    "user data",
    "personal data",
    "exfil",
    "upload",
    "webhook",
    "pastebin",
    "curl",
    "wget",
    "ftp:",
    "send",
    "forward",
    "transmit",
    "post ",
    "![",
    "above",
    "before this",
    "starting with",
    "<|",
    "inst]",
    "sys>>",
    "_of_turn>",
    "system",
    "admin",
    "developer",
    "end of",
    "close of",
    "</",
)


def _trie_pattern(words: list[str]) -> str:
    """One regex for many literals, branching per character: ``re`` tries a handful of
    branches at each position instead of every word."""
    trie: dict[str, dict[str, Any]] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _branch(trie)


def _branch(node: dict[str, dict[str, Any]]) -> str:
    alternatives = [re.escape(char) + _branch(node[char]) for char in sorted(node) if char]
    if not alternatives:
        return ""
    grouped = "(?:" + "|".join(alternatives) + ")"
    return grouped + "{0,1}" if "" in node else grouped


_WORDS = tuple(t for t in TRIGGERS if " " not in t)
_PHRASES = tuple(t for t in TRIGGERS if " " in t)
_ANY_WORD = re.compile(_trie_pattern(list(_WORDS)))


def present_triggers(block: Block) -> list[str]:
    """The triggers ``block.lowered`` holds. One search of the block's vocabulary finds the
    words holding any trigger; only those few are then checked trigger by trigger."""
    haystack = block.vocabulary if block.has_vocabulary else block.lowered
    holders = []
    position = 0
    while (match := _ANY_WORD.search(haystack, position)) is not None:
        start = haystack.rfind("\n", 0, match.start()) + 1
        end = haystack.find("\n", match.end())
        position = len(haystack) if end == -1 else end
        holders.append(haystack[start:position])  # each holder once, however many it holds
    found = {t for t in _WORDS if any(t in holder for holder in holders)}
    found.update(t for t in _PHRASES if block.contains(t))
    return [t for t in TRIGGERS if t in found]
