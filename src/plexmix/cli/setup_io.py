"""The setup wizard's questions and answers on a terminal (Rich console, secrets without echo)."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console

from plexmix.errors import UsageError


@dataclass
class ConsoleIO:
    """``ask``/``say`` on a Rich console; secrets are typed without echo."""

    console: Console

    def ask(self, question: str, default: str | None = None, secret: bool = False) -> str:
        from rich.markup import escape
        from rich.text import Text

        suffix = f" [dim]\\[{escape(default)}][/]" if default and not secret else ""
        try:
            # A Text (not a str) is printed without Rich's highlighting of URLs, numbers and brackets.
            prompt = Text.from_markup(f"[bold cyan]?[/] {escape(question)}{suffix}: ")
            if secret:
                # getpass writes the prompt after turning echo off: no moment where a paste shows.
                import getpass

                with self.console.capture() as captured:
                    self.console.print(prompt, end="")
                answer = getpass.getpass(captured.get())
            else:
                answer = self.console.input(prompt)
        except EOFError:
            raise UsageError(
                "The setup needs answers, but the input ended.",
                hint="Run `plexmix config init` in a terminal.",
            ) from None
        except KeyboardInterrupt:
            self.console.print()  # end the prompt's line: what follows starts on a line of its own
            raise
        return answer if answer.strip() or default is None else default

    def say(self, text: str) -> None:
        self.console.print(text, highlight=False)
