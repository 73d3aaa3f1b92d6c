"""The viewer's ASGI application (Starlette): JSON endpoints, the page and its safety rules.

Routes (every answer is JSON except the page and its two static files)::

    GET  /                               the page (static/index.html)
    GET  /static/app.js, /static/app.css its script and style (shipped in the wheel, no CDN)
    GET  /api/config                     {"write": bool, "token": str | None}
    GET  /api/threads?search=&offset=    a page of the thread list
    GET  /api/version?thread=ID          what changes when someone writes (the page polls it)
    GET  /api/thread/ID                  the thread and its labels
    GET  /api/thread/ID/path?to=&before= a page of a path (the live one by default)
    GET  /api/thread/ID/tree?around=&closed=   the tree laid out by threadtree.lanes.plan
    GET  /api/entry/N                    one entry in full
    GET  /api/search?q=&thread=          search every branch
    GET  /api/compare?a=&b=              two entries below their common ancestor
    POST /api/entry/N/switch|checkout|label|fork, /api/thread/ID/append   only with --write

Safety: message text is hostile. The page builds its DOM with ``textContent`` only, and every
response carries a strict Content-Security-Policy (scripts and styles from this server only,
no inline script, no frames, no forms posting elsewhere). Only the Host names of the address
bound are served (a DNS-rebinding page cannot read the API through its own name). Writes need
the token the page read from ``/api/config`` in an ``X-Threadtree-Token`` header, which a page
of another site can neither read nor send; a server bound to an address other than loopback
also needs the access token printed at start (as ``?token=`` once, then a same-site cookie).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from importlib.resources import files
from typing import Any
from urllib.parse import parse_qs

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import Busy, Conflict, InvalidInput, NotFound, ThreadTreeError
from ..store import Store
from . import data

__all__ = ["CSP", "make_app"]

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]
_STATUS = {NotFound: 404, InvalidInput: 400, Conflict: 409, Busy: 503}
ACCESS_COOKIE = "threadtree_access"

Scope = MutableMapping[str, Any]
ASGI = Callable[[Scope, Callable[[], Awaitable[Any]], Callable[[Any], Awaitable[None]]], Awaitable[None]]


def _json(value: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(value), status_code=status, media_type="application/json")


def _error(exc: ThreadTreeError) -> Response:
    status = next((code for kind, code in _STATUS.items() if isinstance(exc, kind)), 500)
    return _json({"error": type(exc).__name__, "message": str(exc)}, status)


def _int(request: Request, name: str, *, optional: bool = True) -> int | None:
    value = request.query_params.get(name)
    if value in (None, ""):
        if optional:
            return None
        raise InvalidInput(f"{name} is required")
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number, not {value!r}") from None


def _ints(request: Request, name: str) -> list[int]:
    """A comma-separated list of whole numbers (``closed=5,9``); absent or empty: none."""
    value = request.query_params.get(name) or ""
    try:
        return [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise InvalidInput(f"{name} must be whole numbers separated by commas, not {value!r}") from None


def make_app(
    store: Store,
    *,
    write: bool = False,
    token: str | None = None,
    hosts: list[str] | None = None,
    access_token: str | None = None,
) -> ASGI:
    """The viewer over ``store``.

    :param write: allow the write endpoints (the store must be open for writing).
    :param token: the write token the page gets from ``/api/config`` (required with ``write``).
    :param hosts: the Host names served (default: loopback names only).
    :param access_token: required on every request when set (a server bound beyond loopback).
    """
    if write and not token:
        raise ValueError("a writing viewer needs a token")

    def endpoint(fn: Callable[[Request], Any]) -> Callable[[Request], Response]:
        def run(request: Request) -> Response:
            try:
                return _json(fn(request))
            except ThreadTreeError as exc:
                return _error(exc)

        return run

    def writes(fn: Callable[[Request, dict[str, Any]], Any]) -> Callable[[Request], Awaitable[Response]]:
        async def run(request: Request) -> Response:
            if not write:
                return _json({"error": "ReadOnly", "message": "this viewer is read-only (start it with --write)"}, 403)
            given = request.headers.get("x-threadtree-token", "")
            if not hmac.compare_digest(given.encode(), (token or "").encode()):
                return _json({"error": "Forbidden", "message": "a write needs the page's token"}, 403)
            try:
                body = orjson.loads(await request.body())
                if not isinstance(body, dict):
                    raise InvalidInput("the request body must be a JSON object")
            except orjson.JSONDecodeError as exc:
                return _error(InvalidInput(f"the request body is not JSON: {exc}"))
            except ThreadTreeError as exc:
                return _error(exc)
            from starlette.concurrency import run_in_threadpool

            try:
                return _json(await run_in_threadpool(fn, request, body))
            except ThreadTreeError as exc:
                return _error(exc)

        return run

    def path_id(request: Request) -> int:
        try:
            return int(request.path_params["entry"])
        except ValueError:
            raise InvalidInput(f"an entry id is a whole number, not {request.path_params['entry']!r}") from None

    def expected(body: dict[str, Any]) -> Any:
        if "expected_leaf_id" not in body:
            raise InvalidInput("expected_leaf_id is required: the leaf the page showed")
        return body["expected_leaf_id"]

    def index(request: Request) -> Response:
        page = (files("threadtree.serve") / "static" / "index.html").read_bytes()
        return Response(page, media_type="text/html; charset=utf-8")

    routes = [
        Route("/", index),
        Route("/favicon.ico", lambda r: Response(status_code=204)),
        Route("/api/config", endpoint(lambda r: {"write": write, "token": token if write else None})),
        Route(
            "/api/threads",
            endpoint(lambda r: data.threads(store, search=r.query_params.get("search"), offset=_int(r, "offset") or 0)),
        ),
        Route("/api/version", endpoint(lambda r: data.version(store, r.query_params.get("thread") or None))),
        Route("/api/thread/{thread}", endpoint(lambda r: data.thread(store, r.path_params["thread"]))),
        Route(
            "/api/thread/{thread}/path",
            endpoint(lambda r: data.path(store, r.path_params["thread"], to=_int(r, "to"), before=_int(r, "before"))),
        ),
        Route(
            "/api/thread/{thread}/tree",
            endpoint(
                lambda r: data.tree(
                    store,
                    r.path_params["thread"],
                    around=_int(r, "around"),
                    collapse=_int(r, "collapse") or None if "collapse" in r.query_params else 3,
                    hidden=r.query_params.get("hidden") == "1",
                    closed=_ints(r, "closed"),
                )
            ),
        ),
        Route("/api/entry/{entry}", endpoint(lambda r: data.entry(store, path_id(r)))),
        Route(
            "/api/search",
            endpoint(
                lambda r: data.search(
                    store, r.query_params.get("q", ""), thread_id=r.query_params.get("thread") or None
                )
            ),
        ),
        Route(
            "/api/compare",
            endpoint(lambda r: data.compare(store, _int(r, "a", optional=False), _int(r, "b", optional=False))),  # type: ignore[arg-type]
        ),
        Route(
            "/api/entry/{entry}/switch",
            writes(lambda r, b: _leaf(store.switch(path_id(r), expected_leaf_id=expected(b)))),
            methods=["POST"],
        ),
        Route(
            "/api/entry/{entry}/checkout",
            writes(lambda r, b: _leaf(store.checkout(path_id(r), expected_leaf_id=expected(b)))),
            methods=["POST"],
        ),
        Route(
            "/api/entry/{entry}/label",
            writes(lambda r, b: {"entry_id": store.set_label(path_id(r), _field(b, "name")).entry_id}),
            methods=["POST"],
        ),
        Route(
            "/api/entry/{entry}/fork",
            writes(
                lambda r, b: _leaf(
                    store.fork(path_id(r), _field(b, "role"), _field(b, "content"), expected_leaf_id=expected(b))
                )
            ),
            methods=["POST"],
        ),
        Route(
            "/api/thread/{thread}/append",
            writes(
                lambda r, b: _leaf(
                    store.append(
                        r.path_params["thread"], _field(b, "role"), _field(b, "content"), expected_leaf_id=expected(b)
                    )
                )
            ),
            methods=["POST"],
        ),
        Mount("/static", StaticFiles(packages=[("threadtree.serve", "static")]), name="static"),
    ]
    app = Starlette(routes=routes)
    return _guard(app, hosts or ["127.0.0.1", "localhost", "[::1]"], access_token)


def _field(body: dict[str, Any], name: str) -> Any:
    """A field of a write's JSON body; a missing one is None, which the Store refuses by name."""
    return body.get(name)


