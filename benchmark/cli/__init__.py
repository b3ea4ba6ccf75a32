"""The `mattebench` command line: click commands only (parse, call the library, print).

The group and its lazy loader live in :mod:`benchmark.cli.main`; each subcommand has its own
module here, imported only when invoked.
"""

from benchmark.cli.main import cli

__all__ = ["cli"]
