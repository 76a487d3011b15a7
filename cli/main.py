"""The `uir` command: a thin typer app that parses, calls the library and renders with rich.

Each sub-command lives in its own module exposing `command`; heavy libraries (torch, datasets) are
imported inside the commands, so `uir --help` and the data commands start fast.
"""

from __future__ import annotations

import errno
import importlib
import sys

import typer

from cli.output import print_error, stdout
from uir_data.errors import UirError

app = typer.Typer(
    name="uir",
    help="Build, verify and publish paired image-restoration datasets; pre-train with MaskDCPT.",
    no_args_is_help=True,
    # --install-completion / --show-completion for bash, zsh, fish and PowerShell.
    add_completion=True,
    pretty_exceptions_enable=False,
    # Plain click help: rich help would read option texts such as `ray[default]` as markup.
    rich_markup_mode=None,
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
    "convert-checkpoint": "cli.convert_checkpoint",
    "plot": "cli.plot",
}

_state = {"debug": False}

# Optional dependencies -> the extra of pyproject.toml that installs them.
EXTRAS = {"torch": "train", "safetensors": "train", "huggingface_hub": "hub", "datasets": "hub", "ray": "ray"}
OWN_PACKAGES = ("uir", "uir_data", "maskdcpt", "cli")


def _print_version(value: bool) -> None:
    if value:
        from uir_data import __version__

        stdout.print(f"uir {__version__}")
        raise typer.Exit()


@app.callback()
def _global_options(
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks on errors."),
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", is_eager=True, callback=_print_version
    ),
) -> None:
    _state["debug"] = debug


def _register_commands() -> None:
    for name, module_name in COMMANDS.items():
        app.command(name)(importlib.import_module(module_name).command)


_register_commands()


def _describe_os_error(error: OSError) -> tuple[str, int]:
    """One sentence naming the file and the fix for the OS errors a user can cause or solve."""
    where = error.filename if error.filename is not None else "a file"
    if isinstance(error, (FileExistsError, NotADirectoryError)):
        return (f"{where}: a file is in the way where a folder is needed; choose another output path "
                "(or move the file away)"), 2
    if isinstance(error, IsADirectoryError):
        return f"{where}: is a folder where a file is needed; pass a file path", 2
    if isinstance(error, PermissionError):
        return f"{where}: permission denied; choose a location you can write to, or fix its permissions", 1
    if error.errno == errno.ENOSPC:
        return (f"no space left on the device while writing {where}; free some space and rerun the same "
                "command (finished work is kept)"), 1
    return f"{where}: {error.strerror or error} (rerun with --debug for a traceback)", 1


def main(argv: list[str] | None = None, prog_name: str = "uir") -> int:
    """Entry point of the `uir` console script (and `python -m uir`); returns the exit code."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        # Without standalone mode click returns a command's typer.Exit code instead of raising it.
        result = app(args=args, prog_name=prog_name, standalone_mode=False)
    except UirError as error:
        if _state["debug"] or debug:
            raise
        print_error(str(error))
        return error.exit_code
    except typer.Exit as done:
        return done.exit_code
    except KeyboardInterrupt:
        print_error("interrupted")
        return 130
    except typer.TyperException as error:
        # Bad or missing option, unknown command: the usage line and exit 2. typer (>= 0.26) raises these
        # from its own copy of click, so click's classes would not match them; 0.28 made the base public.
        show = getattr(error, "show", None)
        if show is not None:
            show()
        else:
            print_error(error.format_message())
        return error.exit_code
    except typer.Abort:
        return 130
    except ModuleNotFoundError as error:
        missing = (error.name or "").partition(".")[0]
        if _state["debug"] or debug:
            raise
        if not missing or missing in OWN_PACKAGES:  # a broken install, not an optional dependency
            print_error(f"{type(error).__name__}: {error} (rerun with --debug for a traceback)")
            return 1
        extra = EXTRAS.get(missing)
        fix = f"pip install 'uir[{extra}]'" if extra else f"pip install {missing}"
        print_error(f"this command needs {missing}, which is not installed: {fix}")
        return 1
    except OSError as error:
        if _state["debug"] or debug:
            raise
        message, code = _describe_os_error(error)
        print_error(message)
        return code
    except Exception as error:  # anything unexpected
        if _state["debug"] or debug:
            raise
        print_error(f"{type(error).__name__}: {error} (rerun with --debug for a traceback)")
        return 1
    return result if isinstance(result, int) else 0


if __name__ == "__main__":
    sys.exit(main())
