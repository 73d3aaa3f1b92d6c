"""Files as a new user meets them: folders they may not write, read-only file systems, files
cut short, FIFOs and devices, an empty THREADTREE_DB (issue 14, "Files and paths").

Permissions mean nothing to root, so the readers here run as ``nobody`` (and a file's owner as
``daemon``) in real subprocesses; those tests are skipped, saying why, where that cannot be
done. The folders live under /tmp, because pytest's own folders are private to root.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import site
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import threadtree
from threadtree import InvalidInput, SchemaError, ThreadTreeError

from .helpers import logical_dump, raw_conn

READ = """
import json, sys, threadtree
with threadtree.open(sys.argv[1], readonly=True) as store:
    print(json.dumps([e.content for e in store.path("t")]))
"""


CHECKOUT = Path(threadtree.__file__).resolve().parent.parent
# Another user may not be able to run this interpreter (a venv over a Python under /root):
# the same Python version installed for every user, given this environment's packages, will do.
ENV = {**os.environ, "NO_COLOR": "1",
       "PYTHONPATH": os.pathsep.join([str(CHECKOUT), *site.getsitepackages()])}
_python: list[str] = []


def run_as(user: str, args: list[str], *, input: str | None = None) -> subprocess.CompletedProcess:
    """``python args...`` as ``user``, from a folder every user may enter."""
    return subprocess.run([*_python, *args], **_as(user), capture_output=True, text=True, input=input, timeout=60)


def _as(user: str) -> dict:
    return {"user": user, "group": pwd.getpwnam(user).pw_gid, "extra_groups": [], "cwd": "/", "env": ENV}


def cli_as(user: str, db: Path, *args: str) -> subprocess.CompletedProcess:
    return run_as(user, ["-m", "threadtree", "--db", str(db), *args])


@pytest.fixture(scope="module")
def other_users():
    """Skip unless this process may run this threadtree as ``nobody`` and ``daemon`` (root,
    the users exist, and some interpreter of this Python version is open to them)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("needs root, to run readers as another user")
    for user in ("nobody", "daemon"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            pytest.skip(f"no user {user!r} on this machine")
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    probe = "import threadtree; print(threadtree.__file__)"
    for python in (sys.executable, shutil.which(version), f"/usr/bin/{version}"):
        if not python:
            continue
        try:
            done = subprocess.run([python, "-c", probe], **_as("nobody"), capture_output=True, text=True, timeout=60)
        except OSError:
            continue
        if done.returncode == 0 and Path(done.stdout.strip()).resolve().is_relative_to(CHECKOUT):
            _python[:] = [python]
            return
    pytest.skip(f"no {version} that 'nobody' may run and that imports this checkout's threadtree")


@pytest.fixture
def folder(other_users):
    """A folder root owns: other users may read it, not write it."""
    path = Path(tempfile.mkdtemp(prefix="threadtree-files-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


def make_db(path: Path, *contents: str) -> None:
    with threadtree.open(path) as store:
        store.create_thread("t", thread_id="t")
        for text in contents:
            store.append("t", "user", text)
    path.chmod(0o644)


def listing(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


class TestFoldersThisUserMayNotWrite:
    """Reading must work without write permission, change nothing and leave no file behind;
    writing must say why it cannot."""

    def test_the_library_reads_and_leaves_the_folder_as_it_was(self, folder):
        make_db(folder / "chats.db", "hello", "world")
        before = listing(folder)
        done = run_as("nobody", ["-c", READ, str(folder / "chats.db")])
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == ["hello", "world"]
        assert listing(folder) == before  # no -wal, no -shm, not a byte changed

    def test_a_file_this_user_may_write_in_a_folder_it_may_not(self, folder):
        """SQLite tries the -shm file first and fails; reading goes on without it."""
        make_db(folder / "chats.db", "hello")
        (folder / "chats.db").chmod(0o666)
        before = listing(folder)
        done = run_as("nobody", ["-c", READ, str(folder / "chats.db")])
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == ["hello"]
        assert listing(folder) == before

    @pytest.mark.parametrize("command", [["threads"], ["show", "t"], ["tree", "t"], ["leaves", "t"], ["check"],
                                         ["export", "t", "--format", "jsonl"]])
    def test_every_read_command_of_the_cli_works(self, folder, command):
        make_db(folder / "chats.db", "hello")
        before = listing(folder)
        done = cli_as("nobody", folder / "chats.db", *command)
        assert done.returncode == 0, done.stderr
        assert done.stdout
        assert listing(folder) == before

    def test_a_live_writers_newest_commit_is_read_through_its_wal(self, folder):
        make_db(folder / "chats.db", "old")
        with threadtree.open(folder / "chats.db") as writer:  # keeps -wal and -shm alive
            writer.append("t", "user", "new")
            for name in ("chats.db-wal", "chats.db-shm"):
                (folder / name).chmod(0o644)
            done = run_as("nobody", ["-c", READ, str(folder / "chats.db")])
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == ["old", "new"]

    def test_a_wal_holding_changes_without_its_shm_is_refused_saying_why(self, folder, tmp_path):
        """Reading past such a -wal would return stale rows; reading it needs a -shm file
        that nobody may create here. A crashed writer, or a copy made while one ran, leaves this."""
        make_db(tmp_path / "live.db", "old")
        with threadtree.open(tmp_path / "live.db") as writer:
            writer.append("t", "user", "only in the wal")
            shutil.copy(tmp_path / "live.db", folder / "chats.db")
            shutil.copy(tmp_path / "live.db-wal", folder / "chats.db-wal")
        for name in ("chats.db", "chats.db-wal"):
            (folder / name).chmod(0o644)
        before = listing(folder)
        done = run_as("nobody", ["-c", READ, str(folder / "chats.db")])
        assert "threadtree.errors.ThreadTreeError" in done.stderr, done.stderr
        assert "chats.db-wal" in done.stderr and "holds changes" in done.stderr
        cli = cli_as("nobody", folder / "chats.db", "show", "t")
        assert cli.returncode == 1
        assert cli.stderr.startswith("threadtree: error: cannot read") and cli.stderr.count("\n") == 1
        assert listing(folder) == before

    def test_a_reader_without_locks_refuses_once_another_process_has_written(self, folder):
        """The reader could not make a -shm file, so it reads without locks: a commit made
        after it opened must make it refuse, never return the old rows as if current."""
        make_db(folder / "chats.db", "old")
        reader = """
import sys, threadtree
store = threadtree.open(sys.argv[1], readonly=True)
print(len(store.path("t")), flush=True)
for _ in sys.stdin:
    try:
        print(len(store.path("t")), flush=True)
    except threadtree.ThreadTreeError as exc:
        print("refused:", exc, flush=True)
"""
        proc = subprocess.Popen([*_python, "-c", reader, str(folder / "chats.db")], **_as("nobody"), text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert proc.stdout.readline() == "1\n", proc.stderr.read()
            proc.stdin.write("again\n")
            proc.stdin.flush()
            assert proc.stdout.readline() == "1\n"  # nothing changed: reads go on
            with threadtree.open(folder / "chats.db") as writer:
                writer.append("t", "user", "new")
                proc.stdin.write("while the writer is open\n")
                proc.stdin.flush()
                assert proc.stdout.readline().startswith("refused: "), proc.stderr.read()
            proc.stdin.write("after the writer closed\n")  # its last close copied the wal in
            proc.stdin.flush()
            line = proc.stdout.readline()
            assert line.startswith("refused: ") and "changed by another process" in line
        finally:
            proc.stdin.close()
            proc.wait(timeout=60)

    def test_writing_says_it_may_not_and_changes_nothing(self, folder):
        make_db(folder / "chats.db", "hello")
        before = listing(folder)
        write = "import sys, threadtree; threadtree.open(sys.argv[1]).append('t', 'user', 'x')"
        done = run_as("nobody", ["-c", write, str(folder / "chats.db")])
        assert "threadtree.errors.ThreadTreeError: cannot write" in done.stderr, done.stderr
        assert "may not write" in done.stderr and "readonly=True" in done.stderr
        cli = cli_as("nobody", folder / "chats.db", "append", "t", "user", "x")
        assert cli.returncode == 1 and cli.stderr.startswith("threadtree: error: cannot write"), cli.stderr
        assert listing(folder) == before

    def test_a_reader_leaves_nothing_that_locks_the_owner_out(self, folder):
        """In a folder anyone may write (like /tmp), SQLite would make the -wal and -shm
        files with the reader as owner, and the owner's next write would fail."""
        folder.chmod(0o777)
        create = "import sys, threadtree; s = threadtree.open(sys.argv[1]); s.create_thread('t', thread_id='t'); s.close()"
        assert run_as("daemon", ["-c", create, str(folder / "chats.db")]).returncode == 0
        done = run_as("nobody", ["-c", READ, str(folder / "chats.db")])
        assert done.returncode == 0, done.stderr
        assert sorted(p.name for p in folder.iterdir()) == ["chats.db"]
        append = "import sys, threadtree; print(threadtree.open(sys.argv[1]).append('t', 'user', 'mine').content)"
        owner = run_as("daemon", ["-c", append, str(folder / "chats.db")])
        assert owner.returncode == 0, owner.stderr
        assert owner.stdout == "mine\n"


def test_a_read_only_file_system_is_read(tmp_path):
    """A bind mount made read-only in a private mount namespace: even root cannot write there."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("needs root and unshare, to mount a folder read-only")
    (tmp_path / "src").mkdir()
    (tmp_path / "mnt").mkdir()
    make_db(tmp_path / "src" / "chats.db", "hello")
    script = (
        f"mount --bind {tmp_path / 'src'} {tmp_path / 'mnt'} && mount -o remount,bind,ro {tmp_path / 'mnt'} && "
        f"{sys.executable} -m threadtree --db {tmp_path / 'mnt' / 'chats.db'} show t && "
        f"{sys.executable} -m threadtree --db {tmp_path / 'mnt' / 'chats.db'} append t user x"
    )
    done = subprocess.run(["unshare", "-m", "sh", "-c", script], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "NO_COLOR": "1"})
    if "mount:" in done.stderr or "unshare:" in done.stderr:
        pytest.skip(f"cannot make a read-only mount here: {done.stderr.strip()}")
    assert "hello" in done.stdout, done.stderr
    assert "threadtree: error: cannot write" in done.stderr and "read-only file system" in done.stderr
    assert sorted(p.name for p in (tmp_path / "src").iterdir()) == ["chats.db"]


class TestFilesCutShort:
    """A database shorter than its header says: refused on opening, left as it was."""

    @pytest.fixture
    def whole(self, db_path):
        with threadtree.open(db_path) as store:
            store.create_thread("t", thread_id="t")
            store.extend("t", [{"role": "user", "content": f"message {k} " * 20} for k in range(2000)])
        return db_path.read_bytes()

    @pytest.mark.parametrize("cut", [0.001, 0.25], ids=["by-0.1%", "by-a-quarter"])
    @pytest.mark.parametrize("readonly", [False, True], ids=["write", "read-only"])
    def test_opening_names_the_file_and_changes_nothing(self, db_path, whole, cut, readonly):
        db_path.write_bytes(whole[: len(whole) - int(len(whole) * cut)])
        before = db_path.read_bytes()
        with pytest.raises(SchemaError, match="is cut short") as caught:
            threadtree.open(db_path, readonly=readonly)
        assert str(db_path) in str(caught.value)
        assert db_path.read_bytes() == before
        assert sorted(p.name for p in db_path.parent.iterdir()) == [db_path.name]

    def test_the_cli_says_so_in_one_line(self, db_path, whole):
        db_path.write_bytes(whole[:-1000])
        done = subprocess.run([sys.executable, "-m", "threadtree", "--db", str(db_path), "threads"],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 1
        assert done.stderr.startswith("threadtree: error: ") and "cut short" in done.stderr
        assert done.stderr.count("\n") == 1

    def test_a_file_shorter_than_its_header_while_its_wal_holds_the_rest_opens(self, tmp_path):
        """What a checkpoint stopped half-way leaves (it writes page 1 first): the header
        already counts pages that are still only in the -wal. SQLite reads them from there."""
        live = tmp_path / "live.db"
        with threadtree.open(live) as store:
            store.create_thread("t", thread_id="t")
            store.append("t", "user", "before")
            raw_conn(store).pragma("wal_checkpoint(TRUNCATE)")
            raw_conn(store).pragma("wal_autocheckpoint", 0)
            store.extend("t", [{"role": "user", "content": f"grown {k} " * 40} for k in range(300)])
            copy = tmp_path / "copy.db"
            shutil.copy(live, copy)
            shutil.copy(str(live) + "-wal", str(copy) + "-wal")
        page_size = int.from_bytes(copy.read_bytes()[16:18], "big")
        newest_page_1 = _newest_frame_of_page_1(Path(str(copy) + "-wal").read_bytes(), page_size)
        main = bytearray(copy.read_bytes())
        main[:page_size] = newest_page_1
        copy.write_bytes(bytes(main))
        header_size = int.from_bytes(newest_page_1[28:32], "big") * page_size
        assert copy.stat().st_size < header_size  # the state this test is about
        with threadtree.open(copy, readonly=True) as store:
            assert len(store.path("t")) == 301
            assert store.check() == []


def _newest_frame_of_page_1(wal: bytes, page_size: int) -> bytes:
    """Page 1 as the last frame of the -wal that holds it has it (frames: 24-byte header,
    then the page; the header starts with the page number)."""
    found, offset = None, 32
    while offset + 24 + page_size <= len(wal):
        if int.from_bytes(wal[offset:offset + 4], "big") == 1:
            found = wal[offset + 24:offset + 24 + page_size]
        offset += 24 + page_size
    assert found is not None
    return found


class TestSpecialFiles:
    @pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
    @pytest.mark.parametrize("command", [["threads"], ["new"]], ids=["read", "write"])
    def test_a_fifo_is_refused_at_once(self, tmp_path, command):
        """Run in a process: read-only, SQLite would wait forever for a writer to the pipe."""
        os.mkfifo(tmp_path / "pipe")
        done = subprocess.run([sys.executable, "-m", "threadtree", "--db", str(tmp_path / "pipe"), *command],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 1
        assert done.stderr == f"threadtree: error: cannot open database {str(tmp_path / 'pipe')!r}: it is a named pipe (FIFO), not a regular file\n"

    @pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
    def test_a_device_is_refused(self):
        with pytest.raises(ThreadTreeError, match="'/dev/null': it is a character device, not a regular file"):
            threadtree.open("/dev/null")

    def test_a_path_through_a_file_is_refused(self, tmp_path):
        (tmp_path / "plain").write_text("x")
        with pytest.raises(ThreadTreeError, match="cannot open database .*Not a directory"):
            threadtree.open(tmp_path / "plain" / "chats.db")


class TestAnEmptyThreadtreeDb:
    """THREADTREE_DB="" is what a script gets from an unset variable: never the default file."""

    def test_open_refuses_it_and_creates_nothing(self, monkeypatch, tmp_path):
        monkeypatch.setenv("THREADTREE_DB", "")
        for readonly in (False, True):
            with pytest.raises(InvalidInput, match="THREADTREE_DB is set but empty"):
                threadtree.open(readonly=readonly)
        with pytest.raises(InvalidInput, match="THREADTREE_DB"):
            threadtree.default_path()
        assert not Path(os.environ["XDG_DATA_HOME"]).exists()

    def test_the_cli_refuses_it_in_one_line(self, tmp_path):
        env = {**os.environ, "THREADTREE_DB": "", "XDG_DATA_HOME": str(tmp_path / "data")}
        for command in (["new"], ["threads"]):
            done = subprocess.run([sys.executable, "-m", "threadtree", *command], capture_output=True, text=True,
                                  env=env, timeout=60)
            assert done.returncode == 1
            assert done.stderr.startswith("threadtree: error: THREADTREE_DB is set but empty")
            assert done.stderr.count("\n") == 1
        assert not (tmp_path / "data").exists()

    def test_an_explicit_path_still_wins(self, monkeypatch, db_path):
        monkeypatch.setenv("THREADTREE_DB", "")
        with threadtree.open(db_path) as store:
            store.create_thread("t")
        assert logical_dump(db_path)["threads"]
