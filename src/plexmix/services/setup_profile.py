"""``plexmix config init --server NAME``: add (or update) a named server profile.

The same first steps as the full set-up (address, token, music library, checked by connecting),
stored as ``servers.NAME`` in config.yaml with the token in the keyring as ``plex_token@NAME``;
the AI, embedding and data-folder answers of the main set-up are kept as they are.
"""

from __future__ import annotations

from typing import Any

from plexmix.config.profiles import check_name, token_secret
from plexmix.services.setup import SetupWizard, WizardResult


class ProfileWizard(SetupWizard):
    """The set-up of one more Plex server, as the profile ``name``."""

    STEPS = 4

    def __init__(self, *args: Any, name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name = check_name(name)
        self.TOKEN = token_secret(self.name)
        self.URL_KEY = f"servers.{self.name}.url"

    def _ask_and_save(self) -> WizardResult:
        self.say(f"[bold]Adding the Plex server profile '{self.name}'[/] (use it with --server {self.name}).")
        client = self.connect_plex()
        with client:
            self.values[f"servers.{self.name}.libraries"] = [self.choose_library(client).title]
        return self.save_profile()

    def save_profile(self) -> WizardResult:
        self._step(3, "Save")
        return self._write()

    def offer_sync(self) -> bool:
        self._step(4, "First sync")
        return self._yes_no(f"Sync the server '{self.name}' now?", True)
