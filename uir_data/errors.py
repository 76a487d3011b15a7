"""Error types the CLI turns into one clear sentence and a non-zero exit (a traceback only with --debug)."""

from __future__ import annotations


class UirError(Exception):
    """Base of every user-facing error; the message names the file and the fix."""

    exit_code = 1


class UsageError(UirError):
    """Bad arguments or an impossible request (exit 2, like a usage error)."""

    exit_code = 2
