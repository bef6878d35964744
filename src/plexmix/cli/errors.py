"""The one place where library errors become a message, a hint and an exit code."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup

from plexmix.errors import PlexMixError

log = logging.getLogger("plexmix.cli")
INTERRUPTED_EXIT = 130


def _usage_error(exc: BaseException) -> bool:
    """A bad command line: Click's ``UsageError``, which Typer vendors in a private module, so it is
    recognised by name. ``NoArgsIsHelpError`` is left alone: it prints the help."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    return "UsageError" in names and "NoArgsIsHelpError" not in names and hasattr(exc, "format_message")


def _debug_requested(ctx: Any) -> bool:
    obj = ctx.find_root().obj
    return bool(getattr(obj, "debug", False))


def _show_traceback(ctx: Any, exc: BaseException) -> bool:
    """True with --debug (the caller re-raises): then secrets are first cut out of the messages."""
    if not _debug_requested(ctx):
        return False
    from plexmix.utils.logging import redact

    pending, seen = [exc], set()
    while pending:  # the exception and its causes, as the traceback will print them
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        current.args = tuple(redact(a) if isinstance(a, str) else a for a in current.args)
        for name in ("message", "hint"):
            value = getattr(current, name, None)
            if isinstance(value, str):
                with contextlib.suppress(AttributeError):
                    setattr(current, name, redact(value))
        pending += [e for e in (current.__cause__, current.__context__) if e is not None]
    return True


def report_error(message: str, hint: str | None = None) -> None:
    from rich.console import Console
    from rich.markup import escape

    from plexmix.utils.logging import redact

    console = Console(stderr=True, highlight=False)
    console.print(f"[bold red]Error:[/] {escape(redact(message))}")
    if hint:
        console.print(f"[dim]Hint:[/] {escape(redact(hint))}")


class PlexMixGroup(TyperGroup):
    """Catches PlexMix errors, bad command lines and Ctrl+C for every command below it."""

    def make_context(self, info_name: Any, args: Any, parent: Any = None, **extra: Any) -> Any:
        """Global options are parsed here, before :meth:`invoke`: same rendering for their errors."""
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except typer.TyperException as exc:  # Click's errors derive from it
            if not _usage_error(exc):
                raise
            report_error(exc.format_message(), f"See `{info_name or 'plexmix'} --help`.")
            raise typer.Exit(exc.exit_code) from None

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except PlexMixError as exc:
            log.debug("command failed", exc_info=True)
            if _show_traceback(ctx, exc):
                raise
            report_error(exc.message, exc.hint)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            if _debug_requested(ctx):
                raise
            report_error("Interrupted.", "Nothing already saved was lost; run the command again to resume.")
            raise typer.Exit(INTERRUPTED_EXIT) from None
        except typer.TyperException as exc:  # Click's errors derive from it
            if not _usage_error(exc) or _show_traceback(ctx, exc):
                raise
            # a bad option value, a missing argument, an unknown command
            where = exc.ctx.command_path if getattr(exc, "ctx", None) is not None else "plexmix"  # type: ignore[attr-defined]
            report_error(exc.format_message(), f"See `{where} --help`.")
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            log.debug("unexpected error", exc_info=True)
            if _show_traceback(ctx, exc):
                raise
            report_error(
                f"Unexpected error: {type(exc).__name__}: {exc}",
                "Run again with --debug for the full traceback, and please report it.",
            )
            raise typer.Exit(1) from None


class PlexMixCommand(TyperCommand):
    """A command whose arguments show as plain names: ``plexmix create [OPTIONS] MOOD`` and
    ``MOOD  The mood...`` (Typer's own style is ``{MOOD}`` and ``MOOD <str>``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for param in self.params:
            if isinstance(param, TyperArgument):
                param.display_type_rich = _no_type  # type: ignore[method-assign]

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if isinstance(param, TyperArgument):
                name = param.metavar or (param.name or "").upper()
                pieces.append(name if param.required or name.startswith("[") else f"[{name}]")
        return pieces


def _no_type(ctx: Any) -> None:
    return None
