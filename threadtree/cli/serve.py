"""``threadtree serve``: its options and its command (the viewer itself is :mod:`threadtree.serve`,
imported only when the command runs)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

__all__ = ["add_serve", "cmd_serve"]


def _port(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535, not {number}")
    return number


def add_serve(command: Callable[..., argparse.ArgumentParser]) -> None:
    """The ``serve`` subcommand."""
    sub = command(
        "serve", cmd_serve, "look at the trees in a web browser: a local viewer (pip install 'threadtree[serve]')"
    )
    sub.add_argument("--port", type=_port, default=8423, metavar="N", help="the port (default 8423; 0: any free port)")
    sub.add_argument(
        "--host",
        default="127.0.0.1",
        metavar="ADDR",
        help="the address to listen on (default 127.0.0.1; another needs the access token printed at start)",
    )
    sub.add_argument("--open", action="store_true", help="open the viewer in the default web browser")
    sub.add_argument(
        "--write",
        action="store_true",
        help="let the page switch branches, label, fork and append (the file is opened read-only without it)",
    )


def cmd_serve(store: Any, args: argparse.Namespace, out: Any) -> int:
    from ..serve import serve

    serve(store, host=args.host, port=args.port, write=args.write, open_browser=args.open)
    return 0
