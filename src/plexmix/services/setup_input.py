"""Reading the setup wizard's answers: parsers that explain what is wrong, and terminal I/O.

Each ``parse_*`` function returns the cleaned value or raises :class:`AnswerError` whose message is
shown to the user before the question is asked again.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

URL_EXAMPLE = "http://192.168.1.10:32400"
DEFAULT_LOCAL_URL = "http://localhost:11434/v1"
DEFAULT_LOCAL_MODEL = "llama3.1"
_TOKEN_IN_URL = re.compile(r"X-Plex-Token=([^&\s#]+)", re.IGNORECASE)


class AnswerError(ValueError):
    """An answer that must be asked again; the message says why."""


# -- answer parsers (raise AnswerError with the reason) ------------------------------------------------
def parse_plex_url(text: str) -> str:
    value = text.strip().rstrip("/")
    if not value:
        raise AnswerError(f"Enter the server address, e.g. {URL_EXAMPLE}")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or "://" not in value:
        raise AnswerError(f"The address must start with http:// or https://, e.g. {URL_EXAMPLE}")
    try:
        port = parts.port
    except ValueError:
        raise AnswerError(f"The port must be a number from 1 to 65535, e.g. {URL_EXAMPLE}") from None
    if not parts.hostname or " " in value or port == 0:
        raise AnswerError(f"'{value}' is not a server address; use http(s)://HOST:PORT, e.g. {URL_EXAMPLE}")
    if parts.query or parts.fragment or parts.username:
        raise AnswerError("Enter only the server address (no ?query or user:password@), e.g. " + URL_EXAMPLE)
    return value


def parse_token(text: str) -> str:
    value = text.strip()
    found = _TOKEN_IN_URL.search(value)
    if found:  # the whole View-XML address was pasted
        value = found.group(1)
    if not value:
        raise AnswerError("The token cannot be empty.")
    if any(c.isspace() for c in value) or len(value) < 8:
        raise AnswerError("That does not look like a Plex token (about 20 letters, digits, - and _).")
    return value


def parse_api_key(text: str) -> str:
    value = text.strip()
    if value and (any(c.isspace() for c in value) or len(value) < 10):
        raise AnswerError("That does not look like an API key (one word of 10+ characters); paste it again.")
    return value


def parse_yes_no(text: str) -> bool:
    value = text.strip().lower()
    if value in ("y", "yes"):
        return True
    if value in ("n", "no"):
        return False
    raise AnswerError("Please answer y or n.")


def parse_choice(text: str, options: list[str]) -> str:
    """An option by its 1-based number or (case-insensitive) name."""
    value = text.strip()
    if value.isdigit() and 1 <= int(value) <= len(options):
        return options[int(value) - 1]
    by_name = {option.lower(): option for option in options}
    if value.lower() in by_name:
        return by_name[value.lower()]
    raise AnswerError(f"Choose a number from 1 to {len(options)}.")


def parse_folder(text: str) -> Path:
    value = text.strip()
    if not value:
        raise AnswerError("Enter a folder path.")
    path = Path(value).expanduser().resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".plexmix-write-test"
        probe.write_text("ok", encoding="utf-8")
        probe.unlink()
    except OSError as exc:
        raise AnswerError(f"PlexMix cannot write to {path} ({exc.strerror or type(exc).__name__}).") from None
    return path


def escape(text: str) -> str:
    """``text`` made safe inside the wizard's markup: ``[`` never opens a style tag."""
    return re.sub(r"(\\*)\[", lambda m: m.group(1) * 2 + "\\[", text)


def parse_http_url(text: str) -> str:
    value = text.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AnswerError(f"Use an http(s) address, e.g. {DEFAULT_LOCAL_URL}")
    return value


def parse_word(text: str) -> str:
    value = text.strip()
    if not value or any(c.isspace() for c in value):
        raise AnswerError(f"Enter a model name without spaces, e.g. {DEFAULT_LOCAL_MODEL}")
    return value
