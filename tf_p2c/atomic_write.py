"""Atomic file writes: a temporary file in the destination's folder, renamed into place when complete.

A reader, or a job resumed after a crash, sees the old file or the complete new one, never a partial
file under the final name. `tempfile.mkstemp` creates its file with mode 0600 whatever the umask; the
writers here give the finished file the mode a plain ``open(path, "w")`` would: the existing file's
mode when it replaces one, else ``0o666 & ~umask``.

    with atomic_path("out/a.tfrecord") as tmp:      # any writer that takes a path
        tf.io.TFRecordWriter(tmp).write(...)
    with atomic_open("out/a.png") as f:             # a binary file object
        f.write(data)
    write_bytes("out/a.png", data)

Temporary names are ``.<name>.<8 random chars>.tmp`` (`TEMP_NAME_RE`), so a job that owns a folder can
recognise and delete the leftovers of a killed run.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
import threading
from typing import BinaryIO, Iterator, Union

PathLike = Union[str, os.PathLike]

TEMP_SUFFIX = ".tmp"
# Names `AtomicFile` gives its temporary files (mkstemp adds 8 characters from [a-z0-9_]).
TEMP_NAME_RE = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask, read without changing it where the kernel allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:  # Linux >= 4.7
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    # Elsewhere the only way is to set it and put it back; the lock keeps our threads from racing.
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def file_mode(path: PathLike) -> int:
    """Permission bits a plain write to `path` would leave: the existing file's, else 0o666 & ~umask."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        return 0o666 & ~current_umask()


def dir_mode() -> int:
    """Permission bits of a folder made by a plain ``os.mkdir``: 0o777 & ~umask."""
    return 0o777 & ~current_umask()


class AtomicFile:
    """A temporary file next to `path`; `commit()` renames it over `path`, `abort()` deletes it.

    Usable as a context manager: leaving the block normally commits, an exception aborts.

    Args:
        path: final file path; its folder is created (with the umask's mode) if needed.
        suffix: the temporary name's ending (a writer that checks extensions, such as Keras'
            `model.save`, needs its own, e.g. `.tmp.keras`).

    Attributes:
        path: the final path.
        tmp: the temporary file's path (exists, empty, until something writes to it).
    """

    def __init__(self, path: PathLike, suffix: str = TEMP_SUFFIX):
        self.path = os.fspath(path)
        folder = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(folder, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(self.path) + ".",
                                        suffix=suffix)
        os.close(fd)
        self._done = False

    def commit(self) -> None:
        """Flushes the temporary file to disk, sets its mode, and renames it to the final path."""
        if self._done:
            raise RuntimeError(f"{self.path}: atomic write already finished")
        try:
            with open(self.tmp, "rb") as f:
                os.fsync(f.fileno())
            os.chmod(self.tmp, file_mode(self.path))
            os.replace(self.tmp, self.path)
        except BaseException:
            self.abort()
            raise
        self._done = True

    def abort(self) -> None:
        """Deletes the temporary file; the final path is left as it was."""
        self._done = True
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.tmp)

    def __enter__(self) -> "AtomicFile":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._done:
            return
        if exc_type is None:
            self.commit()
        else:
            self.abort()


@contextlib.contextmanager
def atomic_path(path: PathLike, suffix: str = TEMP_SUFFIX) -> Iterator[str]:
    """Yields a temporary path to write; on leaving the block it replaces `path` (or, on error, is deleted)."""
    with AtomicFile(path, suffix) as target:
        yield target.tmp


@contextlib.contextmanager
def atomic_open(path: PathLike) -> Iterator[BinaryIO]:
    """Yields a binary file open for writing; on leaving the block it replaces `path` (or is deleted)."""
    with AtomicFile(path) as target, open(target.tmp, "wb") as f:
        yield f


def write_bytes(path: PathLike, data: bytes) -> None:
    """Writes `data` to `path` atomically (folder created if needed)."""
    with atomic_open(path) as f:
        f.write(data)


def save_keras_atomic(model, path: PathLike) -> None:
    """`model.save(path)` through a temporary `.keras` file: never a half-written model."""
    with atomic_path(path, suffix=".tmp.keras") as tmp:
        model.save(tmp)
