"""What a secret looks like in user data: cloud credentials, private keys, service tokens and
literal credential assignments, in the text as given, with shell line continuations joined,
base64 (whole, embedded as cloud-init `write_files` or `echo ... | base64 -d` carry it, or
wrapped over lines as MIME parts and heredocs carry it), gzip, or hex (`xxd -r -p`)."""

from __future__ import annotations

import base64
import binascii
import gzip
import math
import re
from collections import Counter
from collections.abc import Iterator

# (pattern, what it is), most specific first.
DETECTORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"(?<![A-Z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ABIA|ACCA)[A-Z0-9]{16}"
            r"(?![A-Z0-9])"
        ),
        "an AWS access key id",
    ),
    (re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"), "a private key"),
    (
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})"),
        "a GitHub token",
    ),
    (re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}"), "a GitLab token"),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), "a Slack token"),
    (
        re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9]+/[A-Za-z0-9]+/[A-Za-z0-9]+"),
        "a Slack webhook",
    ),
    (re.compile(r"\bhf_[A-Za-z0-9]{30,}"), "a Hugging Face token"),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}"), "a Google API key"),
    (re.compile(r"\b(?:sk|rk)_live_[0-9A-Za-z]{20,}"), "a Stripe key"),
    (re.compile(r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{32,}"), "an API secret key"),
    (re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"), "an npm token"),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"), "a JWT"),
    (re.compile(r"\bbearer\s+[A-Za-z0-9._~+/=-]{20,}", re.I), "a bearer token"),
)
# A named AWS secret key with a literal value (any length: the name says what it is).
_AWS_SECRET = re.compile(
    r"(?:aws_?secret_?(?:access_?)?key|secret_?access_?key)[\"']?"
    r"(?:\s*[=:]\s*|\s+(?=[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])))"
    r"(?P<value>\"[^\"\n]*\"|'[^'\n]*'|[^\s,;}\]]+)",
    re.I,
)
# A 40-character AWS secret key close to an access key id.
_SECRET_NEAR_KEY = re.compile(r"(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_KEY_ID = DETECTORS[0][0]
NEAR = 300
# NAME=value / NAME: value where NAME ends in a credential word.
# Names start where a word does (linear time on long runs of letters, such as base64).
_ASSIGNMENT = re.compile(
    r"(?<![A-Za-z0-9_.-])(?P<name>[A-Za-z0-9_.-]*(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey"
    r"|access[_-]?key|auth[_-]?key|secret[_-]?key|private[_-]?key|client[_-]?secret|credentials?))"
    r"[\"']?\s*(?:=|:(?!//))\s*(?P<value>\"[^\"\n]*\"|'[^'\n]*'|[^\s,;}\]]+)",
    re.I,
)
_URL_PASSWORD = re.compile(
    r"(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*://[^/\s:@]+:(?P<value>[^/\s@]+)@", re.I
)
# Values that point at a secret instead of holding one.
_REFERENCE = re.compile(
    r"^(?:\$|\{\{|%\{|<|/|\./|~/|file:|arn:|ssm:|resolve:|none$|null$|true$|false$)", re.I
)
MIN_LENGTH = 8
MIN_ENTROPY = 3.0  # bits per character
_B64_RUN = re.compile(r"[A-Za-z0-9+/]{24,}={0,2}")
# Base64 wrapped over lines (76 a line in MIME, 60 or 64 elsewhere), indented or not.
_B64_BLOCK = re.compile(r"(?:^[ \t]*[A-Za-z0-9+/]{16,}={0,2}[ \t]*(?:\r?\n|$)){2,}", re.M)
_HEX_RUN = re.compile(r"(?:[0-9a-fA-F]{2}){16,}")
_CONTINUATION = re.compile(r"\\\r?\n")
# A YAML block scalar: the value is on the lines that follow.
_BLOCK_SCALAR = re.compile(r"^[|>][+-]?\d?$")
MAX_DEPTH = 3


def entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def literal_secret(value: str) -> bool:
    """A value that is a literal credential: long enough, random enough, not a reference."""
    if _reference(value):
        return False
    value = value.strip().strip("\"'")
    return len(value) >= MIN_LENGTH and entropy(value) >= MIN_ENTROPY


def _reference(value: str) -> bool:
    value = value.strip().strip("\"'")
    return not value or bool(_REFERENCE.match(value))


def _readable(text: str) -> bool:
    return all(c.isprintable() or c in "\n\r\t" for c in text)


def _text(raw: bytes) -> str | None:
    """Bytes as readable text (gunzipped first where they are gzip), or None."""
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError):
            return None
    try:
        decoded = raw.decode()
    except UnicodeDecodeError:
        return None
    return decoded if _readable(decoded) else None