def _leaf(entry: Any) -> dict[str, Any]:
    return {"leaf_id": entry.id, "thread_id": entry.thread_id}


def _guard(app: ASGI, hosts: list[str], access_token: str | None) -> ASGI:
    """Security headers on every response; the Host check; the access token."""

    async def guarded(scope: Scope, receive: Callable[[], Awaitable[Any]], send: Callable[[Any], Awaitable[None]]):
        if scope["type"] != "http":
            return await app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if "*" not in hosts and name not in hosts:
            return await _plain(f"this viewer does not serve the host name {name!r}", 400)(scope, receive, send)
        set_cookie = None
        if access_token is not None:
            given = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [""])[0]
            cookie = SimpleCookie(headers.get("cookie", ""))
            held = cookie[ACCESS_COOKIE].value if ACCESS_COOKIE in cookie else ""
            if hmac.compare_digest(given.encode(), access_token.encode()):
                set_cookie = f"{ACCESS_COOKIE}={access_token}; HttpOnly; SameSite=Strict; Path=/".encode()
            elif not hmac.compare_digest(held.encode(), access_token.encode()):
                return await _plain("this viewer needs the access token it printed at start (?token=...)", 401)(
                    scope, receive, send
                )

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *_HEADERS]
                if set_cookie:
                    message["headers"].append((b"set-cookie", set_cookie))
            await send(message)

        await app(scope, receive, send_with_headers)

    def _plain(text: str, status: int) -> Response:
        response = PlainTextResponse(text, status_code=status)
        response.headers.update({k.decode(): v.decode() for k, v in _HEADERS})
        return response

    return guarded
