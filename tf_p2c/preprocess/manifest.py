"""The preprocessing job's record: `manifest.jsonl`, one JSON object per processed input.

Each line is written and flushed as soon as the input is done, so a killed job keeps the record of
everything it finished. The file is append-only; across runs the *last* line of an input wins.

Record fields:
    input:   path of the input relative to the job's ``--data_path`` (POSIX '/').
    status:  "ok" (outputs written), "no_face" (readable photo, no face found),
             "error" (unreadable or failed; ``reason`` says why; retried by the next run) or
             "skipped" (finished by an earlier run; ``outputs`` repeats that run's outputs).
    reason:  one line, empty for a plain "ok"; e.g. "3 faces found; kept the largest".
    faces:   number of faces found (-1 when the photo could not be read).
    outputs: output paths relative to ``--save_path``: PNG files, or the TFRecord shard holding
             the input's examples (same shard for every face).
    time:    UTC ISO-8601 time the line was written.
"""

from __future__ import annotations

import dataclasses
import datetime
import fcntl
import json
import os
from typing import IO, Iterable, Optional

MANIFEST_NAME = "manifest.jsonl"
STATUSES = ("ok", "no_face", "error", "skipped")
# An input is finished when its last record has one of these and its outputs exist.
FINISHED_STATUSES = ("ok", "no_face", "skipped")


@dataclasses.dataclass
class Record:
    """One line of the manifest.

    Args:
        input: input path relative to the data folder.
        status: one of `STATUSES`.
        reason: one-line explanation ("" if none).
        faces: faces found, -1 if unknown.
        outputs: output paths relative to the save folder.
    """

    input: str
    status: str
    reason: str = ""
    faces: int = 0
    outputs: list[str] = dataclasses.field(default_factory=list)

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}. Received: status={self.status!r}")

    def to_json(self) -> str:
        values = dataclasses.asdict(self)
        values["time"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
        return json.dumps(values, ensure_ascii=False)


def read_manifest(path: str) -> dict[str, Record]:
    """Last record of every input in a manifest file; missing file -> {}.

    A torn last line (the job was killed mid-write) and other unparsable lines are ignored.

    Args:
        path: the manifest.jsonl file.
    """
    records: dict[str, Record] = {}
    if not os.path.exists(path):
        return records
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                values = json.loads(line)
                record = Record(
                    input=values["input"],
                    status=values["status"],
                    reason=values.get("reason", ""),
                    faces=int(values.get("faces", 0)),
                    outputs=list(values.get("outputs", [])),
                )
            except (ValueError, KeyError, TypeError):
                continue
            records[record.input] = record
    return records


def finished_inputs(records: dict[str, Record], save_path: str) -> dict[str, Record]:
    """Records of inputs that need no more work: finished status and every output present.

    Args:
        records: from `read_manifest`.
        save_path: folder the outputs are relative to.
    """
    return {
        name: r
        for name, r in records.items()
        if r.status in FINISHED_STATUSES and all(os.path.isfile(os.path.join(save_path, o)) for o in r.outputs)
    }


def _ends_without_newline(path: str) -> bool:
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        if f.tell() == 0:
            return False
        f.seek(-1, os.SEEK_END)
        return f.read(1) != b"\n"


class ManifestWriter:
    """Appends records to `manifest.jsonl`, flushing each line; holds an exclusive lock.

    The `fcntl.flock` lock makes a second job on the same save folder fail fast instead of
    interleaving records; the OS drops it when the process dies, so a crash leaves no stale lock.

    Args:
        path: the manifest file (created if missing).
        fsync: also fsync after each line (slower; survives power loss, not only a killed job).
    """

    def __init__(self, path: str, fsync: bool = False):
        self.path = path
        self.fsync = fsync
        self._file: Optional[IO[str]] = open(path, "a", encoding="utf-8")
        try:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._file.close()
            self._file = None
            raise RuntimeError(f"another job is writing to {path}") from None
        if _ends_without_newline(path):
            # A killed job can leave a torn last line; start ours on a fresh line.
            self._file.write("\n")
            self._file.flush()

    def write(self, records: Iterable[Record]) -> None:
        """Appends and flushes records."""
        assert self._file is not None, "writer is closed"
        for record in records:
            self._file.write(record.to_json() + "\n")
        self._file.flush()
        if self.fsync:
            os.fsync(self._file.fileno())

    def close(self) -> None:
        if self._file is not None:
            self._file.close()  # also releases the lock
            self._file = None

    def __enter__(self) -> "ManifestWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
