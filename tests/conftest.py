"""Isolation for every test: a private PLEXMIX_HOME, no real keyring, no stray environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from datafiles import shared_data, using_bundled_data
from plexmix.config.loader import ENV_SETTINGS

_SECRET_VARS = ("PLEX_TOKEN", "GOOGLE_API_KEY", "OPENAI_API_KEY", "ANTHROPIC_API_KEY")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "plexmix-home"
    for var in (*ENV_SETTINGS, *_SECRET_VARS, "PLEXMIX_CONFIG"):
        monkeypatch.delenv(var, raising=False)
    for var in list(os.environ):
        if var.startswith("PLEXMIX_"):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PLEXMIX_HOME", str(home))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)
    return home


@pytest.fixture
def shared_data_dir() -> Path:
    """Real track CSVs: ../shared/data in CI, else rebuilt from the bundled demo tracks."""
    return shared_data()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``needs_shared_data`` count on the full data sets (sizes, particular artists);
    without ../shared/data beside the checkout they are skipped, and CI, which has it, runs them."""
    if not using_bundled_data():
        return
    skip = pytest.mark.skip(reason="needs the full data sets in ../shared/data (CI runs it)")
    for item in items:
        if "needs_shared_data" in item.keywords:
            item.add_marker(skip)
