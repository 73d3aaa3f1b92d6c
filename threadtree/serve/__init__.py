"""``threadtree serve``: a local web viewer of the conversation trees (the ``serve`` extra).

:func:`serve` runs the Starlette application of :mod:`.app` in uvicorn over one open
:class:`threadtree.Store`; :mod:`.data` builds its JSON answers from the Store's public calls;
``static/`` holds the page, its script and its style (no CDN, no build step). Nothing here is
imported by ``import threadtree`` or by the other commands: Starlette and uvicorn load when a
viewer starts.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket
import sys
import threading
from typing import TYPE_CHECKING, TextIO

from ..errors import ThreadTreeError

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["is_loopback", "serve"]


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (``localhost`` counts)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(
    store: Store,
    *,
    host: str = "127.0.0.1",
    port: int = 8423,
    write: bool = False,
    open_browser: bool = False,
    out: TextIO = sys.stdout,
) -> None:
    """Serve the viewer until interrupted, printing its URL first (port 0: any free port).

    :param write: enable the write endpoints, each guarded by a token the page gets from the
        server (the store must be open for writing).
    :raises ThreadTreeError: the serve extra is not installed, or the address cannot be bound.
    """
    try:
        import uvicorn

        from .app import make_app
    except ImportError as exc:
        raise ThreadTreeError(
            f"threadtree serve needs the serve extra: pip install 'threadtree[serve]' ({exc})"
        ) from None
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise ThreadTreeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(128)  # before the URL is printed: a request sent at once waits in the backlog
    port = sock.getsockname()[1]
    loopback = is_loopback(host)
    access = None if loopback else secrets.token_urlsafe(24)
    hosts = ["127.0.0.1", "localhost", "[::1]"] if loopback else ["*"]
    app = make_app(
        store, write=write, token=secrets.token_urlsafe(24) if write else None, hosts=hosts, access_token=access
    )
    shown = f"[{host.strip('[]')}]" if family == socket.AF_INET6 else host
    url = f"http://{shown}:{port}/" + (f"?token={access}" if access else "")
    mode = "read-write" if write else "read-only"
    print(f"threadtree serve: {url}  ({mode}; Ctrl-C stops it)", file=out, flush=True)
    if open_browser:
        import webbrowser

        threading.Timer(0.5, webbrowser.open, (url,)).start()
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])
