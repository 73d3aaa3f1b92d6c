"""A fault-injecting SQLite VFS for tests: fail the k-th write or sync, once or from then on.

:class:`FaultVFS` inherits every behaviour from the default VFS (``unix`` on Linux) and counts
the ``xWrite`` and ``xSync`` calls of every file SQLite opens through it (the database, its
``-wal`` and ``-journal``; the ``-shm`` index is mapped memory, not written this way). Armed
with :meth:`FaultVFS.arm`, the k-th call of the chosen method since arming raises an SQLite
error instead of reaching the disk: ``"ioerr"`` (``SQLITE_IOERR_WRITE`` for a write,
``SQLITE_IOERR_FSYNC`` for a sync) or ``"full"`` (``SQLITE_FULL``). A one-off fault fails only
the k-th call; a persistent one fails every call from the k-th on, like a disk that died.

Registered with ``makedefault=True``, so every connection opened meanwhile (``threadtree.open``
takes no VFS argument) goes through it::

    with FaultVFS() as vfs:
        store = threadtree.open(path)
        vfs.arm("xWrite", "ioerr", at=3)
        ...
        vfs.disarm()

``FaultVFS(fsync=False)`` counts syncs (and fails them when armed) but does not reach the
disk: for loops that look at what a *process* crash leaves (the files as the operating system
holds them), where real fsyncs only cost time.

It also notes when a WAL commit frame is written (a frame header whose "database size after
commit" field is not zero), so a test can tell a fault that hit before the commit record
reached the file from one that hit after it: only the latter may leave a raised write applied.
"""

from __future__ import annotations

import apsw

__all__ = ["FaultVFS", "METHODS", "KINDS"]

METHODS = ("xWrite", "xSync")
KINDS = ("ioerr", "full")

_IOERR = {"xWrite": apsw.SQLITE_IOERR_WRITE, "xSync": apsw.SQLITE_IOERR_FSYNC}
_WAL_FRAME_HEADER = 24


class FaultVFS(apsw.VFS):
    """The default VFS with injectable write and sync failures (see the module docstring).

    :param fsync: pass syncs on to the disk (else count them only).

    Counters (reset by :meth:`arm`): ``calls[method]`` since arming, ``fired`` (faults
    raised), ``commits`` (WAL commit frames written), and ``commits_before_first_fault``.
    """

    def __init__(self, name: str = "threadtree-faults", *, fsync: bool = True) -> None:
        self.name = name
        self.fsync = fsync
        self.base = apsw.vfs_names()[0]  # the default VFS before this one replaces it
        self.method: str | None = None
        self.kind = "ioerr"
        self.at = 0
        self.persistent = False
        self._reset()
        super().__init__(name, base=self.base, makedefault=True)
        self._registered = True

    def _reset(self) -> None:
        self.calls = dict.fromkeys(METHODS, 0)
        self.fired = 0
        self.commits = 0
        self.commits_before_first_fault: int | None = None

    def arm(self, method: str, kind: str, at: int, *, persistent: bool = False) -> None:
        """Fail the ``at``-th call (1-based, counted from now) of ``method`` with ``kind``;
        with ``persistent``, every later call of it too."""
        if method not in METHODS or kind not in KINDS or at < 1:
            raise ValueError(f"bad fault: {method!r} {kind!r} at {at!r}")
        self._reset()
        self.method, self.kind, self.at, self.persistent = method, kind, at, persistent

    def disarm(self) -> None:
        """Let every call through again (the counters are kept for inspection)."""
        self.method = None

    def error(self, method: str) -> apsw.Error:
        code = apsw.SQLITE_FULL if self.kind == "full" else _IOERR[method]
        return apsw.exception_for(code)

    def _call(self, method: str) -> None:
        """Count a call of ``method``; raise if it is the one to fail."""
        self.calls[method] += 1
        if self.method != method:
            return
        n = self.calls[method]
        if n == self.at or (self.persistent and n > self.at):
            if self.fired == 0:
                self.commits_before_first_fault = self.commits
            self.fired += 1
            raise self.error(method)

    def xOpen(self, name, flags):  # noqa: N802 (SQLite's name)
        return _FaultFile(self, name, flags)

    def close(self) -> None:
        """Unregister (the previous default VFS becomes the default again)."""
        if self._registered:
            self._registered = False
            self.unregister()

    def __enter__(self) -> FaultVFS:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.disarm()
        self.close()


class _FaultFile(apsw.VFSFile):
    def __init__(self, vfs: FaultVFS, name, flags) -> None:
        self._vfs = vfs
        filename = name.filename() if isinstance(name, apsw.URIFilename) else name
        self._wal = bool(filename) and filename.endswith("-wal")
        self._readonly = bool(flags[0] & apsw.SQLITE_OPEN_READONLY)
        super().__init__(vfs.base, name, flags)

    def xLock(self, level: int) -> None:  # noqa: N802
        try:
            super().xLock(level)
        except apsw.IOError as exc:
            # A read-only connection that closes the last handle on a WAL database tries an
            # exclusive lock (to checkpoint), which a read-only descriptor cannot take. SQLite
            # ignores that failure, but APSW would raise it from Connection.close; "busy" is
            # the lock failure both ignore, and it means the same here: no checkpoint.
            if not (self._readonly and exc.extendedresult == apsw.SQLITE_IOERR_LOCK):
                raise
            raise apsw.BusyError("a read-only file cannot be locked for writing") from None

    def xWrite(self, data, offset: int) -> None:  # noqa: N802
        self._vfs._call("xWrite")
        # A WAL frame header is written on its own, 24 bytes; bytes 4-8 are the database size
        # after a commit, zero in every frame but a transaction's last.
        if self._wal and len(data) == _WAL_FRAME_HEADER and offset >= 32 and int.from_bytes(data[4:8], "big"):
            self._vfs.commits += 1
        super().xWrite(data, offset)

    def xSync(self, flags: int) -> None:  # noqa: N802
        self._vfs._call("xSync")
        if self._vfs.fsync:
            super().xSync(flags)
