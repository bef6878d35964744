"""Registers the command groups that exist (a command is added only when it works)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    from plexmix.cli import (
        config_cmd,
        create,
        demo,
        embeddings_cmd,
        import_cmd,
        listing,
        mcp_cmd,
        play,
        radio,
        refresh,
        schedule,
        search,
        sync,
        templates,
        web_cmd,
    )
    from plexmix.cli.errors import PlexMixCommand

    app.add_typer(config_cmd.app, name="config")
    app.add_typer(sync.app, name="sync")
    app.add_typer(embeddings_cmd.app, name="embeddings")
    app.command("create", cls=PlexMixCommand)(create.create)
    app.command("search", cls=PlexMixCommand)(search.search)
    app.command("radio", cls=PlexMixCommand)(radio.radio)
    app.command("journey", cls=PlexMixCommand)(radio.journey)
    app.command("refresh", cls=PlexMixCommand)(refresh.refresh)
    app.command("extend", cls=PlexMixCommand)(refresh.extend)
    import_cmd.register(app)  # import, copy
    app.add_typer(listing.app, name="list")
    app.add_typer(schedule.app, name="schedule")
    app.add_typer(templates.app, name="templates")
    app.command("demo")(demo.demo)
    app.command("players")(play.players)
    app.command("play", cls=PlexMixCommand)(play.play)
    app.command("web")(web_cmd.web)
    app.command("mcp")(mcp_cmd.mcp)
