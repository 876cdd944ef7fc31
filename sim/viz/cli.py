"""``lean-sim-viz``: start the browser app (``sim.app``) on a local port.

Listens on 127.0.0.1 only unless told otherwise (the app runs models on request, so it should
not be reachable from the network by accident). Solara's usage telemetry is switched off
unless the environment switches it on, and the server runs in production mode (no reloader).
Before starting, the browser's JavaScript and CSS are fetched once from the npm registry if
they are missing (``sim.viz.assets``), so the page also works where jsDelivr is unreachable.
"""

from __future__ import annotations

import argparse
import os
import sys

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port={text!r}: not a whole number") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port={text!r}: allowed are 0 to 65535 (0 = any free)")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lean-sim-viz",
        description="Watch and steer one organization in the browser (Mesa SolaraViz).",
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})"
    )
    parser.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    parser.add_argument(
        "--open", action="store_true", help="open the page in the default web browser"
    )
    return parser


def solara_arguments(args: argparse.Namespace) -> list[str]:
    """The ``solara`` command line that serves ``sim.app`` with these options."""
    return [
        "run",
        "sim.app",
        "--host",
        args.host,
        "--port",
        str(args.port),
        "--production",
        "--open" if args.open else "--no-open",
    ]


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    os.environ.setdefault("SOLARA_THEME_SHOW_BANNER", "false")  # it covered the lower plot
    from solara.__main__ import cli  # heavy import, after the arguments are known good

    from sim.viz import assets

    try:
        assets.fetch(log=lambda line: print(f"lean-sim-viz: {line}", flush=True))
    except OSError as err:  # solara still tries the jsDelivr CDN itself
        print(f"lean-sim-viz: warning: {err}; the page needs cdn.jsdelivr.net then", flush=True)

    print(f"lean-sim-viz: serving on http://{args.host}:{args.port} (Ctrl+C stops)", flush=True)
    sys.exit(cli.main(args=solara_arguments(args), prog_name="lean-sim-viz"))


if __name__ == "__main__":
    main()
