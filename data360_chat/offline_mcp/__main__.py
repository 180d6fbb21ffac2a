"""`python -m data360_chat.offline_mcp --host 127.0.0.1 --port PORT [--data FOLDER] [--stdio]`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import anyio
import uvicorn

from data360_chat.offline_mcp.catalogue import load_catalogue
from data360_chat.offline_mcp.server import build_http_app, build_server
from data360_chat.offline_mcp.tools import OfflineData360
from data360_chat.settings import get_settings


def main(argv: list[str] | None = None) -> int:
    """Load the bundle and serve it until stopped."""
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m data360_chat.offline_mcp", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="Interface to listen on.")
    parser.add_argument("--port", type=int, default=8360, help="Port to listen on.")
    parser.add_argument("--data", type=Path, default=settings.data360_offline_data, help="Data bundle folder.")
    parser.add_argument("--stdio", action="store_true", help="Serve over stdin/stdout instead of HTTP.")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        catalogue = load_catalogue(args.data)
    except (OSError, ValueError) as exc:
        print(f"error: cannot load the data bundle: {exc}", file=sys.stderr)
        return 1
    public_url = f"http://{args.host}:{args.port}"
    data = OfflineData360(catalogue, public_url)
    print(
        f"Offline Data360: {len(catalogue.indicators)} indicators from {args.data} "
        f"in {time.monotonic() - started:.1f} s",
        file=sys.stderr,
    )
    if args.stdio:
        anyio.run(build_server(data).run_stdio_async)
        return 0
    app = build_http_app(data, args.host, settings.mcp_allowed_hosts)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