def _decode(text: str) -> str | None:
    try:
        return _text(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        return None


def _decode_embedded(run: str) -> str | None:
    """A base64 run cut out of other text, where what precedes it may have joined the run
    (`path/` + base64): the run as it is, else from each of the next three characters on,
    the first decoded group (holding the joined characters) dropped."""
    whole = _decode(run)
    if whole is not None:
        return whole
    body = run.rstrip("=")
    for skip in range(4):
        chunk = body[skip:]
        chunk = chunk[: len(chunk) - len(chunk) % 4]
        if len(chunk) < 8:
            break
        try:
            raw = base64.b64decode(chunk, validate=True)[3:]
        except (binascii.Error, ValueError):
            continue
        found = _text(raw)
        if found is not None:
            return found
    return None


def _unhex(run: str) -> str | None:
    try:
        return _text(bytes.fromhex(run))
    except ValueError:
        return None


def texts(user_data: str, depth: int = 0) -> Iterator[str]:
    """The user data (and the same with shell line continuations joined), and whatever
    base64 or hex inside it decodes to readable text."""
    yield user_data
    joined = _CONTINUATION.sub("", user_data)
    if joined != user_data:
        yield joined
    if depth >= MAX_DEPTH:
        return
    compact = "".join(user_data.split())
    whole = _decode(compact) if compact else None
    if whole is not None and whole != user_data:
        yield from texts(whole, depth + 1)
        return
    blocks = [(m.span(), _decode("".join(m.group().split()))) for m in _B64_BLOCK.finditer(joined)]
    inner = [text for _, text in blocks]
    # A run inside a decodable block is one line of it, not a payload of its own.
    whole_blocks = [span for span, text in blocks if text is not None]
    inner += [
        _decode_embedded(m.group())
        for m in _B64_RUN.finditer(joined)
        if not any(a <= m.start() < b for a, b in whole_blocks)
    ]
    inner += [_unhex(run) for run in _HEX_RUN.findall(joined)]
    for text in dict.fromkeys(t for t in inner if t is not None):
        yield from texts(text, depth + 1)


def _found(text: str) -> Iterator[str]:
    spans: list[tuple[int, int]] = []
    for pattern, what in DETECTORS:
        for m in pattern.finditer(text):
            spans.append(m.span())
            yield what
    for m in _AWS_SECRET.finditer(text):
        if not _reference(m.group("value")):
            spans.append(m.span())
            yield "an AWS secret access key"
    for m in _KEY_ID.finditer(text):
        window = text[max(0, m.start() - NEAR) : m.end() + NEAR]
        if any(_mixed(s) for s in _SECRET_NEAR_KEY.findall(window)):
            yield "an AWS secret access key"
    for m in _ASSIGNMENT.finditer(text):
        start, end = m.span()
        if any(a < end and start < b for a, b in spans):
            continue
        value = m.group("value")
        if _BLOCK_SCALAR.match(value):
            value = _next_line(text, end)
        if literal_secret(value):
            yield "a credential"
    for m in _URL_PASSWORD.finditer(text):
        start, end = m.span("value")
        if any(a < end and start < b for a, b in spans):
            continue
        if literal_secret(m.group("value")):
            yield "a credential"


def _next_line(text: str, at: int) -> str:
    """The first non-blank line after position `at` (a YAML block scalar's value)."""
    return next((line.strip() for line in text[at:].splitlines()[1:] if line.strip()), "")


def _mixed(text: str) -> bool:
    """Random-looking: upper and lower case and digits or symbols (not a hex digest)."""
    return (
        any(c.isupper() for c in text)
        and any(c.islower() for c in text)
        and any(c.isdigit() or c in "/+" for c in text)
    )


def secrets_in(user_data: str) -> list[str]:
    """What kinds of secret the user data holds, each once, in detection order."""
    return list(dict.fromkeys(what for text in texts(user_data) for what in _found(text)))
