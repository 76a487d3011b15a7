"""The `uir` command: a thin typer app that parses, calls the library and renders with rich.

Each sub-command lives in its own module exposing `command`; heavy libraries (torch, datasets) are
imported inside the commands, so `uir --help` and the data commands start fast.
"""

from __future__ import annotations

import importlib
import sys

import typer

from cli.output import stderr
from uir_data.errors import UirError

app = typer.Typer(
    name="uir",
    help="Build, verify and publish paired image-restoration datasets; pre-train with MaskDCPT.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# command name -> module (each exposes `command`). Order is the order of `uir --help`.
COMMANDS: dict[str, str] = {
    "build-dataset": "cli.build_dataset",
    "verify-manifest": "cli.verify_manifest",
    "degradations": "cli.degradations",
    "sources": "cli.sources",
    "gallery": "cli.gallery",
    "push-to-hub": "cli.push_to_hub",
    "train": "cli.train",
    "evaluate": "cli.evaluate",
    "restore": "cli.restore",
}

_state = {"debug": False}


@app.callback()
def _global_options(
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
) -> None:
    _state["debug"] = debug


def _register_commands() -> None:
    for name, module_name in COMMANDS.items():
        app.command(name)(importlib.import_module(module_name).command)


_register_commands()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `uir` console script; returns the exit code."""
    args = sys.argv[1:] if argv is None else argv
    try:
        # Without standalone mode click returns a command's typer.Exit code instead of raising it.
        result = app(args=args, standalone_mode=False)
    except UirError as error:
        if _state["debug"] or "--debug" in args:
            raise
        stderr.print(f"[bold red]error:[/] {error}", highlight=False)
        return error.exit_code
    except typer.Exit as done:
        return done.exit_code
    except KeyboardInterrupt:
        stderr.print("[bold red]interrupted[/]")
        return 130
    except Exception as error:  # click usage errors and anything unexpected
        import click

        if isinstance(error, click.exceptions.ClickException):
            error.show()
            return error.exit_code
        if isinstance(error, click.exceptions.Abort):
            return 130
        if _state["debug"] or "--debug" in args:
            raise
        stderr.print(f"[bold red]error:[/] {type(error).__name__}: {error} (rerun with --debug for a traceback)")
        return 1
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
