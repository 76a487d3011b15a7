"""`python -m uir …` runs the `uir` command (useful where the console script is not on PATH)."""

import sys

from cli.main import main

sys.exit(main(prog_name="uir"))
