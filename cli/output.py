"""Shared output conventions: results on stdout (rich table or JSON), progress and logs on stderr.

Both consoles print text literally (markup and highlighting off): messages carry user data (paths,
package specs such as `ray[default]`) that rich would otherwise read as markup, dropping `[red]` from
a path or crashing on `[/x]`. Styling is applied explicitly with `labelled` / rich `Text`.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

stdout = Console(soft_wrap=True, markup=False, highlight=False)
stderr = Console(stderr=True, soft_wrap=True, markup=False, highlight=False)


def labelled(label: str, style: str, message: str) -> Text:
    """`label message` with only the label styled; the message is never parsed as markup."""
    return Text.assemble((label, style), " ", message)


def print_error(message: str) -> None:
    """One error sentence on stderr, prefixed `error:`."""
    stderr.print(labelled("error:", "bold red", message))


def print_warning(label: str, message: str) -> None:
    """A non-fatal problem on stderr (`skipped: FILE: why`), the label in yellow."""
    stderr.print(labelled(label, "yellow", message))


def print_json(payload: Any) -> None:
    """Machine-readable result on stdout, nothing else on that stream."""
    sys.stdout.write(json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n")
    sys.stdout.flush()


class _Progress(Progress):
    def stop(self) -> None:
        # rich < 15 prints an empty line when a disabled bar stops; a log should get nothing at all.
        if not self.disable:
            super().stop()


def progress_bar(description: str = "working") -> Progress:
    """A progress bar on stderr; hidden when stderr is not a terminal (logs get no bar drawings)."""
    return _Progress(
        # The description is ours, but keep it literal too: a caller may put a file name in it.
        TextColumn("{task.description}", style="bold", markup=False),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=stderr,
        transient=False,
        disable=not stderr.is_terminal,
    )
