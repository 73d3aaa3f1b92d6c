"""A real ``threadtree serve`` in a subprocess, for the viewer's HTTP and browser tests.

``running(db, *flags)`` starts ``python -m threadtree --db DB serve --port 0 ...`` (the server
picks a free port and prints its URL), waits for that line and yields the URL; the process
is stopped (SIGTERM, then SIGKILL) when the block ends.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

URL = re.compile(r"(http://\S+)")


def need(what: str, why: str) -> None:
    """Skip, saying why, when a tool the test needs is missing; under CI (THREADTREE_CI) fail."""
    if os.environ.get("THREADTREE_CI"):
        pytest.fail(f"{why}; under CI (THREADTREE_CI) the {what} tests must run")
    pytest.skip(why)


def chromium() -> str | None:
    """The system's Chromium (``$THREADTREE_CHROMIUM`` first), or None."""
    for name in (os.environ.get("THREADTREE_CHROMIUM"), "chromium", "chromium-browser", "/usr/bin/chromium"):
        if name and (found := shutil.which(name)):
            return found
    return None


@contextlib.contextmanager
def launched_browser() -> Iterator[Any]:
    """The system's headless Chromium through Playwright (never a downloaded browser); skip
    (fail under CI) without either."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need("browser", "Playwright for Python is not installed (pip install -e '.[test]')")
    path = chromium()
    if path is None:
        need("browser", "no system Chromium (Debian: apt-get install chromium)")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=path, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


@contextlib.contextmanager
def running(db: Path, *flags: str, timeout: float = 30) -> Iterator[str]:
    command = [sys.executable, "-m", "threadtree", "--db", str(db), "serve", "--port", "0", *flags]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()  # type: ignore[union-attr]
    try:
        try:
            first = lines.get(timeout=timeout)
        except queue.Empty:
            process.kill()
            raise AssertionError(f"serve printed no URL in {timeout} s: {process.stderr.read()}") from None  # type: ignore[union-attr]
        match = URL.search(first)
        assert match, first
        yield match.group(1)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()  # type: ignore[union-attr]
        process.stderr.close()  # type: ignore[union-attr]


def request(url: str, *, body: object = None, headers: dict[str, str] | None = None) -> tuple[int, dict, object]:
    """``(status, headers, decoded JSON or text)`` of a GET (or a POST of ``body`` as JSON)."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers={"content-type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            status, head, raw = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        status, head, raw = exc.code, dict(exc.headers), exc.read()
    text = raw.decode()
    kind = {k.lower(): v for k, v in head.items()}.get("content-type", "")
    return status, {k.lower(): v for k, v in head.items()}, json.loads(text) if "json" in kind else text
