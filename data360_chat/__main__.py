"""Command line: `python -m data360_chat {serve,migrate,ask,build-frontend} ...`."""

from __future__ import annotations

import argparse
import sys

from data360_chat.commands import ask, migrate, prebuilt, serve


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run the chosen command; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m data360_chat", description="Data360 Chat")
    commands = parser.add_subparsers(dest="command", required=True)
    for module in (serve, migrate, ask, prebuilt):
        module.register(commands)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
