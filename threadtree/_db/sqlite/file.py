"""The database file on disk: what can be checked about it before, and beside, SQLite.

- :func:`refuse_special_files`: a directory, named pipe, device or socket is refused before
  SQLite opens it (opening a FIFO read-only blocks; reading one fails with an I/O error).
- :func:`refuse_cut_files`: a file shorter than its own header says (a copy that stopped
  early) is refused before anything reads or writes it. SQLite notices a missing page only
  when it reads it, and a missing part of the last page not at all: it reads zeros there.
- :class:`Unchanged`: the guard of a connection that reads a file without locks
  (``immutable=1``, for a reader that cannot create the ``-shm`` file beside it).

The file itself is opened here only through SQLite's own VFS, never with ``open()``: closing
any descriptor of a file drops every POSIX lock the process holds on it, including those of
other SQLite connections to the same file in this process.
"""

from __future__ import annotations

import os
import stat

import apsw

from ...errors import SchemaError, ThreadTreeError

_MAGIC = b"SQLite format 3\x00"
_WAL_HEADER = 32  # bytes before the first frame of a -wal file
_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def refuse_special_files(filename: str) -> None:
    """Raise ThreadTreeError unless ``filename`` is a regular file or does not exist yet."""
    try:
        mode = os.stat(filename).st_mode
    except FileNotFoundError:
        return
    except OSError as exc:  # a parent that is a file, no permission to look, a loop of links
        raise ThreadTreeError(f"cannot open database {filename!r}: {exc.strerror}") from exc
    if stat.S_ISDIR(mode):
        raise ThreadTreeError(f"cannot open database {filename!r}: it is a directory")
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _KINDS if test(mode)), "a special file")
        raise ThreadTreeError(f"cannot open database {filename!r}: it is {kind}, not a regular file")


def refuse_cut_files(filename: str) -> None:
    """Raise SchemaError, having changed nothing, if the file is shorter than its header says.

    The header's page count (offset 28) times the page size (offset 16) is the size of the
    database, valid when the "version-valid-for" number (offset 92) equals the change counter
    (offset 24), as every SQLite since 3.7.0 writes it. A file can be shorter for a moment
    without damage while a checkpoint copies the WAL into it (page 1 goes first) or while a
    rollback journal holds its old pages; SQLite then reads the rest from the -wal or
    -journal file, so the check is left to SQLite when one of them holds data.
    """
    if _shortfall(filename) is None:
        return
    if holds_data(filename + "-wal") or holds_data(filename + "-journal", 0):
        return
    # Look again: the last writer may have finished such a checkpoint and removed its -wal
    # between the two looks above; once the -wal is gone the file is whole.
    short = _shortfall(filename)
    if short is None:
        return
    expected, actual = short
    raise SchemaError(
        f"{filename!r} is cut short: its header says {expected:,} bytes, the file holds {actual:,} "
        "(a copy or download that stopped early, or a full disk?). It was left as it is: restore "
        "it from a complete copy (`sqlite3 FILE .recover` can save what is left)"
    )


def _shortfall(filename: str) -> tuple[int, int] | None:
    """(size the header gives, size of the file) if the file is the shorter, else None."""
    try:
        file = apsw.VFSFile("", filename, [apsw.SQLITE_OPEN_READONLY | apsw.SQLITE_OPEN_MAIN_DB, 0])
    except apsw.Error:
        return None  # SQLite says why when the connection opens it
    try:
        size = file.xFileSize()
        header = file.xRead(100, 0) if size >= 100 else b""
    except apsw.Error:
        return None
    finally:
        file.xClose()
    if not header.startswith(_MAGIC) or header[24:28] != header[92:96]:
        return None  # not SQLite (refused later), or a header size SQLite itself ignores
    page_size = int.from_bytes(header[16:18], "big")
    expected = (65536 if page_size == 1 else page_size) * int.from_bytes(header[28:32], "big")
    return (expected, size) if size < expected else None


def holds_data(path: str, header: int = _WAL_HEADER) -> bool:
    """Whether the -wal (or -journal) file at ``path`` holds anything past its header. One
    that cannot be looked at counts as holding something: the careful answer either way."""
    try:
        return os.stat(path).st_size > header
    except FileNotFoundError:
        return False
    except OSError:
        return True


def may_write(path: str) -> bool:
    """Whether this process may write ``path`` (a file or a folder), as the kernel decides."""
    effective = os.access in os.supports_effective_ids
    return os.access(path, os.W_OK, effective_ids=effective)


def why_read_only(filename: str, *, shm: bool = False) -> str:
    """Why SQLite could not write ``filename`` (or, ``shm``, why no -shm file can be made
    beside it), in words."""
    folder = os.path.dirname(os.path.abspath(filename))
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "it is on a read-only file system"
    except (AttributeError, OSError):  # no statvfs on Windows
        pass
    if not may_write(folder):
        return f"this user may not write its folder {folder!r}, where SQLite keeps the -wal and -shm files"
    if os.path.exists(filename) and not may_write(filename):
        if shm:
            return (
                "this user may not write the database, and a -shm file this user made would keep its owner from "
                "writing it"
            )
        return "this user may not write it"
    return "SQLite could not open it for writing"


class Unchanged:
    """Raises ThreadTreeError once the file is not as it was when the guard was made.

    A connection opened with ``immutable=1`` takes no locks and reads the main file only: it
    would return stale rows once another process commits to the -wal, and torn ones if a
    checkpoint wrote the file under it. The store calls the guard before and after every
    call: before, so that what it reads is current (no commit since the connection opened);
    after, so that nothing changed the file while it read. Two ``stat`` calls each time.
    """

    __slots__ = ("_filename", "_seen")

    def __init__(self, filename: str) -> None:
        self._filename = filename
        self._seen = self._state()

    def _state(self) -> tuple | None:
        try:
            st = os.stat(self._filename)
        except OSError:
            return None
        return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, holds_data(self._filename + "-wal")

    def __call__(self) -> None:
        if self._state() != self._seen:
            raise ThreadTreeError(
                f"{self._filename!r} was changed by another process since this read-only store "
                "opened it without locks (no -shm file could be made beside it); open it again "
                "to read it as it is now"
            )
