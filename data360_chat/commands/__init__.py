"""The command-line commands; each module has `register(subparsers)` and a `run(args) -> int`."""
