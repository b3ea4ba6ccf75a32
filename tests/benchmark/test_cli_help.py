"""Every command and subcommand has help text and loads (sqlite-utils' pattern)."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from benchmark.cli.main import LAZY_COMMANDS, cli


def _all_commands():
    ctx = click.Context(cli)
    out = []
    for name in cli.list_commands(ctx):
        command = cli.get_command(ctx, name)
        out.append(((name,), command))
        if isinstance(command, click.Group):
            sub_ctx = click.Context(command)
            for sub in command.list_commands(sub_ctx):
                out.append(((name, sub), command.get_command(sub_ctx, sub)))
    return out


def test_every_planned_command_exists():
    ctx = click.Context(cli)
    assert set(cli.list_commands(ctx)) == set(LAZY_COMMANDS)


@pytest.mark.parametrize(
    "path,command", _all_commands(), ids=lambda v: " ".join(v) if isinstance(v, tuple) else ""
)
def test_help_text(path, command):
    assert command.help or command.short_help, f"mattebench {' '.join(path)} has no help text"
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_root_help_does_not_import_torch():
    import subprocess
    import sys

    code = "import sys; from benchmark.cli import cli; from click.testing import CliRunner; CliRunner().invoke(cli, ['--help']); print('torch' in sys.modules, 'numba' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["False", "False"]
