"""`python -m prospectr` runs the command-line interface."""

from prospectr.cli import main

main()
