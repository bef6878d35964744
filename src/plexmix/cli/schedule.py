"""``plexmix schedule install|show|remove``: a cron entry or systemd user timer for refreshes."""

from __future__ import annotations

import typer

from plexmix.cli.output import print_json
from plexmix.cli.state import get_state

app = typer.Typer(
    help="Refresh every saved playlist on a schedule (cron or a systemd user timer).\n\n"
    "Example: plexmix schedule install --at 06:30",
    no_args_is_help=True,
    rich_markup_mode=None,
)
KIND = typer.Option(None, "--kind", metavar="cron|systemd", help="Use this scheduler (default: the one found).")


@app.command("install")
def install(
    ctx: typer.Context,
    at: str = typer.Option("06:00", "--at", metavar="HH:MM", help="Time of day (hourly: the minute)."),
    every: str = typer.Option("daily", "--every", metavar="daily|weekly|hourly",
                              help="How often (weekly: on Mondays)."),
    kind: str | None = KIND,
    print_only: bool = typer.Option(False, "--print", help="Print the entry; change nothing."),
) -> None:
    """Install an entry that runs `plexmix refresh --all --sync` (sync, then refresh every playlist).

    It replaces PlexMix's earlier entry and leaves every other one alone. Output goes to
    $PLEXMIX_HOME/logs/refresh.log.

    Example: plexmix schedule install --at 06:30 --every daily
    """
    from plexmix.services.schedule import install_schedule, plan_schedule

    state = get_state(ctx)
    if print_only:
        plan = plan_schedule(state.context, at=at, every=every, kind=kind, print_only=True)
        typer.echo(plan.text())  # plain: an entry must not be wrapped or styled
        return
    plan = install_schedule(state.context, at=at, every=every, kind=kind)
    where = "crontab" if plan.kind == "cron" else f"systemd user timer in {plan.unit_dir}"
    state.out.print(f"[green]Installed[/] ({where}): {plan.timing.describe()}.", highlight=False)
    state.out.print(f"Log: {plan.job.log_path}", highlight=False, soft_wrap=True)
    state.out.print("See it with [bold]plexmix schedule show[/]; stop it with [bold]plexmix schedule remove[/].")


@app.command("show")
def show(
    ctx: typer.Context,
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
) -> None:
    """Show PlexMix's installed schedule: the crontab line or the systemd timer and its next run.

    Example: plexmix schedule show
    """
    from plexmix.services.schedule import show_schedule

    state = get_state(ctx)
    status = show_schedule()
    if as_json:
        print_json(status.as_dict())
        return
    if not status.entries:
        found = f" (this machine has {status.available})" if status.available else ""
        state.out.print(f"No PlexMix schedule is installed{found}. Add one with [bold]plexmix schedule install[/].")
        return
    for entry in status.entries:
        state.out.print(f"[bold]{entry.kind}[/] ({entry.where}): {entry.schedule or '?'}", highlight=False)
        if entry.next_run:
            state.out.print(f"Next run: {entry.next_run}", highlight=False)
        typer.echo(entry.entry)


@app.command("remove")
def remove(ctx: typer.Context, kind: str | None = KIND) -> None:
    """Remove PlexMix's entry (every other crontab line stays).

    Example: plexmix schedule remove
    """
    from plexmix.services.schedule import remove_schedule

    state = get_state(ctx)
    removed = remove_schedule(kind)
    if not removed:
        state.out.print("No PlexMix schedule was installed; nothing changed.")
        return
    for what in removed:
        state.out.print(f"[green]Removed[/] {what}", highlight=False, soft_wrap=True)
