"""Prompt-injection phrase patterns, matched on folded (normalised, lower-case) text.

Each pattern names its category and a weight; the weight becomes the finding's confidence.
Gaps between words are bounded (``(?:\\w{1,24}\\W{1,4}){0,n}``; ``\\w``/``\\W`` are disjoint,
so a gap splits one way only), which keeps every pattern linear.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any


def _gap(words: int) -> str:
    return rf"\W{{1,4}}(?:\w{{1,24}}\W{{1,4}}){{0,{words}}}"


_AI = (
    r"(?:ai|a\.i\.|llm|language model|assistant|agent|model|chatbot|copilot|claude|gpt|chatgpt"
    r"|bot|automated (?:reviewer|tool|system)s?|ai tools?|coding agents?)"
)
# What an override throws away. "system" is left out on purpose: configuration docs say
# "override the system prompt"; attacks say "your", "previous", "all prior".
_PRIOR = (
    r"(?:previous|prior|above|earlier|preceding|original|initial|your"
    r"|all (?:the )?(?:previous|prior|above|other|earlier)|any (?:previous|prior|other)"
    r"|the (?:above|previous|original))"
)
_ORDERS = (
    r"(?:instructions?|directives?|rules|prompts?|guidelines|guidance|tasks?|context|orders"
    r"|commands|guardrails|restrictions|policies|constraints|programming|messages?|training)"
)
# Leaking these is the point of an exfiltration request; they need an owner ("your", "the
# user's", "all") so that documentation about prompts and passwords stays quiet.
_OWNER = (
    r"(?:your|the user'?s|user'?s|all(?: of)?(?: the| your)?|the (?:exact|full|entire|complete"
    r"|whole|hidden|original|initial|current|contents of(?: the| your)?)|any|every|my|its)"
)
_SECRETS = (
    r"(?:system prompt|system message|initial prompt|hidden prompt|prompt|instructions"
    r"|api[ _-]?keys?|secrets|passwords?|credentials?|env(?:ironment)? var(?:iable)?s?"
    r"|ssh keys?|private keys?|access tokens?|tokens|cookies|conversation|chat history"
    r"|(?:previous |prior |earlier )?messages|configuration|keystrokes|clipboard|memory)"
)
_SENSITIVE_PATH = (
    r"(?:~/\.\w|\.env\b|id_rsa|\.git-credentials|\.aws/credentials|\.npmrc|\.netrc|\.pypirc"
    r"|/etc/passwd|/etc/shadow|\.ssh/)"
)
_SINK = r"(?:https?://|the (?:url|endpoint|server|webhook|address|link)|webhook|ftp://|pastebin)"
_LEAK_VERBS = (
    r"(?:reveal|print|output|show|repeat|display|leak|dump|share|tell me|give me|send|expose"
    r"|disclose|recite|write out|copy|paste|upload|post|email|forward|summari[sz]e|encode"
    r"|collect|gather|extract|exfiltrate|translate|spell out|list|read|cat|include)"
)


@dataclass(frozen=True, slots=True)
class Phrase:
    """``heads`` matches the literal start (after any word boundary) every match of
    ``pattern`` has, at most ``head_length`` characters long; None when there is no such
    start. Where ``heads`` finds nothing, the slower ``pattern`` is not run."""

    category: str
    weight: float
    pattern: re.Pattern[str]
    heads: re.Pattern[str] | None = None
    head_length: int = 0


def _p(category: str, weight: float, pattern: str) -> Phrase:
    heads = _heads(list(sre_parse.parse(pattern)), boundary=False)
    if not heads:
        return Phrase(category, weight, re.compile(pattern))
    gate = "|".join((r"\b" if bounded else "") + re.escape(head) for bounded, head in heads)
    longest = max(len(head) for _, head in heads)
    return Phrase(category, weight, re.compile(pattern), re.compile(gate), longest)


def _heads(items: list[tuple[Any, Any]], boundary: bool) -> tuple[tuple[bool, str], ...]:
    """(after a word boundary?, literal) for each way a parsed pattern can begin, or () when
    a match may begin otherwise."""
    prefix = ""
    for op, arg in items:
        if op == sre_parse.AT and not prefix:
            boundary = boundary or arg == sre_parse.AT_BOUNDARY  # ^ and \b consume nothing
            continue
        if op == sre_parse.LITERAL:
            prefix += chr(arg)
            continue
        if prefix:
            break
        if op == sre_parse.SUBPATTERN:
            return _heads(list(arg[-1]), boundary)
        if op == sre_parse.BRANCH:
            branches = [_heads(list(branch), boundary) for branch in arg[1]]
            return () if not all(branches) else tuple(h for b in branches for h in b)
        return ()
    return ((boundary, prefix),) if prefix else ()


PHRASES: tuple[Phrase, ...] = (
    _p(
        "instruction_override",
        0.95,
        r"\b(?:ignore|disregard|forget|override|bypass|abandon|set aside|neglect|overlook|discard"
        r"|pay no attention to|do not follow|don't follow|stop following|skip)"
        + _gap(3)
        + _PRIOR
        + _gap(2)
        + _ORDERS,
    ),
    _p(
        "instruction_override",
        0.9,
        r"\b(?:ignore|disregard|forget|override|set aside|discard|abandon|drop)\W{1,4}"
        r"(?:all|everything|anything|what)\W{1,4}(?:\w{1,24}\W{1,4}){0,2}(?:before|above"
        r"|previously|said|you were (?:told|instructed|given|asked)|you have been (?:told|given))",
    ),
    _p(
        "instruction_override",
        0.8,
        r"\b(?:new|updated|real|actual|true|revised|additional|secret|hidden) (?:instructions?|task"
        r"|objective|goal|directive|orders)\s{0,3}(?::|are|is|follow)",
    ),
    _p(
        "instruction_override",
        0.8,
        r"\b(?:important|attention|note|notice|message|instruction|urgent)\W{1,4}"
        r"(?:\w{1,24}\W{1,4}){0,3}(?:for|to)\W{1,4}(?:the |all |any )?" + _AI,
    ),
    _p(
        "instruction_override",
        0.75,
        r"\b" + _AI + r"s? (?:reading|processing|reviewing|parsing|summari[sz]ing|analy[sz]ing)"
        r" (?:this|these)",
    ),
    _p(
        "instruction_override",
        0.75,
        r"\b(?:do not|don't|never) (?:tell|inform|mention|alert|notify|reveal (?:this )?to|show)"
        r" (?:this to )?(?:the )?(?:user|human|developer|reviewer|operator)",
    ),
    _p(
        "instruction_override",
        0.7,
        r"\bwithout (?:telling|informing|asking|notifying|alerting|mentioning (?:it )?to) (?:the )?"
        r"(?:user|human|developer|reviewer|operator)",
    ),
    _p(
        "instruction_override",
        0.7,
        r"\b(?:in|at the (?:end|start|beginning) of) your (?:response|reply|answer|summary|output)"
        r"\W{1,4}(?:\w{1,24}\W{1,4}){0,2}(?:include|add|insert|append|mention|say|write|recommend"
        r"|tell|state|output)",
    ),
    _p(
        "instruction_override",
        0.7,
        r"\b(?:begin|start|end|prefix|finish) (?:your|each|every|the) (?:response|reply|answer"
        r"|output|message)s? (?:with|by)",
    ),
    _p(
        "instruction_override",
        0.7,
        r"\b(?:instead|rather),? (?:you (?:must|should|will)|just|only)"
        r" (?:\w{1,24}\W{1,4}){0,1}(?:output|print|reply|respond|say|write|answer|do)",
    ),
    _p(
        "instruction_override",
        0.65,
        r"\bthis instruction (?:is|was|has been) (?:authori[sz]ed"
        r"|approved|sanctioned|issued)",
    ),
    _p(
        "instruction_override",
        0.6,
        r"\b(?:your|the) (?:only|sole|primary|new|real|actual|true) (?:task|job"
        r"|goal|purpose|objective|mission) (?:is|now is|is now|now) (?:to|now)",
    ),
    _p(
        "role_hijack",
        0.9,
        r"\b(?:you are|you're|you will be|you'll be) (?:now|from now on"
        r"|henceforth|no longer)\b",
    ),
    _p(
        "role_hijack",
        0.85,
        r"\b(?:dan|stan|dude|aim|evil ?bot|god|jailbreak|jailbroken"
        r"|unrestricted|unfiltered|uncensored|sudo|opposite|chaos) mode",
    ),
    _p(
        "role_hijack",
        0.85,
        r"\bdo anything now\b|\b(?:you are|you're|be|become|act as|as) (?:an? |the )?(?:completely "
        r"|fully |totally )?(?:unfiltered|uncensored|amoral|unrestricted|jailbroken|unethical)\b"
        r"|\bno (?:ethical|moral) (?:guidelines|boundaries|restrictions|limits|constraints"
        r"|principles)",
    ),
    _p(
        "role_hijack",
        0.8,
        r"\b(?:act|behave|respond|answer|function|operate|roleplay|role-play"
        r"|pose) as (?:an? |the |my )?(?:\w{1,24}\W{1,4}){0,3}(?:ai|assistant|model|character"
        r"|persona|version|bot|hacker|expert|entity|system)\b",
    ),
    _p(
        "role_hijack",
        0.8,
        r"\b(?:pretend|imagine|assume|suppose) (?:to be|you are|you're|that you"
        r"|yourself)\b",
    ),
    _p(
        "role_hijack",
        0.8,
        r"\b(?:activate|adopt|assume|enter|take on|become)"
        r" (?:\w{1,24}\W{1,4}){0,3}(?:persona|character|alter ego|the role of)\b",
    ),
    _p(
        "role_hijack",
        0.8,
        r"\b(?:without|free (?:of|from)|no|ignores?|ignoring|bypass(?:es|ing)?"
        r"|disable[sd]?|not bound by|break free of|beyond) (?:any |all |the |your |its )?"
        r"(?:\w{1,24}\W{1,4}){0,1}(?:restrictions|limitations|filters|censorship|guidelines"
        r"|safety (?:guidelines|filters|rules|restrictions|protocols|policies|measures)"
        r"|guardrails|content polic(?:y|ies)|ethics|morals)\b",
    ),
    _p(
        "role_hijack",
        0.7,
        r"\b(?:stay|remain|keep) in character\b|\bfrom now on\b"
        r"|\bfrom this (?:point|moment) (?:on|onwards?|forward)\b"
        r"|\bhypothetical (?:response|scenario|story)\b|\byou (?:must|will|shall) (?:always )?"
        r"(?:answer|respond|comply|obey)",
    ),
    _p(
        "exfiltration",
        0.9,
        r"\b"
        + _LEAK_VERBS
        + _gap(3)
        + _OWNER
        + r"\W{1,4}(?:\w{1,24}\W{1,4}){0,1}"
        + _SECRETS
        + r"\b",
    ),
    _p("exfiltration", 0.9, r"\b" + _LEAK_VERBS + r"\b[^\n]{0,60}?" + _SENSITIVE_PATH),
    _p(
        "exfiltration",
        0.85,
        r"\b(?:send|post|upload|exfiltrate|transmit|forward|beacon|curl|fetch"
        r"|wget|submit|report|pipe|append|attach|embed|put|include)"
        + _gap(8)
        + r"(?:to|at|into|in|via|through) "
        + _SINK,
    ),
    _p("exfiltration", 0.85, r"!\[[^\]\n]{0,100}\]\(https?://[^)\s]{1,200}\?[^)\s]{0,200}="),
    _p(
        "exfiltration",
        0.8,
        r"\b(?:what (?:is|are|was|were)|repeat|print|show me) your (?:system"
        r"|initial|original|hidden|secret) (?:prompt|instructions|message)",
    ),
    _p(
        "exfiltration",
        0.75,
        r"\b(?:repeat|print|output|write|copy|translate|summari[sz]e|show|give me|tell me|list)"
        r" (?:all |back )?(?:of )?(?:the )?(?:words|text|everything|instructions|content)"
        r" (?:above|before this)\b\W{1,4}(?:\w{1,24}\W{1,4}){0,3}(?:starting|beginning|verbatim"
        r"|word for word|including|in full|exactly)|\bstarting with ['\"]?you are\b",
    ),
    _p(
        "delimiter_or_special_tokens",
        0.95,
        r"<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id"
        r"|end_header_id|begin_of_text)\|>|\[/?inst\]|<</?sys>>|<start_of_turn>|<end_of_turn>",
    ),
    _p(
        "delimiter_or_special_tokens",
        0.85,
        r"</?(?:system|system_prompt|instructions|admin|developer)>|\[(?:system|admin|developer)"
        r"(?: message| note)?\]\s{0,2}:?|^\W{0,6}(?:#{1,4} ?)?(?:system|assistant|admin|developer)"
        r"(?: message| note| prompt)?\s{0,2}:\s",
    ),
    _p(
        "delimiter_or_special_tokens",
        0.8,
        r"\b(?:end|close) of (?:the )?(?:document|email|input|context|data|user input|message"
        r"|conversation)\b|</(?:document|email|data|context|user_input|untrusted|input|text"
        r"|content|tool_output|search_results?)>",
    ),
)
