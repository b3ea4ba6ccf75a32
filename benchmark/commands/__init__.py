"""One module per `mattebench` subcommand; see ``benchmark.cli.LAZY_COMMANDS``."""
