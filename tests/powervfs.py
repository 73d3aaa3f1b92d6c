"""A VFS that knows what a power cut would leave on disk.

:class:`PowerVFS` inherits the default VFS (every call really happens) and keeps, for each
file, the bytes that are *durable* (as of that file's last ``xSync``) and the writes and
truncations made since. :meth:`PowerVFS.cut` freezes the image a power cut at that moment
would leave: the durable bytes plus a random subset of the unsynced writes, in their order,
some of them torn (only a prefix, or only some of their 512-byte sectors, reach the disk).

Model, and its simplifications:

* A file's content at its first open under the VFS counts as durable (tests start from a
  closed, clean file).
* ``xSync`` makes that file's earlier writes and truncations durable, whatever its flags. It
  does not call the real fsync: the model, not the disk, decides what survives.
* A created file exists after the cut (empty if nothing was synced); a deleted file is gone.
  Directory syncs are not modelled: SQLite's WAL mode neither creates nor deletes files while
  a connection keeps the database open.
* The ``-shm`` file is not part of the image: SQLite rebuilds it from the WAL.

Use as a context manager: it becomes the default VFS (so ``threadtree.open`` uses it) until
the block ends, when it is unregistered.
"""

from __future__ import annotations

import os
import random
from typing import Any

import apsw

SECTOR = 512


class _Log:
    """One file: its durable bytes and what was done to it since its last sync."""

    __slots__ = ("durable", "pending")

    def __init__(self, durable: bytes) -> None:
        self.durable = bytearray(durable)
        self.pending: list[tuple[int, bytes | None]] = []  # (offset, data), or (size, None): truncate

    def sync(self) -> None:
        for offset, data in self.pending:
            _apply(self.durable, offset, data)
        self.pending.clear()


def _apply(image: bytearray, offset: int, data: bytes | None) -> None:
    if data is None:
        del image[offset:]
        return
    if len(image) < offset:
        image.extend(bytes(offset - len(image)))
    image[offset:offset + len(data)] = data


def _torn(rng: random.Random, offset: int, data: bytes) -> list[tuple[int, bytes]]:
    """The parts of a write that reached the disk before the power went: a prefix, or some of
    its sectors."""
    if rng.random() < 0.5:
        return [(offset, data[:rng.randrange(len(data))])]
    parts = []
    start = offset
    while start < offset + len(data):
        end = min((start // SECTOR + 1) * SECTOR, offset + len(data))
        if rng.random() < 0.5:
            parts.append((start, data[start - offset:end - offset]))
        start = end
    return parts


class PowerVFS(apsw.VFS):
    """Records writes and syncs; :meth:`cut` makes the power-loss image at the ``cut_at``-th
    write or sync (counted over all files), or at any moment when called directly."""

    def __init__(self, rng: random.Random, *, cut_at: int | None = None, name: str = "powervfs") -> None:
        self.rng = rng
        self.cut_at = cut_at
        self.events = 0  # writes and syncs so far
        self.logs: dict[str, _Log] = {}
        self.image: dict[str, bytes] | None = None  # set by cut()
        self.unsynced: dict[str, int] = {}  # at the cut: path -> writes and truncations not synced
        self.applied = self.dropped = self.torn = 0  # what the cut did with them
        self._base = apsw.vfs_names()[0]  # the default VFS, before this one takes its place
        super().__init__(name, base=self._base, makedefault=True)

    def __enter__(self) -> PowerVFS:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.unregister()

    # -- the VFS --

    def xOpen(self, name: Any, flags: list[int]) -> apsw.VFSFile:
        path = name.filename() if isinstance(name, apsw.URIFilename) else name
        if path is not None and not path.endswith("-shm") and path not in self.logs:
            try:
                with open(path, "rb") as existing:
                    durable = existing.read()
            except FileNotFoundError:
                durable = b""
            self.logs[path] = _Log(durable)
        return _File(self, self._base, name, flags, path)

    def xDelete(self, filename: str, syncdir: bool) -> None:
        self.logs.pop(filename, None)
        super().xDelete(filename, syncdir)

    # -- the power cut --

    def event(self) -> None:
        """Count a write or sync; the ``cut_at``-th one happens after the power went."""
        self.events += 1
        if self.events == self.cut_at and self.image is None:
            self.cut()

    def cut(self) -> dict[str, bytes]:
        """Freeze (once) and return the image a power cut now would leave: path -> bytes."""
        if self.image is None:
            image = {}
            for path, log in self.logs.items():
                self.unsynced[path] = len(log.pending)
                content = bytearray(log.durable)
                for offset, data in log.pending:
                    roll = self.rng.random()
                    if roll < 0.35:
                        self.applied += 1
                        _apply(content, offset, data)
                    elif roll < 0.7 or data is None or not data:
                        self.dropped += 1
                    else:
                        self.torn += 1
                        for part_offset, part in _torn(self.rng, offset, data):
                            _apply(content, part_offset, part)
                image[path] = bytes(content)
            self.image = image
        return self.image

    def write_image(self, folder: str | os.PathLike[str]) -> None:
        """Write the image's files into ``folder`` (which must exist) under their own names."""
        for path, content in self.cut().items():
            with open(os.path.join(folder, os.path.basename(path)), "wb") as out:
                out.write(content)


class _File(apsw.VFSFile):
    def __init__(self, vfs: PowerVFS, base: str, name: Any, flags: list[int], path: str | None) -> None:
        super().__init__(base, name, flags)
        self._vfs = vfs
        self._log = None if path is None else vfs.logs.get(path)

    def xWrite(self, data: Any, offset: int) -> None:
        if self._log is not None:
            self._vfs.event()
            self._log.pending.append((offset, bytes(data)))
        super().xWrite(data, offset)

    def xTruncate(self, newsize: int) -> None:
        if self._log is not None:
            self._log.pending.append((newsize, None))
        super().xTruncate(newsize)

    def xSync(self, flags: int) -> None:
        if self._log is not None:
            self._vfs.event()
            self._log.sync()
        # No real fsync: durability is what the model above says, and skipping it keeps a
        # trial at a few milliseconds.
