"""The worker thread of a session: the store's calls of its async methods run there, so an
agent's event loop never waits on the disk or on another writer."""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any

__all__ = ["Worker"]


class Worker:
    """One session's thread for the store's calls: they run one at a time, in the order they
    were submitted, and each result goes back to the event loop that asked for it.

    Not a ``ThreadPoolExecutor``: its futures, locks and conditions cost an idle session about
    a tenth of a millisecond more per call than a bare queue and ``call_soon_threadsafe``, a
    tenth of what a fork costs. A daemon thread: a session never closed does not keep the
    interpreter alive (a call it was running when the process ended is rolled back by SQLite
    as a whole)."""

    _STOP: Any = object()

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._jobs.put((fn, args, loop, future))
        return future

    def stop(self) -> None:
        """Finish the calls submitted so far, then end the thread."""
        self._jobs.put(self._STOP)
        if threading.current_thread() is not self._thread:
            self._thread.join()

    def _serve(self) -> None:
        while True:
            job = self._jobs.get()
            if job is self._STOP:
                return
            fn, args, loop, future = job
            outcome: tuple[Any, BaseException | None]
            try:
                outcome = (fn(*args), None)
            except BaseException as exc:  # handed to the caller, whatever it is
                outcome = (None, exc)
            try:
                loop.call_soon_threadsafe(_settle, future, outcome)
            except RuntimeError:
                pass  # the loop was closed: nobody is waiting any more
            # Drop the result now: held until the next call, a path of thousands of items
            # would be freed on this thread at the start of that call, and slow it down.
            del job, fn, args, loop, future, outcome


def _settle(future: asyncio.Future[Any], outcome: tuple[Any, BaseException | None]) -> None:
    if future.cancelled():
        return
    result, exc = outcome
    if exc is None:
        future.set_result(result)
    else:
        future.set_exception(exc)
