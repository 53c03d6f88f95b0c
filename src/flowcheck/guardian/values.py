"""Judging a candidate value: placeholders, references and low-entropy words are not secrets."""

from __future__ import annotations

import re

from flowcheck.guardian.rule import shannon_entropy

_PLACEHOLDER_WORDS = (
    "example",
    "sample",
    "dummy",
    "placeholder",
    "changeme",
    "change_me",
    "change-me",
    "replace",
    "your_",
    "your-",
    "yourpass",
    "redacted",
    "xxxx",
    "****",
    "....",
    "<your",
    "todo",
    "fixme",
    "insert",
    "enter_",
    "fake",
    "notreal",
    "not-a-",
    "secret_here",
    "password_here",
    "token_here",
    "key_here",
    "dontuse",
    "<secret",
    "<password",
    "<token",
    "[redacted_",
)
_REFERENCE = re.compile(
    r"^(?:\$\{|\$\(|\$[A-Za-z_]|%\(|%[A-Za-z_]{1,40}%|\{\{|<%|#\{|@\{|env[.:(\[]|process\.env|"
    r"os\.environ|os\.getenv|getenv|System\.getenv|ENV\[|secrets\.|vault:|arn:|ENC\[|sops:|"
    r"file:|/|~/|\./|\.\./|ref\+|projects/|sm://|awssm:|azkv:|op://|!)"
)
_ONE_CHAR_REPEATED = re.compile(r"^(.)\1{3,256}$")
_WORD = re.compile(r"^[a-z]{1,64}(?:[_.-][a-z]{1,64}){0,8}$")
_CAMEL_IDENTIFIER = re.compile(r"^[a-z]{1,32}(?:[A-Z][a-z]{1,32}){1,8}$")
_PASCAL = re.compile(r"^(?:[A-Z][a-z]{1,32}){1,8}$")
_ATTRIBUTE = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]{0,40}(?:\.[A-Za-z_$][A-Za-z0-9_$]{0,40}){1,6}$")
_DUMMY_PASSWORDS = frozenset(
    {
        "",
        "foo",
        "bar",
        "baz",
        "qux",
        "pwd",
        "pass",
        "password",
        "passwd",
        "secret",
        "test",
        "demo",
        "admin",
        "root",
        "user",
        "guest",
        "changeme",
        "s3cr3t",
        "xxx",
        "abc",
        "qwerty",
        "letmein",
        "welcome",
        "default",
        "example",
        "sample",
        "none",
        "null",
        "pw",
        "p",
        "x",
    }
)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_LITERALS = frozenset(
    {
        "null",
        "none",
        "nil",
        "true",
        "false",
        "undefined",
        "string",
        "str",
        "bool",
        "int",
        "password",
        "secret",
        "token",
        "required",
        "optional",
        "empty",
        "default",
        "value",
        "test",
        "admin",
        "root",
        "user",
        "username",
        "pass",
        "passwd",
        "bytes",
        "object",
        "any",
        "number",
    }
)


def is_placeholder(value: str) -> bool:
    """True for templated, referenced, masked or documentation values."""
    lowered = value.lower()
    if lowered in _LITERALS or _REFERENCE.match(value) or _ONE_CHAR_REPEATED.match(value):
        return True
    if "${" in value or "{{" in value or (value[:1], value[-1:]) in (("<", ">"), ("{", "}")):
        return True
    return any(word in lowered for word in _PLACEHOLDER_WORDS)


def looks_like_code(value: str) -> bool:
    """Identifiers and expressions (``self.password``, ``getPassword``, ``KeyObject``)."""
    return (
        bool(_WORD.match(value) or _CAMEL_IDENTIFIER.match(value) or _PASCAL.match(value))
        or bool(_ATTRIBUTE.match(value))
        or "(" in value
        or "\\" in value
    )


def is_dummy_password(value: str) -> bool:
    """Test-fixture passwords (``foo``, ``pwd1``, ``changeme``): not worth blocking a commit."""
    return value.lower().rstrip("0123456789!") in _DUMMY_PASSWORDS


def is_uuid(value: str) -> bool:
    return bool(_UUID.match(value))


def has_entropy(value: str, floor: float) -> bool:
    return shannon_entropy(value) >= floor
