"""The `uir` command's contract, run as a user runs it (a real subprocess): usage errors exit 2 with the
usage line, messages are printed literally (never as rich markup), --version, shell completion,
`python -m uir`, one sentence for OS errors and for missing optional packages."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from blocked_imports import run_uir

from uir_data import __version__

UIR = [sys.executable, "-m", "uir"]


def uir(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*UIR, *args], cwd=cwd, capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


@pytest.mark.parametrize(
    ("args", "usage", "message"),
    [
        (["build-dataset"], "Usage: uir build-dataset [OPTIONS]", "Error: Missing option '--out'."),
        (["verify-manifest", "x", "--nope"], "Usage: uir verify-manifest", "Error: No such option: --nope"),
        (["build-dataset", "--out", "d", "--workers", "two"], "Usage: uir build-dataset",
         "Error: Invalid value for '--workers'"),
        (["frobnicate"], "Usage: uir [OPTIONS] COMMAND [ARGS]...", "Error: No such command 'frobnicate'."),
    ],
    ids=["missing-option", "unknown-option", "bad-int", "unknown-command"],
)
def test_usage_errors_exit_2_with_the_usage_line(args: list[str], usage: str, message: str, tmp_path: Path):
    done = uir(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert usage in done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert list(tmp_path.iterdir()) == []  # nothing was built


@pytest.mark.parametrize("name", ["data[red]", "in[/x]side", "a[bold]b[/bold]"])
def test_paths_with_brackets_are_printed_literally(name: str, tmp_path: Path):
    done = uir("verify-manifest", name, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"error: {name}: no such file or folder" in done.stderr
    assert "MarkupError" not in done.stderr and "Traceback" not in done.stderr


def test_package_extras_in_messages_keep_their_brackets(tmp_path: Path):
    # Ray is made unimportable, so the ray executor refuses with its install hint.
    done = run_uir(["build-dataset", "--out", "d", "--executor", "ray", "--limit", "1"], ["ray"], tmp_path)
    assert done.returncode == 2, done.stderr
    assert "pip install 'ray[default]'" in done.stderr


def test_missing_optional_package_names_its_extra(tmp_path: Path):
    done = run_uir(["train", "--out", "run", "--preset", "tiny-cpu"], ["torch", "safetensors"], tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip() == "error: this command needs torch, which is not installed: pip install 'uir[train]'"


def test_version(tmp_path: Path):
    done = uir("--version", cwd=tmp_path)
    assert (done.returncode, done.stdout, done.stderr) == (0, f"uir {__version__}\n", "")


def test_console_script_is_the_same_command(tmp_path: Path):
    script = Path(sys.executable).with_name("uir")
    done = subprocess.run([str(script), "--version"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout) == (0, f"uir {__version__}\n")


def test_bash_completion_completes_commands_and_options(tmp_path: Path):
    # What the installed completion script does on <TAB>: call uir with the words typed so far.
    commands = uir(cwd=tmp_path, env={"_UIR_COMPLETE": "complete_bash", "COMP_WORDS": "uir bu", "COMP_CWORD": "1"})
    assert (commands.returncode, commands.stdout.split()) == (0, ["build-dataset"])
    options = uir(cwd=tmp_path, env={"_UIR_COMPLETE": "complete_bash", "COMP_WORDS": "uir verify-manifest --q",
                                     "COMP_CWORD": "2"})
    assert options.stdout.split() == ["--quick"]


def test_show_completion_prints_the_bash_script(tmp_path: Path):
    # The shell is detected from the parent process, so run uir from bash; a compound command keeps bash
    # from exec-ing uir in its place (the parent would then be whatever runs the tests, e.g. make's sh).
    command = " ".join([*UIR, "--show-completion"]) + "; exit $?"
    done = subprocess.run(["bash", "-c", command], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "complete -o default -F _uir_completion uir" in done.stdout
    assert "_UIR_COMPLETE=complete_bash" in done.stdout


@pytest.mark.parametrize(
    "args",
    [["build-dataset", "--out", "taken", "--limit", "1"], ["gallery", "taken/sheet.png", "--types", "GN"]],
    ids=["build-dataset", "gallery"],
)
def test_output_path_through_a_file_is_one_sentence(args: list[str], tmp_path: Path):
    (tmp_path / "taken").write_bytes(b"not a folder")
    done = uir(*args, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: "), done.stderr
    assert "taken" in done.stderr and "folder" in done.stderr
    assert (tmp_path / "taken").read_bytes() == b"not a folder"
