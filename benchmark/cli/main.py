"""The `mattebench` command line: a thin layer over the library.

Subcommands live in ``benchmark/cli/<name>.py`` and are imported only when invoked, so
``mattebench --help`` never imports torch or numba. Library errors (``MattebenchError``) and
operating-system errors (``OSError``: read-only folder, full disk) become one line on stderr and
exit code 1; an interruption (SIGINT, or SIGTERM where the command turns it into one) becomes
one line and exit code 128 + the signal number.

Example:
    >>> from click.testing import CliRunner
    >>> CliRunner().invoke(cli, ["--help"]).exit_code
    0
"""

from __future__ import annotations

import importlib
import importlib.util
import signal

import click

from human2k.errors import MattebenchError

# name -> "module:attribute"; each module owns one command (or one group).
LAZY_COMMANDS: dict[str, str] = {
    "demo": "benchmark.cli.demo:demo",
    "eval": "benchmark.cli.eval:eval_cmd",
    "synth": "benchmark.cli.synth:synth",
    "perf": "benchmark.cli.perf:perf",
    "composite": "benchmark.cli.composite:composite",
    "trimap": "benchmark.cli.trimap:trimap",
    "datasets": "benchmark.cli.datasets:datasets",
    "human2k": "benchmark.cli.human2k:human2k",
    "models": "benchmark.cli.models:models",
    "score": "benchmark.cli.score:score",
    "train": "benchmark.cli.train:train",
    "leaderboard": "benchmark.cli.leaderboard:leaderboard",
    "report": "benchmark.cli.report:report",
    "serve": "benchmark.cli.serve:serve",
    "merge-shards": "benchmark.cli.merge_shards:merge_shards_cmd",
}


#: library parameter -> the name of the click parameter that carries it, where they differ.
LIBRARY_PARAM_ALIASES = {
    "out_dir": "out",
    "fmt": "format",
    "compress_level": "png_level",
    "allow_missing_preds": "allow_missing",
    "model_name": "model",
    "time_budget_s": "time_budget",
    "max_matte_pixels": "max_pixels",
}


def load_attr(target: str):
    """Import ``"pkg.module:attr"`` and return the attribute."""
    module_name, attr = target.split(":")
    return getattr(importlib.import_module(module_name), attr)


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use.

    Subclasses fill ``lazy_subcommands``; a missing module (a command not built yet) is simply
    not listed. Library errors are turned into ``click.ClickException`` here, once.
    """

    def __init__(self, *args, lazy_subcommands: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_subcommands = dict(lazy_subcommands or {})

    def _available(self) -> dict[str, str]:
        out = {}
        for name, target in self.lazy_subcommands.items():
            if importlib.util.find_spec(target.split(":")[0]) is not None:
                out[name] = target
        return out

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self._available()))

    def get_command(self, ctx, cmd_name):
        if cmd_name in self._available():
            return load_attr(self.lazy_subcommands[cmd_name])
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except MattebenchError as exc:
            flag = self._flag_of(ctx, exc.param)
            raise click.ClickException(f"{exc} (option {flag})" if flag else str(exc)) from None
        except OSError as exc:
            where = exc.filename if exc.filename is not None else None
            text = f"{where}: {exc.strerror}" if where and exc.strerror else str(exc)
            raise click.ClickException(text or type(exc).__name__) from None
        except KeyboardInterrupt as exc:
            signum = getattr(exc, "signum", signal.SIGINT)
            click.echo(
                f"Error: interrupted by {signal.Signals(signum).name}; finished work is kept "
                "(composite, score and train continue when the same command is run again)",
                err=True,
            )
            ctx.exit(128 + int(signum))

    def _flag_of(self, ctx, param: str | None) -> str | None:
        """The command-line option of the library parameter PARAM in the invoked command."""
        if not param or not ctx.invoked_subcommand:
            return None
        names = {param, LIBRARY_PARAM_ALIASES.get(param, param)}
        stack = [self.get_command(ctx, ctx.invoked_subcommand)]
        while stack:
            cmd = stack.pop()
            for p in cmd.params:
                if isinstance(p, click.Option) and p.name in names:
                    return max(p.opts, key=len)
            if isinstance(cmd, click.Group):
                stack += [cmd.get_command(ctx, n) for n in cmd.list_commands(ctx)]
        return None


@click.group(
    cls=LazyGroup,
    lazy_subcommands=LAZY_COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(package_name="mattebench")
def cli():
    """mattebench: build the matting benchmarks of TIMI-Net, score models with DIM-exact
    metrics, train TIMI-Net, and print leaderboards.

    \b
    Start here:
      mattebench demo                       # the whole pipeline on embedded synthetic data
      mattebench eval --pred P --gt G --trimap T --out scores.csv
      mattebench composite comp1k --adobe-root ... --voc-root ... --split test --out OUT
      mattebench score --model timinet --dataset OUT/test --out results
    """


def main():  # pragma: no cover - console entry point alias
    cli()
