from __future__ import annotations

import logging
from pathlib import Path

from plexmix.utils.logging import redact, register_secret, setup_logging


def test_token_passed_through_a_log_call_never_reaches_the_file(tmp_path: Path) -> None:
    log_file = tmp_path / "plexmix.log"
    token = "Zq9xPlexTok3nValue"
    setup_logging(logging.WARNING, log_file, secrets=[token])
    log = logging.getLogger("plexmix.test")
    log.info("connecting with token %s", token)
    log.debug("GET http://nas:32400/library?X-Plex-Token=%s", "UnknownTok999")
    log.info("header x-goog-api-key: AIzaSyDUMMYDUMMYDUMMYDUMMY12")
    log.info("openai key sk-proj-abcdefghijklmnopqrstuvwxyz")
    try:
        raise RuntimeError(f"server said no to {token}")
    except RuntimeError:
        log.exception("failure")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = log_file.read_text()
    assert "connecting with token [REDACTED]" in text
    assert token not in text
    assert "UnknownTok999" not in text
    assert "AIzaSyDUMMY" not in text
    assert "sk-proj-abcdefghijkl" not in text
    assert "failure" in text and "RuntimeError" in text


def test_redact_leaves_ordinary_text_alone() -> None:
    register_secret("abc")  # too short to be a secret: ignored
    assert redact("prompt_tokens=120, 3 tracks by abc") == "prompt_tokens=120, 3 tracks by abc"
