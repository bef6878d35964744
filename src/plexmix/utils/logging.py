"""Logging: a Rich console handler, a rotating file handler, and redaction of secrets.

Every handler carries :class:`RedactingFilter`, so a token or API key that reaches a log call (in
the message, its arguments or a traceback) is replaced by ``[REDACTED]`` before it is written.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from collections.abc import Iterable
from pathlib import Path

REDACTED = "[REDACTED]"

# Shapes of secrets that may appear without PlexMix knowing the value (URLs, headers, SDK errors).
_PATTERNS = [
    re.compile(r"(?i)(x-plex-token[=:]\s*)[^\s&'\"]+"),
    # A value shorter than 8 characters is a word ("token: in Plex Web ..."), not a credential.
    re.compile(r"(?i)((?:api[_-]?key|token|authorization|x-api-key|x-goog-api-key)['\"]?\s*[=:]\s*"
               r"['\"]?(?:bearer\s+)?)[^\s&'\",}]{8,}"),
    re.compile(r"\bsk-(?:ant-)?[A-Za-z0-9_\-]{16,}"),
    re.compile(r"\bAIza[0-9A-Za-z_\-]{20,}"),
]

_known_secrets: set[str] = set()


def register_secret(value: str | None) -> None:
    """Make sure ``value`` never reaches a log record (ignored when too short to be a secret)."""
    if value and len(value) >= 6:
        _known_secrets.add(value)


def redact(text: str) -> str:
    for secret in sorted(_known_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + REDACTED, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message (with its arguments and traceback) without secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not kill logging
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


# (openai 3.x and anthropic talk through httpx2/httpcore2, which log every request at INFO)
_NOISY = ("urllib3", "httpx", "httpcore", "httpx2", "httpcore2", "openai", "anthropic", "google", "faiss",
          "filelock")
_HANDLER_TAG = "_plexmix_handler"


def setup_logging(
    console_level: int | str = logging.INFO,
    log_file: Path | None = None,
    *,
    max_bytes: int = 10 * 1024 * 1024,
    backup_count: int = 5,
    secrets: Iterable[str | None] = (),
    console: logging.Handler | None = None,
) -> None:
    """Configure the root logger once per process (calling again replaces PlexMix's handlers).

    ``console`` is the front end's handler for the terminal (the CLI passes a Rich one); without
    it, messages go to standard error as plain lines. Every handler gets the redacting filter.
    """
    for secret in secrets:
        register_secret(secret)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_TAG, False):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(logging.DEBUG)
    redacting = RedactingFilter()

    if console is None:
        console = logging.StreamHandler()
        console.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    console.setLevel(console_level)
    console.addFilter(redacting)
    setattr(console, _HANDLER_TAG, True)
    root.addHandler(console)

    if log_file is not None:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            file_handler = logging.handlers.RotatingFileHandler(
                log_file, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
            )
        except OSError as exc:
            logging.getLogger(__name__).warning("Cannot write the log file %s: %s", log_file, exc)
        else:
            file_handler.setLevel(logging.DEBUG)
            file_handler.setFormatter(
                logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
            )
            file_handler.addFilter(redacting)
            setattr(file_handler, _HANDLER_TAG, True)
            root.addHandler(file_handler)
    for name in _NOISY:
        logging.getLogger(name).setLevel(logging.WARNING)
    # urllib3 warns about each connection retry ("Retrying (Retry(total=4 ...)) after connection
    # broken by NewConnectionError ..."); PlexMix reports the outcome itself, so only --verbose
    # and --debug show those.
    level = logging.getLevelName(console_level) if isinstance(console_level, str) else console_level
    logging.getLogger("urllib3").setLevel(logging.WARNING if level == logging.DEBUG else logging.ERROR)
